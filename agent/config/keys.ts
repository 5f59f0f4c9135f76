// The lts.conf key registry: every client-side key LTSP 5 (5.0 … 5.18, LDM 2.18) knew about.
// Nothing here is written by hand: it is derived from the planners' own declarations (each
// planner declares the keys it reads next to the code that reads them, agent/steps/*.ts) plus
// the keys no planner reads (unplanned-keys.ts: not yet, unsupported, old names). It serves
// `key-check.ts` (warnings about lts.conf files), `key-use.ts` (no silent key), `config
// explain`, docs/lts.conf.md and lts.conf(5) (tools/gen-keys-doc.ts).
//
// Built on first use, not at load: the planners import the checks that import this module.

import type { StepName } from '../plan/actions.ts';
import { PLANNERS } from '../steps/index.ts';
import { asciiUpper } from './fnmatch.ts';
import { compilePattern, isFamilyName, matchPattern, type KeyPattern } from './key-pattern.ts';
import type { KeyDecl, ValueType } from './key-spec.ts';
import { UNPLANNED_KEYS, type Unplanned } from './unplanned-keys.ts';

export { AREA_TITLES, describeType, type Area, type BoolReading, type KeyDefault, type ValueType } from './key-spec.ts';

/** What LTSP 5 did with the key, and what ltsp-agent does with it. */
export type Disposition =
  /** Read by these planners: the owner (whose declaration this is) first. */
  | { readonly status: 'read'; readonly readers: readonly StepName[] }
  | Unplanned;

export type KeySpec = KeyDecl & { readonly name: string; readonly disposition: Disposition };

interface Registry {
  readonly all: readonly KeySpec[];
  readonly exact: ReadonlyMap<string, KeySpec>;
  /** Families, mixer families (<CONTROL>_VOLUME) last: their shape would swallow others. */
  readonly families: ReadonlyArray<{ readonly spec: KeySpec; readonly pattern: KeyPattern }>;
}

let built: Registry | undefined;

function sameType(a: ValueType, b: ValueType): boolean {
  return JSON.stringify(a, (_k, v: unknown) => (v instanceof RegExp ? v.source : v)) === JSON.stringify(b, (_k, v: unknown) => (v instanceof RegExp ? v.source : v));
}

function build(): Registry {
  const owners = new Map<string, { decl: KeyDecl; readers: StepName[] }>();
  for (const planner of Object.values(PLANNERS)) {
    for (const { name, decl } of planner.keys.own) {
      if (owners.has(name)) throw new Error(`key registry: ${name} is declared by ${owners.get(name)!.readers[0]} and by ${planner.step}; one declares it, the other lists it as also read`);
      owners.set(name, { decl, readers: [planner.step] });
    }
  }
  for (const planner of Object.values(PLANNERS)) {
    for (const { name, type } of planner.keys.also) {
      const owner = owners.get(name);
      if (!owner) throw new Error(`key registry: ${planner.step} reads ${name}, which no planner declares`);
      if (!sameType(owner.decl.type, type)) throw new Error(`key registry: ${planner.step} reads ${name} as ${JSON.stringify(type)}, but ${owner.readers[0]} declares ${JSON.stringify(owner.decl.type)}`);
      owner.readers.push(planner.step);
    }
  }
  const all: KeySpec[] = [...owners].map(([name, o]) => ({ ...o.decl, name, disposition: { status: 'read', readers: o.readers } }));
  for (const [name, [decl, disposition]] of Object.entries(UNPLANNED_KEYS)) {
    if (owners.has(name)) throw new Error(`key registry: ${name} is read by ${owners.get(name)!.readers[0]}; remove it from unplanned-keys.ts`);
    all.push({ ...decl, name, disposition });
  }
  const exact = new Map<string, KeySpec>();
  const families: Array<{ spec: KeySpec; pattern: KeyPattern }> = [];
  for (const spec of all) {
    if (isFamilyName(spec.name)) families.push({ spec, pattern: compilePattern(spec.name) });
    else exact.set(spec.name, spec);
  }
  families.sort((a, b) => Number(a.spec.name.startsWith('<')) - Number(b.spec.name.startsWith('<')));
  return { all, exact, families };
}

