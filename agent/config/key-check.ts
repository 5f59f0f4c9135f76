// Warnings about an lts.conf as an admin wrote it, key by key, against the registry in
// keys.ts: keys nothing reads (with a did-you-mean), keys LTSP 5 documented but never read or
// renamed, booleans LTSP 5 silently read as false, values LTSP 5's `eval` would have expanded
// or executed, and values of the wrong type. This only reports; the steps decide what to do
// with a value (agent/config/values.ts validates for each destination).
//
// It runs on whatever the parser let through, so it must not throw on any key or value.

import type { Problem, Where } from '../core/errors.ts';
import type { StepName } from '../plan/actions.ts';
import { parseSyslogTarget } from './syslog-target.ts';
import { isIP } from '../core/ip.ts';
import { isHostnameLabel } from '../core/names.ts';
import { ldmBool, looksTrueButIsFalse, ltspBool } from './config.ts';
import { asciiUpper } from './fnmatch.ts';
import { suggestKeys } from './key-suggest.ts';
import { describeType, findKey, indexOutOfRange, matchKey, type KeySpec, type ValueType } from './keys.ts';
import type { ResolvedValue } from './ltsconf-resolve.ts';

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
}

/**
 * Unknown keys listed one by one (each with its did-you-mean); past that, one problem counts
 * the rest: a file of 400,000 unknown keys is no lts.conf, and 400,000 warnings help nobody.
 */
export const MAX_LISTED_UNKNOWN = 100;

/** Every warning for these key/value pairs, in input order. */
export function checkKeys(values: readonly KeyValue[]): Problem[] {
  if (!Array.isArray(values)) return [];
  const problems: Problem[] = [];
  let listedUnknown = 0;
  let moreUnknown = 0;
  let firstMore: KeyValue | undefined;
  for (const kv of values) {
    try {
      if (listedUnknown >= MAX_LISTED_UNKNOWN && matchKey(asciiUpper(text(kv?.key))) === undefined) {
        moreUnknown++;
        firstMore ??= kv;
        continue;
      }
      const found = checkKey(kv);
      if (found.some((p) => p.code === 'LTSP_KEY_UNKNOWN')) listedUnknown++;
      for (const p of found) problems.push(p);
    } catch (e) {
      // A bug here must never cost a client its boot; say so and go on.
      problems.push({
        code: 'LTSP_VALUE_INVALID',
        severity: 'warning',
        message: `could not check this key (internal error: ${e instanceof Error ? e.message : String(e)})`,
        where: whereOf(kv),
      });
    }
  }
  if (moreUnknown > 0) {
    const where = whereOf(firstMore); // where the unlisted ones start
    delete where.key;
    problems.push({
      code: 'LTSP_KEY_UNKNOWN',
      severity: 'warning',
      message: `${moreUnknown} more keys that neither LTSP 5 nor ltsp-agent knows, from here on (not listed one by one)`,
      where,
      hint: 'is this file really an lts.conf? `ltsp-agent config explain` lists every key',
    });
  }
  return problems;
}

/** checkKeys for the output of resolveLtsConf. */
export function checkResolvedValues(values: readonly ResolvedValue[]): Problem[] {
  return checkKeys(values.map((v) => ({ key: v.key, value: v.value, file: v.from.file, line: v.from.line })));
}

