// 20-modules: `modprobe` every MODULE_xx value (module name and options), in sort -V order of
// the keys. A module that fails to load is logged and the others still load (LTSP 5 ignored
// failures too).

import type { Problem } from '../core/errors.ts';
import { checkModule, readFamily } from '../config/values.ts';
import { declareKeys } from '../config/declare.ts';
import { k, T, unset } from '../config/key-spec.ts';
import { definePlanner } from './context.ts';
import { planned, skipped } from './step.ts';

export const MODULES_KEYS = declareKeys('modules', {
  'MODULE_<any>': k('system', T.command, unset,
    'a kernel module to load, optionally followed by its parameters; loaded in natural key order (the man page\'s insmod of an absolute path was never implemented)'),
});

export const planModules = definePlanner(MODULES_KEYS, (ctx) => {
  const problems: Problem[] = [];
  const modules = readFamily(ctx.config, 'MODULE_<any>', problems, checkModule);
  if (modules.length === 0) return skipped('modules', problems.length ? 'every MODULE_* value was refused' : 'no MODULE_* keys', problems);
  return planned(
    'modules',
    [],
    modules.map(({ key, value }) => ({
      kind: 'run' as const,
      argv: ['modprobe', '--', ...value], // after "--" nothing is an option
      bestEffort: true,
      timeoutMs: 20_000,
      keys: [key],
      why: `load kernel module ${value[0]}`,
    })),
    problems,
  );
});