function registry(): Registry {
  built ??= build();
  return built;
}

/** Every key, planners' declarations first. */
export function allKeys(): readonly KeySpec[] {
  return registry().all;
}

export function isFamily(spec: KeySpec): boolean {
  return isFamilyName(spec.name);
}

export interface KeyMatch {
  readonly spec: KeySpec;
  /** The key as looked up, upper-cased. */
  readonly name: string;
  /** For SCREEN_<nn>_<KEY>: what <KEY> is. */
  readonly inner?: KeyMatch;
}

/** A family whose shape a name has, but with an index outside the range LTSP 5 read. */
export interface IndexOutOfRange {
  readonly spec: KeySpec;
  readonly index: string;
}

function lookup(rawName: string, depth: number): KeyMatch | undefined {
  const name = asciiUpper(rawName);
  const r = registry();
  const exact = r.exact.get(name);
  if (exact) return { spec: exact, name };
  for (const { spec, pattern } of r.families) {
    const m = matchPattern(pattern, name);
    if (!m?.ok) continue;
    if (m.inner === undefined) return { spec, name };
    // One level only: a per-screen override of a per-screen override means nothing.
    const inner = depth === 0 ? lookup(m.inner, 1) : undefined;
    if (inner) return { spec, name, inner };
  }
  return undefined;
}

/** The registry entry for a key, with families resolved (SCREEN_07_XKBLAYOUT -> its inner key too). */
export function matchKey(name: string): KeyMatch | undefined {
  return lookup(name, 0);
}

/** The registry entry for a key name (exact names first, then family patterns). */
export function findKey(name: string): KeySpec | undefined {
  return lookup(name, 0)?.spec;
}

/** PRINTER_3_DEVICE, SCREEN_13, SCREEN_7: the shape of a family, an index LTSP 5 never read. */
export function indexOutOfRange(name: string): IndexOutOfRange | undefined {
  const upper = asciiUpper(name);
  if (lookup(upper, 0)) return undefined;
  for (const { spec, pattern } of registry().families) {
    const m = matchPattern(pattern, upper);
    if (m && !m.ok) return { spec, index: m.badIndex };
  }
  return undefined;
}

/** Whether a key's value is a secret: declared so, or a screen's override of such a key. */
export function isSecretKey(name: string): boolean {
  const m = lookup(name, 0);
  return (m?.inner?.spec ?? m?.spec)?.secret === true;
}

/** SCREEN_<nn>_<rest> split, whether or not <rest> is a known key. */
export function splitScreenOverride(name: string): { screen: string; key: string } | undefined {
  const m = /^SCREEN_(0[1-9]|1[0-2])_(.+)$/s.exec(asciiUpper(name));
  return m ? { screen: m[1]!, key: m[2]! } : undefined;
}

/** Every exact key name, in registry order. */
export function exactKeyNames(): readonly string[] {
  return [...registry().exact.keys()];
}

/** The literal text around each family's placeholders, for did-you-mean on family keys. */
export function familyShapes(): ReadonlyArray<{ readonly spec: KeySpec; readonly head: string; readonly tail: string }> {
  return registry().families.map(({ spec, pattern }) => ({ spec, head: pattern.head, tail: pattern.tail }));
}

/**
 * Old names LTSP 5 copied over unchanged (ltsp_config.d/05ltsp-4-compat): copy `from` to `to`
 * when `to` is unset; the new name wins. Combined mappings (the LDM timeout pair) are not here.
 */
export function renamedKeys(): ReadonlyArray<{ readonly from: string; readonly to: string }> {
  return allKeys().flatMap((k) => (k.disposition.status === 'renamed' && k.disposition.how === undefined ? [{ from: k.name, to: k.disposition.use }] : []));
}
