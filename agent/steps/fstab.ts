// 50-fstab: a fresh /etc/fstab unless CONFIGURE_FSTAB is false. The image's own fstab
// names the server's disks, not the client's, so LTSP 5 replaced it: proc, a tmpfs /tmp (as 5.2
// did: the root is an overlay in RAM anyway, and /tmp must not fill it), the deprecated NFS_HOME,
// then every FSTAB_xx line.

import type { Problem } from '../core/errors.ts';
import { checkClientPath, checkConfigLine, checkHost, read, readFamily, refuse } from '../config/values.ts';
import type { KeyReader } from '../config/declare.ts';
import { declareKeys } from '../config/declare.ts';
import { bool, format, k, T, unset, val } from '../config/key-spec.ts';
import { definePlanner } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

/** An fstab entry: 4 to 6 fields, the first two without spaces. */
function checkFstabLine(config: KeyReader, key: string, value: string) {
  const line = checkConfigLine(config, key, value);
  if (!line.ok) return line;
  const f = line.value.split(/[ \t]+/);
  if (f.length < 4 || f.length > 6 || (f.length >= 5 && !f.slice(4).every((n) => /^\d+$/.test(n)))) {
    return refuse<string>(config, key, `"${line.value}" is not an fstab entry (device mountpoint type options [dump [pass]])`, `write ${key} as "server:/home /home nfs defaults 0 0"`);
  }
  const mountPoint = checkClientPath(config, key, f[1] === 'none' || f[1] === 'swap' ? '/' : f[1]!);
  if (!mountPoint.ok) return mountPoint;
  return { ok: true as const, value: f.join('\t') };
}

export const FSTAB_KEYS = declareKeys('fstab', {
  CONFIGURE_FSTAB: k('system', bool(), val('True'), 'write a fresh /etc/fstab at boot'),
  'FSTAB_<any>': k('system', T.line, unset, 'a line appended to /etc/fstab'),
  NFS_HOME: k('system', format(/^([^:/\s]+:)?\/\S*$/, 'an NFS export: /path on SERVER, or server:/path', '/home'), unset,
    'mount home directories over NFS from this export (SERVER: is put in front when no host is given); deprecated'),
  NFS_HOME_OPTIONS: k('system', T.word, val('defaults'), 'mount options for NFS_HOME'),
});

export const planFstab = definePlanner(FSTAB_KEYS, (ctx) => {
  const { config } = ctx;
  if (!config.bool('CONFIGURE_FSTAB', true)) return skipped('fstab', 'CONFIGURE_FSTAB is false: the image\'s /etc/fstab is kept');
  const problems: Problem[] = [];
  const lines = [generatedHeader(), 'proc\t/proc\tproc\tdefaults\t0\t0', 'tmpfs\t/tmp\ttmpfs\tdefaults,nosuid,nodev,mode=1777\t0\t0'];
  const keys = ['CONFIGURE_FSTAB'];

  const nfsHome = read(config, 'NFS_HOME', problems, (c, k, v) => {
    // "server:/path" or "/path" (then on SERVER), as LTSP 5 read it.
    const m = /^([^:/]+):(\/.*)$/.exec(v);
    const host = checkHost(c, m ? k : 'SERVER', m ? m[1]! : ctx.server);
    if (!host.ok) return host;
    const path = checkClientPath(c, k, m ? m[2]! : v);
    return path.ok ? { ok: true as const, value: `${host.value}:${path.value}` } : path;
  });
  if (nfsHome !== undefined) {
    const options = read(config, 'NFS_HOME_OPTIONS', problems, (c, k, v) => (/^[A-Za-z0-9_=,.:-]+$/.test(v) ? { ok: true as const, value: v } : refuse<string>(c, k, `"${v}" is not a mount option list`, 'write options like rw,nolock'))) ?? 'defaults';
    lines.push(`${nfsHome}\t/home\tnfs\t${options}\t0\t0`);
    keys.push('NFS_HOME', 'NFS_HOME_OPTIONS');
  }
  for (const { key, value } of readFamily(config, 'FSTAB_<any>', problems, checkFstabLine)) {
    lines.push(value);
    keys.push(key);
  }
  return planned('fstab', [], [{ kind: 'write-file', path: '/etc/fstab', content: lines.join('\n') + '\n', keys, why: 'mounts for this client, not the server the image was built on' }], problems);
});
