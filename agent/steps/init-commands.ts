// 40-init-command: INIT_COMMAND_xx values run at boot, in key order. LTSP 5 sourced them as
// shell code inside init-ltsp; here each is one program with plain arguments, run without a
// shell (shell code belongs in a script in the chroot). They run after the name, DNS and modules
// are in place, as they did in LTSP 5 (40 comes after 09, 10 and 20).

import type { Problem } from '../core/errors.ts';
import { checkCommand, readFamily } from '../config/values.ts';
import { declareKeys } from '../config/declare.ts';
import { k, T, unset } from '../config/key-spec.ts';
import { definePlanner } from './context.ts';
import { planned, skipped } from './step.ts';

export const INIT_COMMANDS_KEYS = declareKeys('init-commands', {
  'INIT_COMMAND_<any>': k('system', T.command, unset, 'a command run early during boot, as root, in natural key order'),
});

export const planInitCommands = definePlanner(INIT_COMMANDS_KEYS, (ctx) => {
  const problems: Problem[] = [];
  const commands = readFamily(ctx.config, 'INIT_COMMAND_<any>', problems, checkCommand);
  if (commands.length === 0) return skipped('init-commands', problems.length ? 'every INIT_COMMAND_* value was refused' : 'no INIT_COMMAND_* keys', problems);
  return planned(
    'init-commands',
    ['hostname', 'dns', 'modules'],
    commands.map(({ key, value }) => ({ kind: 'run' as const, argv: value, bestEffort: true, timeoutMs: 60_000, keys: [key], why: 'admin command at boot' })),
    problems,
  );
});