/** The warnings for one key/value pair. */
export function checkKey(kv: KeyValue): Problem[] {
  const key = asciiUpper(text(kv?.key));
  const value = text(kv?.value);
  const where = whereOf(kv, key);
  const problems: Problem[] = [];
  const add = (p: Omit<Problem, 'where'>) => problems.push({ ...p, where });

  const match = matchKey(key);
  const unsafe = shellConstruct(value);
  if (unsafe !== undefined) {
    const secret = (match?.inner?.spec ?? match?.spec)?.secret === true;
    add({
      code: 'LTSP_VALUE_UNSAFE',
      severity: 'warning',
      message: `the value contains ${unsafe}: LTSP 5 would have expanded/executed this in a shell; ltsp-agent uses it literally`,
      hint: secret
        ? 'LTSP 5 clients sent the expanded text, not what is written here; make sure the account has the password written here'
        : 'write the final value; logic that needs a shell belongs in a script inside the image',
    });
  }

  if (!match) {
    add(unknownKey(key));
    return problems;
  }
  // A per-screen override behaves like the key it overrides.
  const spec = match.inner?.spec ?? match.spec;
  const subject = match.inner ? `${match.inner.name} (overridden for one screen)` : 'this key';

  const d = spec.disposition;
  if (d.status === 'documented-but-ignored') {
    add({
      code: 'LTSP_KEY_IGNORED',
      severity: 'warning',
      message: `LTSP 5 never read ${subject}: ${d.why}`,
      hint: d.use !== undefined ? `write ${d.use} instead` : 'remove it; nothing reads it',
    });
    return problems;
  }
  if (d.status === 'renamed') {
    add({
      code: 'LTSP_KEY_RENAMED',
      severity: 'warning',
      message: d.how === undefined ? `${d.era} name of ${d.use}: LTSP 5 still read it as ${d.use}, which wins when both are set` : `${d.era} key: ${d.how}`,
      hint: `write ${d.use} instead`,
    });
  }
  // What finally reads the value: the key itself, or the one an old name maps onto.
  const reader = d.status === 'renamed' ? (findKey(d.use) ?? spec) : spec;
  const rd = reader.disposition;
  if (match.inner && rd.status === 'read' && !rd.readers.some((s) => PER_SCREEN_STEPS.has(s))) {
    add({
      code: 'LTSP_KEY_IGNORED',
      severity: 'warning',
      message: `${match.inner.name} is used once at boot (step ${rd.readers[0]}), so a per-screen value has no effect`,
      hint: `set ${match.inner.name} itself`,
    });
    return problems;
  }
  if (rd.status === 'unsupported' || rd.status === 'not-yet') {
    // Switching an unimplemented feature off is exactly what the agent does anyway.
    if (spec.type.kind === 'bool' && !readsTrue(spec.type.reading, value)) return problems;
    const who = reader === spec ? subject : reader.name;
    if (rd.status === 'unsupported') {
      add({
        code: 'LTSP_KEY_UNSUPPORTED',
        severity: 'warning',
        message: `LTSP 5 read ${who} (${reader.meaning}), but ltsp-agent does not: ${rd.reason}`,
        hint: 'remove it, or keep LTSP 5 for clients that need it',
      });
      return problems;
    }
    // Not yet: said, and the value still checked, so the file is right when the key is read.
    add({
      code: 'LTSP_KEY_NOT_YET',
      severity: 'warning',
      message: `LTSP 5 read ${who} (${reader.meaning}); ltsp-agent does not yet (issue ${rd.issue}), so it has no effect`,
      hint: 'keep it for when ltsp-agent reads it, or keep LTSP 5 for clients that need it now',
    });
  }

  // Empty means unset to LTSP 5's scripts, and NONE removes the key; neither has a type.
  if (value.trim() === '' || asciiUpper(value) === 'NONE') return problems;
  for (const p of checkValue(spec, value)) add(p);
  return problems;
}

/** Callers in plain JavaScript may hand over anything; only strings and numbers count. */
function text(x: unknown): string {
  return typeof x === 'string' ? x : typeof x === 'number' || typeof x === 'boolean' ? String(x) : '';
}

/** Steps that read per screen, where LTSP 5's SCREEN_<nn>_<KEY> overrides take effect. */
const PER_SCREEN_STEPS: ReadonlySet<StepName> = new Set<StepName>(['screens', 'login']);

function whereOf(kv: KeyValue | undefined, key?: string): Where {
  const where: Where = {};
  const k = key ?? asciiUpper(text(kv?.key));
  if (k !== undefined && k !== '') where.key = k;
  if (typeof kv?.file === 'string') where.file = kv.file;
  if (typeof kv?.line === 'number' && Number.isFinite(kv.line)) where.line = kv.line;
  return where;
}

function unknownKey(key: string): Omit<Problem, 'where'> {
  const range = indexOutOfRange(key);
  if (range) {
    const fix = suggestKeys(key);
    return {
      code: 'LTSP_KEY_UNKNOWN',
      severity: 'warning',
      message: `shaped like ${range.spec.name}, but LTSP 5 never read the number ${range.index}; nothing reads this key`,
      hint: fix.length > 0 ? `did you mean ${orList(fix)}?` : `use a number that fits ${range.spec.name}`,
    };
  }
  const fix = suggestKeys(key);
  return {
    code: 'LTSP_KEY_UNKNOWN',
    severity: 'warning',
    message: 'neither LTSP 5 nor ltsp-agent knows this key',
    hint: fix.length > 0 ? `did you mean ${orList(fix)}?` : 'if a script of your own reads it, ignore this warning',
  };
}

const orList = (xs: readonly string[]) => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

/**
 * What `eval $(getltscfg -a)` would have acted on inside the double quotes it put around
 * every value: command substitution, backticks, parameter expansion, backslash escapes.
 */
