// The option parser shared by the commands, on node:util's parseArgs: --name value,
// --name=value, -o value, -ovalue, flags, and short flags combined (-qo FILE). Unknown options
// are errors (an admin's typo must not be silently ignored).
//
// The commands name their options as typed ('-o', '--output'); each name is its own option
// here, so a command decides itself which names mean the same. parseArgs runs without its own
// strict checks (which would refuse a value that starts with "-", such as `--cmdline "-x"`)
// and every token is checked below against the command's list instead.

import { parseArgs } from 'node:util';
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

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

/** "-o" -> "o" (with short "o"), "--output" -> "output". */
function optionKey(name: string): { key: string; short?: string } {
  if (/^-[^-]$/.test(name)) return { key: name.slice(1), short: name.slice(1) };
  if (/^--[^-=][^=]*$/.test(name)) return { key: name.slice(2) };
  throw new Error(`args: bad option name "${name}" in a command's option list`);
}

export function parseOptions(argv: readonly string[], spec: OptionSpec): ParsedArgs {
  const kinds = new Map<string, 'value' | 'flag' | 'repeatable'>();
  for (const n of spec.values ?? []) kinds.set(n, 'value');
  for (const n of spec.repeatable ?? []) kinds.set(n, 'repeatable');
  for (const n of spec.flags ?? []) if (!kinds.has(n)) kinds.set(n, 'flag');

  const options: ParseArgsOptions = {};
  for (const [name, kind] of kinds) {
    const { key, short } = optionKey(name);
    // A one-letter long option ("--o") and the short "-o" would share a key; the tokens'
    // rawName tells them apart below.
    options[key] = { type: kind === 'flag' ? 'boolean' : 'string', multiple: true, ...(short ? { short } : {}) };
  }
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });

  const values = new Map<string, string>();
  const multi = new Map<string, string[]>();
  const flags = new Set<string>();
  const positional: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional') {
      positional.push(t.value);
      continue;
    }
    if (t.kind === 'option-terminator') continue;
    const name = t.rawName;
    const kind = kinds.get(name);
    if (kind === undefined) throw new LtspError('LTSP_USAGE', `unknown option ${name}`, {}, 'see --help');
    if (kind === 'flag') {
      if (t.value !== undefined) throw new LtspError('LTSP_USAGE', `${name} takes no value`, {}, 'see --help');
      flags.add(name);
      continue;
    }
    if (t.value === undefined) throw new LtspError('LTSP_USAGE', `${name} needs a value`);
    if (kind === 'repeatable') multi.set(name, [...(multi.get(name) ?? []), t.value]);
    else values.set(name, t.value);
  }
  return { values, multi, flags, positional };
}
