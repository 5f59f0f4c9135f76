// Keys are declared where they are read. Each planner names, next to its code, the lts.conf
// keys (and key families) it reads, with their type and boolean dialect, as LTSP 20+'s scripts
// name their keys in their headers, but typed:
//
//   export const SWAP_KEYS = declareKeys('swap', {
//     USE_LOCAL_SWAP: k('swap', bool(), val('False'), 'use every local partition marked as swap'),
//     ...
//   }, { SERVER: T.host });          // keys declared by another reader, read here too
//
// The planner then reads through a KeyReader scoped to exactly those names: reading anything
// else throws (a bug a unit test finds for every planner), booleans are read with the declared
// dialect (LTSP's or LDM's), and every read is recorded, so the boot knows which keys of the
// resolved lts.conf a plan used and can report every other one (agent/config/key-use.ts).

import type { Where } from '../core/errors.ts';
import type { StepName } from '../plan/actions.ts';
import { ldmBool, ltspBool, versionCompare, type Config, type ConfigValue } from './config.ts';
import { compilePattern, isFamilyName, matchPattern, type KeyPattern } from './key-pattern.ts';
import { asciiUpper } from './fnmatch.ts';
import type { KeyDecl, ValueType } from './key-spec.ts';

/** Who reads keys: a boot step (the login is one). */
export type Reader = StepName;

export interface KeySet<K extends string = string, R extends Reader = Reader> {
  readonly reader: R;
  /** Keys this reader owns: their whole declaration lives here. */
  readonly own: ReadonlyArray<{ readonly name: K; readonly decl: KeyDecl }>;
  /** Keys owned by another reader and read here too, with the type read (the registry checks it is the owner's). */
  readonly also: ReadonlyArray<{ readonly name: K; readonly type: ValueType }>;
  /** The type of a declared name (own or also). */
  typeOf(name: string): ValueType | undefined;
  /** The declared name (exact or family) that covers a concrete key, if any. */
  covering(key: string): string | undefined;
}

export function declareKeys<const R extends Reader, const O extends Record<string, KeyDecl>, const A extends Record<string, ValueType> = Record<never, ValueType>>(
  reader: R,
  own: O,
  also?: A,
): KeySet<Extract<keyof O, string> | Extract<keyof A, string>, R> {
  type K = Extract<keyof O, string> | Extract<keyof A, string>;
  const ownList = Object.entries(own).map(([name, decl]) => ({ name: name as K, decl }));
  const alsoList = Object.entries(also ?? {}).map(([name, type]) => ({ name: name as K, type }));
  const types = new Map<string, ValueType>([...ownList.map((o) => [o.name, o.decl.type] as const), ...alsoList.map((a) => [a.name, a.type] as const)]);
  const families: KeyPattern[] = [...types.keys()].filter(isFamilyName).map(compilePattern);
  return {
    reader,
    own: ownList,
    also: alsoList,
    typeOf: (name) => types.get(name),
    covering(key) {
      const upper = asciiUpper(key);
      if (types.has(upper)) return upper;
      return families.find((p) => matchPattern(p, upper)?.ok)?.name;
    },
  };
}

/**
 * How planners read the configuration. Method syntax on purpose: a reader of a few declared
 * names is usable wherever a reader of any name is expected (the checks in values.ts).
 */
export interface KeyReader<K extends string = string> {
  get(key: K): string | undefined;
  /** A value that is set and not empty. */
  nonEmpty(key: K): string | undefined;
  has(key: K): boolean;
  /** The declared boolean reading (LTSP's or LDM's); `fallback` when unset or empty. */
  bool(key: K, fallback?: boolean): boolean;
  /** An integer in range; a non-number is an LtspError naming the key. */
  int(key: K, range?: { min?: number; max?: number }): number | undefined;
  /** Whitespace-separated list. */
  list(key: K): string[];
  /** Every key of a declared family (`MODULE_<any>`), in sort -V order. */
  family(pattern: K): Array<[string, string]>;
  /** file:line of a key for messages. */
  where(key: string): Where;
  /**
   * The whole configuration, for passing it on as it is (ltsp_config_env, the hooks'
   * environment). Not a read of any key: a key that only travels this way is reported as
   * unused, because nothing of ours acted on it.
   */
  passOn(): Array<[string, ConfigValue]>;
  /** The same reader with some values set over the configuration (a screen's SCREEN_NN_<KEY> values). */
  overlay(values: Readonly<Record<string, string>>, why: string): KeyReader<K>;
}

export type ReadRecorder = (reader: Reader, declared: string) => void;

/** Thrown when a planner reads a key it did not declare: a bug in the planner, never in lts.conf. */
export class UndeclaredKeyError extends Error {
  constructor(reader: Reader, key: string) {
    super(`planner ${reader} reads ${key}, which it does not declare (declare it next to the code that reads it)`);
    this.name = 'UndeclaredKeyError';
  }
}

/** A reader over `config` that admits exactly the names of `set`, and records every read. */
export function scopeReader<K extends string>(config: Config, set: KeySet<K, Reader>, record?: ReadRecorder): KeyReader<K> {
  const declared = (key: string): string => {
    const name = set.covering(key);
    if (name === undefined) throw new UndeclaredKeyError(set.reader, key);
    record?.(set.reader, name);
    return asciiUpper(key);
  };
  const nonEmpty = (key: string) => {
    const v = config.get(declared(key));
    return v === undefined || v === '' ? undefined : v;
  };
  return {
    get: (key) => config.get(declared(key)),
    nonEmpty,
    has: (key) => config.has(declared(key)),
    bool(key, fallback = false) {
      const v = nonEmpty(key);
      if (v === undefined) return fallback;
      const t = set.typeOf(set.covering(key)!);
      return t?.kind === 'bool' && t.reading === 'ldm' ? ldmBool(v) : ltspBool(v);
    },
    int(key, range) {
      const name = declared(key);
      const t = set.typeOf(set.covering(key)!);
      const declaredRange = t?.kind === 'int' ? { min: t.min, max: t.max } : t?.kind === 'port' ? { min: 1, max: 65535 } : {};
      return config.int(name, range ?? declaredRange);
    },
    list: (key) => config.list(declared(key)),
    family(pattern) {
      if (!isFamilyName(pattern) || set.typeOf(pattern) === undefined) throw new UndeclaredKeyError(set.reader, pattern);
      record?.(set.reader, pattern);
      const p = compilePattern(pattern);
      return config
        .keys()
        .filter((key) => matchPattern(p, key)?.ok)
        .sort(versionCompare)
        .map((key): [string, string] => [key, config.get(key)!]);
    },
    where: (key) => config.where(asciiUpper(key)),
    passOn: () => config.entries(),
    overlay: (values, why) => scopeReader(config.overlay(values, why), set, record),
  };
}


