// The kernel command line as LTSP 5 read it (init-ltsp.d/03-kernel-cmdline, 04-server):
// ip=, BOOTIF=, BOOT_IMAGE=, nbdroot=, nfsroot=, root=, init=/real_init=, and ltsp.KEY=value.

import type { Problem } from '../core/errors.ts';
import { checkFact } from './check.ts';
import type { RootMount } from './types.ts';

/** Where kernel command line problems say they come from. */
export const CMDLINE_FILE = '/proc/cmdline';

export interface KernelCmdline {
  readonly params: ReadonlyMap<string, string>;
  /** ltsp.KEY=value, KEY uppercased (LTSP 5 exported them as KEY=value). */
  readonly ltspKeys: Readonly<Record<string, string>>;
  readonly bootImage?: string;
  /** From ip=client:server:gw:netmask:hostname:device:autoconf (kernel nfsroot.txt format). */
  readonly ip?: { client?: string; server?: string; gateway?: string; netmask?: string; hostname?: string; device?: string };
  /** MAC from pxelinux's BOOTIF=01-aa-bb-cc-dd-ee-ff, lowercase with colons. */
  readonly bootif?: string;
  readonly root?: RootMount;
  readonly ltspBoot: boolean;
  /** Values refused (an ip= host name with shell syntax, an nbdroot host that is none ...); not used. */
  readonly problems: readonly Problem[];
}

/** Splits like the kernel: on spaces, double quotes group. */
export function splitCmdline(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (const ch of text.trim()) {
    if (ch === '"') {
      quoted = !quoted;
      has = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

export { isIPv4 } from '../core/ip.ts';

export function parseCmdline(text: string): KernelCmdline {
  const params = new Map<string, string>();
  const ltspKeys: Record<string, string> = {};
  for (const word of splitCmdline(text)) {
    const eq = word.indexOf('=');
    const k = eq < 0 ? word : word.slice(0, eq);
    const v = eq < 0 ? '' : word.slice(eq + 1);
    params.set(k, v);
    if (k.startsWith('ltsp.') && k.length > 5) ltspKeys[k.slice(5).toUpperCase()] = v;
  }
  const problems: Problem[] = [];
  let ip: KernelCmdline['ip'];
  const ipParam = params.get('ip');
  if (ipParam && ipParam.includes(':')) {
    const [client, server, gateway, netmask, hostname, device] = ipParam.split(':');
    const field = (kind: Parameters<typeof checkFact>[1], s: string | undefined, name: string) => checkFact(problems, kind, s, `ip= ${name}`, CMDLINE_FILE);
    ip = {
      client: field('ipv4', client, 'client address'),
      server: field('ip', server, 'server address'),
      gateway: field('ipv4', gateway, 'gateway'),
      netmask: field('netmask', netmask, 'netmask'),
      hostname: field('domain', hostname, 'host name'),
      device: field('interface', device, 'device'),
    };
  }
  const bootifRaw = params.get('BOOTIF');
  const bootif =
    bootifRaw && /^01-([0-9a-f]{2}-){5}[0-9a-f]{2}$/i.test(bootifRaw) ? bootifRaw.slice(3).replace(/-/g, ':').toLowerCase() : undefined;
  const cmd = text;
  return {
    params,
    ltspKeys,
    bootImage: checkFact(problems, 'boot-path', params.get('BOOT_IMAGE'), 'BOOT_IMAGE', CMDLINE_FILE),
    ip,
    bootif,
    root: checkedRoot(rootMount(params), problems),
    problems,
    // LTSP 5 tested the substring, which real_init= also matches.
    ltspBoot: cmd.includes('init=/sbin/init-ltsp') || params.has('ltsp.init'),
  };
}

/** The root's server must be a host name or an address; else the root is not used as a fact. */
function checkedRoot(root: RootMount, problems: Problem[]): RootMount {
  if (root.kind === 'nbd' && checkFact(problems, 'host', root.host || '-', 'nbdroot', CMDLINE_FILE) === undefined) return { kind: 'local' };
  if (root.kind === 'nfs' && root.server !== '' && checkFact(problems, 'host', root.server, 'nfsroot', CMDLINE_FILE) === undefined) return { kind: 'local' };
  return root;
}

/**
 * What on this kernel command line says the machine booted as an LTSP client, or undefined:
 * init=/real_init= naming init-ltsp (what LTSP 5's update-kernels writes), an ltsp.* key, an
 * NBD root (nbdroot=) or an NFS root under an LTSP chroot (nfsroot=SERVER:/opt/ltsp/ARCH).
 */
export function ltspBootMarker(cmd: KernelCmdline): string | undefined {
  for (const k of ['init', 'real_init']) if (/(^|\/)init-ltsp$/.test(cmd.params.get(k) ?? '')) return `${k}=${cmd.params.get(k)}`;
  const ltsp = [...cmd.params.keys()].find((k) => k.startsWith('ltsp.') && k.length > 5);
  if (ltsp !== undefined) return ltsp;
  if (cmd.params.has('nbdroot')) return 'nbdroot=';
  if (/(^|:)\/opt\/ltsp\//.test(cmd.params.get('nfsroot') ?? '')) return 'nfsroot=';
  return undefined;
}

/** nbdroot=host[:port][/name] or [ipv6]:port/name; nfsroot=host:/path; else root=/dev/nfs etc. */
function rootMount(params: ReadonlyMap<string, string>): RootMount {
  const nbd = params.get('nbdroot');
  if (nbd) {
    let host: string;
    let rest: string;
    const v6 = /^\[([^\]]+)\](.*)$/.exec(nbd);
    if (v6) {
      host = v6[1]!;
      rest = v6[2]!;
    } else {
      const m = /^([^:/]+)(.*)$/.exec(nbd);
      host = m?.[1] ?? nbd;
      rest = m?.[2] ?? '';
    }
    let port: number | undefined;
    let name: string | undefined;
    const pm = /^:([^/]*)(?:\/(.*))?$/.exec(rest);
    if (pm) {
      // LTSP 5: a non-numeric "port" is an export name.
      if (/^\d+$/.test(pm[1]!)) port = Number(pm[1]);
      else if (pm[1]) name = pm[1];
      // host:/opt/ltsp/i386 names the export by its path (DHCP root-path style).
      if (pm[2]) name = pm[1] === '' ? `/${pm[2]}` : pm[2];
    } else if (rest.startsWith('/')) name = rest.slice(1);
    return { kind: 'nbd', host, ...(port !== undefined ? { port } : {}), ...(name !== undefined ? { name } : {}) };
  }
  const nfs = params.get('nfsroot');
  if (nfs) {
    const i = nfs.indexOf(':');
    const spec = nfs.split(',')[0]!;
    if (i > 0) return { kind: 'nfs', server: spec.slice(0, spec.indexOf(':')), path: spec.slice(spec.indexOf(':') + 1) };
    return { kind: 'nfs', server: '', path: spec };
  }
  return { kind: 'local' };
}
