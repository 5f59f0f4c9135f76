// A small, strict option parser shared by the commands: --name value, --name=value, flags.
// Unknown options are errors (an admin's typo must not be silently ignored).

import { pushAll } from '../core/arrays.ts';
import { LtspError } from '../core/errors.ts';

export interface OptionSpec {
  /** Options that take a value. */
  values?: readonly string[];
  /** Options that are plain flags. */
  flags?: readonly string[];
  /** Options that may be given several times (values collected in order). */
  repeatable?: readonly string[];
}

export interface ParsedArgs {
  values: Map<string, string>;
  multi: Map<string, string[]>;
  flags: Set<string>;
  positional: string[];
}

export function parseOptions(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const values = new Map<string, string>();
  const multi = new Map<string, string[]>();
  const flags = new Set<string>();
  const positional: string[] = [];
  const takesValue = new Set([...(spec.values ?? []), ...(spec.repeatable ?? [])]);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      pushAll(positional, argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if (takesValue.has(name)) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new LtspError('LTSP_USAGE', `${name} needs a value`);
      if (spec.repeatable?.includes(name)) multi.set(name, [...(multi.get(name) ?? []), v]);
      else values.set(name, v);
    } else if (spec.flags?.includes(name) && eq < 0) flags.add(name);
    else throw new LtspError('LTSP_USAGE', `unknown option ${name}`, {}, 'see --help');
  }
  return { values, multi, flags, positional };
}
