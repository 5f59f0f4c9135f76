// The boot's own step: what LTSP 5 left in /run/ltsp for every later script.
//   /run/ltsp/ltsp_config      boot facts (SERVER, NBD_ROOT_*, NFS_SERVER, ltsp.* cmdline keys)
//   /run/ltsp/ltsp_config_env  the resolved configuration
// Both as KEY='value' lines, single-quoted: LTSP 5 wrote "value" and its readers eval'd it,
// which executed $(...) in values; sourcing these files runs nothing. A file that holds a
// secret (a key declared secret, or a screen's override of one) is root-only.

import type { Problem } from '../core/errors.ts';
import { declareKeys } from '../config/declare.ts';
import { derived, k, T, unset, val } from '../config/key-spec.ts';
import { warn } from '../config/values.ts';
import type { Action } from '../plan/actions.ts';
import { definePlanner } from './context.ts';
import { isSecretKey } from '../config/keys.ts';
import { shellQuote } from '../plan/describe.ts';

export const LTSCONF_KEYS = declareKeys('lts-conf', {
  SERVER: k('core', T.host, derived('the boot server: ltsp.server=, the NBD/NFS root server, DHCP next-server, else 192.168.67.1'),
    'the LTSP server; default target of swap, login, time, XDMCP and the `server` alias in /etc/hosts'),
  LIKE: k('core', T.string, unset, 'also apply the named section, with lower precedence than this one (applied while resolving lts.conf)'),
  LTSCONF: k('core', T.word, val('lts.conf'),
    'file name fetched over TFTP instead of lts.conf (only as ltsp.ltsconf= on the kernel command line: in lts.conf it comes too late)'),
});


const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function lines(vars: Array<[string, string]>): string {
  return vars
    .filter(([k]) => NAME.test(k))
    .map(([k, v]) => `${k}=${shellQuote(v)}\n`)
    .join('');
}

export const planLtsConf = definePlanner(LTSCONF_KEYS, (ctx) => {
  const f = ctx.facts;
  const problems: Problem[] = [];
  // LIKE did its work while lts.conf was resolved (the sections listed in the plan): read, so
  // it counts as used.
  ctx.config.get('LIKE');
  if (ctx.config.nonEmpty('LTSCONF') !== undefined && ctx.config.where('LTSCONF').file !== undefined) {
    problems.push(warn(ctx.config, 'LTSCONF', 'LTSCONF in lts.conf has no effect: the file is already chosen when lts.conf is read', 'set ltsp.ltsconf=NAME on the kernel command line instead'));
  }

  const facts: Array<[string, string]> = [['SERVER', ctx.server]];
  if (f.root.kind === 'nbd') {
    facts.push(['NBD_ROOT_HOST', f.root.host]);
    if (f.root.name !== undefined) facts.push(['NBD_ROOT_NAME', f.root.name]);
    if (f.root.port !== undefined) facts.push(['NBD_ROOT_PORT', String(f.root.port)]);
  } else if (f.root.kind === 'nfs') facts.push(['NFS_SERVER', f.root.server]);
  if (f.device) facts.push(['DEVICE', f.device.value]);
  for (const [k, v] of Object.entries(f.cmdlineKeys)) facts.push([k, v]);

  const env: Array<[string, string]> = ctx.config.passOn().map(([key, v]) => [key, v.value]);
  env.push(['HOSTNAME', ctx.hostname], ['SERVER', ctx.server]);
  if (f.mac) env.push(['LTSP_CLIENT_MAC', f.mac.value.toUpperCase()]);
  const secret = env.some(([key]) => isSecretKey(key));
  const actions: Action[] = [
    { kind: 'mkdir', path: '/run/ltsp', mode: 0o755, keys: [], why: 'runtime directory for the boot facts and the resolved configuration' },
    { kind: 'write-file', path: '/run/ltsp/ltsp_config', content: lines(facts), mode: 0o644, keys: [], why: 'boot facts for LTSP scripts (ltsp_config)' },
    {
      kind: 'write-file',
      path: '/run/ltsp/ltsp_config_env',
      content: lines(env),
      // LDM_PASSWORD may be in lts.conf: root-only then, and never printed.
      mode: secret ? 0o600 : 0o644,
      ...(secret ? { secret: true } : {}),
      keys: [],
      why: 'the resolved lts.conf for LTSP scripts that source ltsp_config_env (values single-quoted: sourcing runs nothing)',
    },
  ];
  return { step: 'lts-conf', needs: [], actions, problems };
});