function shellConstruct(value: string): string | undefined {
  if (value.includes('$(')) return '$( )';
  if (value.includes('`')) return 'backticks';
  // Named generically: the value may be a password, so not even one character of it is shown.
  if (/\$(\{|[A-Za-z_0-9@*#?$!-])/.test(value)) return 'a $ expansion';
  if (/\\[$`"\\]/.test(value)) return 'a backslash escape';
  return undefined;
}

function readsTrue(reading: 'ltsp' | 'ldm', value: string): boolean {
  return reading === 'ltsp' ? ltspBool(value) : ldmBool(value);
}

const FALSE_WORDS = /^(false|no|n|off|0)$/i;

function show(spec: KeySpec, value: string): string {
  if (spec.secret) return 'the value';
  const v = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(v);
}

type Finding = Omit<Problem, 'where'>;

function invalid(message: string, hint: string): Finding {
  return { code: 'LTSP_VALUE_INVALID', severity: 'error', message, hint };
}

/** Type checks of a non-empty value against its registry type. */
function checkValue(spec: KeySpec, value: string): Finding[] {
  const t: ValueType = spec.type;
  const v = value.trim();
  const shown = show(spec, value);
  switch (t.kind) {
    case 'bool': {
      if (readsTrue(t.reading, value) || FALSE_WORDS.test(v)) return [];
      const who = t.reading === 'ltsp' ? 'LTSP 5 reads' : 'LDM reads';
      const rule = t.reading === 'ltsp' ? 'only true, yes and y count, in any case' : 'only values starting with y or t count';
      if (looksTrueButIsFalse(value) || readsTrue(t.reading, v) || ltspBool(v) || ldmBool(v)) {
        return [
          {
            code: 'LTSP_VALUE_READS_FALSE',
            severity: 'warning',
            message: `${shown} looks true, but ${who} it as false (${rule})`,
            hint: 'write True (or False, if off is meant)',
          },
        ];
      }
      return [
        { code: 'LTSP_VALUE_INVALID', severity: 'warning', message: `${shown} is not a boolean; ${who} it as false`, hint: 'write True or False' },
      ];
    }
    case 'int':
    case 'port': {
      const [min, max] = t.kind === 'port' ? [1, 65535] : [t.min, t.max];
      if (!/^-?\d+$/.test(v)) return [invalid(`${shown} is not a whole number`, `write a number from ${min} to ${max}`)];
      const n = Number(v);
      if (n < min || n > max) return [invalid(`${shown} is out of range`, `write a number from ${min} to ${max}${t.kind === 'int' && t.unit ? ` (${t.unit})` : ''}`)];
      return [];
    }
    case 'host': {
      if (t.words?.some((w) => w.toLowerCase() === v.toLowerCase())) return [];
      if (/\s/.test(v)) return [invalid(`${shown} is more than one host`, 'write one host name or IP address')];
      return hostProblem(v, shown);
    }
    case 'hosts':
      return v.split(/\s+/).flatMap((h) => hostProblem(h, JSON.stringify(h))).slice(0, 3);
    case 'syslog-targets':
      return v
        .split(/\s+/)
        .map(parseSyslogTarget)
        .filter((r): r is string => typeof r === 'string')
        .slice(0, 3)
        .map((why) => invalid(why, 'write host, host:port, or @@host:port for TCP'));
    case 'ip':
      if (/\s/.test(v)) return [invalid(`${shown} is more than one address`, 'write one IP address')];
      return isIP(v) ? [] : [invalid(`${shown} is not an IP address`, 'write an address such as 192.168.67.1')];
    case 'ips':
      return v
        .split(/\s+/)
        .filter((a) => !isIP(a))
        .slice(0, 3)
        .map((a) => invalid(`${JSON.stringify(a)} is not an IP address`, 'write IP addresses separated by spaces'));
    case 'path':
      return v.startsWith('/') ? [] : [invalid(`${shown} is not an absolute path`, 'write a path starting with /')];
    case 'word':
      return /\s/.test(v) ? [invalid(`${shown} must be a single word`, `write ${describeType(t)} without spaces`)] : [];
    case 'list':
      return t.sep === 'comma' && /\s/.test(v)
        ? [{ code: 'LTSP_VALUE_INVALID', severity: 'warning', message: `${shown} contains spaces; LTSP 5 splits this list at commas only`, hint: 'write the items separated by commas, without spaces' }]
        : [];
    case 'enum':
      return t.values.some((x) => x.toLowerCase() === v.toLowerCase())
        ? []
        : [invalid(`${shown} is not one of the accepted values`, `write one of: ${t.values.join(', ')}`)];
    case 'format':
      return t.re.test(v) ? [] : [invalid(`${shown} is not ${t.expect}`, `write ${t.expect}`)];
    case 'command':
    case 'line':
    case 'string':
    case 'per-screen':
      return [];
  }
}

function hostProblem(host: string, shown: string): Finding[] {
  if (isIP(host)) return [];
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  if (labels.every((l) => /^\d+$/.test(l))) {
    return [invalid(`${shown} is not a valid IP address`, 'write four numbers from 0 to 255, such as 192.168.67.1')];
  }
  if (name.length > 253 || !labels.every(isHostnameLabel)) {
    return [invalid(`${shown} is not a valid host name or IP address`, 'use letters, digits, dashes and dots only')];
  }
  return [];
}
