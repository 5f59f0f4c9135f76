// The configuration a client ends up with: lts.conf values (resolved for this client) over
// ltsp.KEY= kernel-command-line keys, as LTSP 5's ltsp_config sourced them (Debian #689668:
// lts.conf wins). Steps read values only through this class, so every read is typed and
// every boolean is read the way LTSP 5 read it.

import { LtspError } from '../core/errors.ts';
import type { Declaration } from './ltsconf-parse.ts';
import { compilePattern, matchPattern } from './key-pattern.ts';

export type ValueOrigin =
  | { kind: 'lts.conf'; decl: Declaration; section: string }
  | { kind: 'cmdline' }
  | { kind: 'flag' }
  | { kind: 'derived'; why: string };

export interface ConfigValue {
  readonly value: string;
  readonly origin: ValueOrigin;
}

/** LTSP 5's boolean_is_true: true, y, yes in any case. Everything else, 1 and on included, is false. */
export function ltspBool(value: string): boolean {
  const v = value.toLowerCase();
  return v === 'true' || v === 'y' || v === 'yes';
}

/** LDM's C reading (ldm_getenv_bool): the first character is y, Y, t or T. */
export function ldmBool(value: string): boolean {
  return /^[yYtT]/.test(value);
}

/** Values LTSP 5 reads as false although an admin almost certainly meant true. */
export function looksTrueButIsFalse(value: string): boolean {
  return /^(1|on|enable|enabled)$/i.test(value.trim());
}

/**
 * Natural ("sort -V") order of keys such as MODULE_2 < MODULE_10: runs of digits compare as
 * numbers, everything else by character code. (localeCompare with numeric:true does the same
 * but builds a collator per call: it was most of --dry-run's own time.)
 */
export function versionCompare(a: string, b: string): number {
  const chunk = /(\d+|\D+)/g;
  const xa = a.match(chunk) ?? [];
  const xb = b.match(chunk) ?? [];
  for (let i = 0; i < Math.min(xa.length, xb.length); i++) {
    const p = xa[i]!;
    const q = xb[i]!;
    if (p === q) continue;
    const pd = p.charCodeAt(0) <= 57 && p.charCodeAt(0) >= 48;
    const qd = q.charCodeAt(0) <= 57 && q.charCodeAt(0) >= 48;
    if (pd && qd) {
      const d = Number(p) - Number(q);
      if (d !== 0) return d;
      return p.length - q.length; // 01 after 1, as sort -V does
    }
    return p < q ? -1 : 1;
  }
  return xa.length - xb.length;
}

export class Config {
  readonly #values: Map<string, ConfigValue>;

  constructor(values: Iterable<[string, ConfigValue]>) {
    this.#values = new Map(values);
  }

  static fromRecord(rec: Record<string, string>): Config {
    return new Config(Object.entries(rec).map(([k, v]) => [k.toUpperCase(), { value: v, origin: { kind: 'flag' } }]));
  }

  /** A copy with some values added or replaced (derived defaults, per-screen overrides). */
  with(extra: Iterable<[string, ConfigValue]>): Config {
    const m = new Map(this.#values);
    for (const [k, v] of extra) m.set(k.toUpperCase(), v);
    return new Config(m);
  }

  has(key: string): boolean {
    return this.#values.has(key);
  }

  get(key: string): string | undefined {
    return this.#values.get(key)?.value;
  }

  entry(key: string): ConfigValue | undefined {
    return this.#values.get(key);
  }

  /** A value that is set and not empty. */
  nonEmpty(key: string): string | undefined {
    const v = this.get(key);
    return v === undefined || v === '' ? undefined : v;
  }

  /** LTSP 5 boolean semantics; `fallback` when the key is unset or empty. */
  bool(key: string, fallback = false): boolean {
    const v = this.nonEmpty(key);
    return v === undefined ? fallback : ltspBool(v);
  }

  /** An integer in [min, max]; a non-number is a typed error naming the key. */
  int(key: string, range: { min?: number; max?: number } = {}): number | undefined {
    const v = this.nonEmpty(key);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v.trim())) {
      throw new LtspError('LTSP_VALUE_INVALID', `"${v}" is not a whole number`, this.where(key), `set ${key} to a number`);
    }
    const n = Number(v.trim());
    if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) {
      throw new LtspError(
        'LTSP_VALUE_INVALID',
        `${n} is out of range ${range.min ?? '-∞'}..${range.max ?? '∞'}`,
        this.where(key),
        `set ${key} within that range`,
      );
    }
    return n;
  }

  /** Whitespace-separated list (SYSLOG_HOST, DNS_SERVER, LDM_SERVER). */
  list(key: string): string[] {
    const v = this.get(key);
    return v === undefined ? [] : v.split(/\s+/).filter((s) => s.length > 0);
  }

  /** Every key of a family (MODULE_<any>), in sort -V order (MODULE_01, MODULE_2, MODULE_10 ...). */
  family(pattern: string): Array<[string, string]> {
    const p = compilePattern(pattern);
    return [...this.#values.entries()]
      .filter(([k]) => matchPattern(p, k)?.ok)
      .sort(([a], [b]) => versionCompare(a, b))
      .map(([k, v]) => [k, v.value]);
  }

  /**
   * Values set over this configuration (see KeyReader.overlay): `why` is the prefix of the keys
   * they came from (SCREEN_07), whose file:line they keep, so messages point at that line.
   */
  overlay(values: Readonly<Record<string, string>>, why: string): Config {
    if (Object.keys(values).length === 0) return this; // the usual screen: nothing to copy
    return this.with(
      Object.entries(values).map(([k, v]): [string, ConfigValue] => {
        const from = `${why}_${k.toUpperCase()}`;
        return [k.toUpperCase(), { value: v, origin: this.#values.get(from)?.origin ?? { kind: 'derived', why: from } }];
      }),
    );
  }

  /** The whole configuration, to pass on as it is (see KeyReader.passOn). */
  passOn(): Array<[string, ConfigValue]> {
    return this.entries();
  }

  keys(): string[] {
    return [...this.#values.keys()];
  }

  entries(): Array<[string, ConfigValue]> {
    return [...this.#values.entries()];
  }

  /** file:line of a key for error messages. */
  where(key: string): { key: string; file?: string; line?: number } {
    const o = this.#values.get(key)?.origin;
    if (o?.kind === 'lts.conf') return { key, file: o.decl.file, line: o.decl.line };
    return { key };
  }
}
