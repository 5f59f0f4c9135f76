// The boot's own step: what LTSP 5 left in /run/ltsp for every later script.
//   /run/ltsp/ltsp_config      boot facts (SERVER, NBD_ROOT_*, NFS_SERVER, ltsp.* cmdline keys)
//   /run/ltsp/ltsp_config_env  the resolved configuration
// Both as KEY='value' lines, single-quoted: LTSP 5 wrote "value" and its readers eval'd it,
// which executed $(...) in values; sourcing these files runs nothing.

import type { Action, StepPlan } from '../plan/actions.ts';
import type { StepContext } from '../steps/context.ts';
import { shellQuote } from '../plan/describe.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function lines(vars: Array<[string, string]>): string {
  return vars
    .filter(([k]) => NAME.test(k))
    .map(([k, v]) => `${k}=${shellQuote(v)}\n`)
    .join('');
}

export function planLtsConf(ctx: StepContext): StepPlan {
  const f = ctx.facts;
  const facts: Array<[string, string]> = [['SERVER', ctx.server]];
  if (f.root.kind === 'nbd') {
    facts.push(['NBD_ROOT_HOST', f.root.host]);
    if (f.root.name !== undefined) facts.push(['NBD_ROOT_NAME', f.root.name]);
    if (f.root.port !== undefined) facts.push(['NBD_ROOT_PORT', String(f.root.port)]);
  } else if (f.root.kind === 'nfs') facts.push(['NFS_SERVER', f.root.server]);
  if (f.device) facts.push(['DEVICE', f.device.value]);
  for (const [k, v] of Object.entries(f.cmdlineKeys)) facts.push([k, v]);

  const env: Array<[string, string]> = ctx.config.entries().map(([k, v]) => [k, v.value]);
  env.push(['HOSTNAME', ctx.hostname], ['SERVER', ctx.server]);
  if (f.mac) env.push(['LTSP_CLIENT_MAC', f.mac.value.toUpperCase()]);
  const secret = env.some(([k]) => /PASSWORD/.test(k));
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
  return { step: 'lts-conf', needs: [], actions, problems: [] };
}
