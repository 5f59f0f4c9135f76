// No silent key: every key of a client's resolved configuration (lts.conf and ltsp.KEY= on the
// kernel command line) is either used by a planner of this plan, or reported. The planners'
// scoped readers record every read (declare.ts); this module turns those records into the
// plan's key table and adds a problem for every key nothing used and nothing else reported:
// key-check.ts already reports unknown, unsupported, not-yet, renamed and ignored keys; what is
// left is a declared key that this client's plan did not need (NBD_SWAP_HOST on a client that
// gets no swap), reported as a note that says why.

import type { Problem } from '../core/errors.ts';
import type { StepName, StepPlan } from '../plan/actions.ts';
import type { Config } from './config.ts';
import type { Reader } from './declare.ts';
import { compilePattern, isFamilyName, matchPattern, type KeyPattern } from './key-pattern.ts';
import { findKey } from './keys.ts';

/** Which planners read which declared names during one plan. */
export class ReadLog {
  readonly #reads = new Map<string, Set<Reader>>();

  #compiled: ReadonlyArray<{ pattern: KeyPattern; readers: ReadonlySet<Reader> }> | undefined;

  readonly record = (reader: Reader, declared: string): void => {
    this.#compiled = undefined;
    let s = this.#reads.get(declared);
    if (!s) this.#reads.set(declared, (s = new Set()));
    s.add(reader);
  };

  /** The readers of a concrete key: through its own name or a family it belongs to. */
  readersOf(key: string): StepName[] {
    const out = new Set<StepName>(this.#reads.get(key) ?? []);
    for (const { pattern, readers } of this.#families()) if (matchPattern(pattern, key)?.ok) for (const r of readers) out.add(r);
    return [...out];
  }

  /** The family reads, compiled once for all the keys of a plan. */
  #families(): ReadonlyArray<{ pattern: KeyPattern; readers: ReadonlySet<Reader> }> {
    this.#compiled ??= [...this.#reads].filter(([name]) => isFamilyName(name)).map(([name, readers]) => ({ pattern: compilePattern(name), readers }));
    return this.#compiled;
  }
}

export interface KeyUse {
  readonly key: string;
  /** Planners that read it for this client; empty: reported in `problems` instead. */
  readonly usedBy: readonly StepName[];
}

/** The keys the admin set (lts.conf, kernel command line), in their order. */
function setKeys(config: Config): string[] {
  return config
    .entries()
    .filter(([, v]) => v.origin.kind === 'lts.conf' || v.origin.kind === 'cmdline')
    .map(([k]) => k);
}

/**
 * The key table of a plan, and a problem for each key that no planner used and no other
 * problem names. `reported` are the problems found so far (key checks, planners').
 */
export function keyUse(config: Config, reads: ReadLog, steps: readonly StepPlan[], reported: readonly Problem[]): { keys: KeyUse[]; problems: Problem[] } {
  const named = new Set(reported.map((p) => p.where.key).filter((k): k is string => k !== undefined));
  const byStep = new Map(steps.map((s) => [s.step, s]));
  const keys: KeyUse[] = [];
  const problems: Problem[] = [];
  for (const key of setKeys(config)) {
    const usedBy = reads.readersOf(key);
    keys.push({ key, usedBy });
    if (usedBy.length > 0 || named.has(key)) continue;
    const spec = findKey(key);
    // An unknown key is always reported by the key checks, one by one or counted (key-check.ts).
    if (spec === undefined) continue;
    const d = spec.disposition;
    const readers = d?.status === 'read' ? d.readers : [];
    const why = readers
      .map((r) => byStep.get(r))
      .filter((s): s is StepPlan => s !== undefined)
      .map((s) => (s.skipped !== undefined ? `step ${s.step} has nothing to do (${s.skipped})` : s.invalid !== undefined ? `step ${s.step} was refused` : `step ${s.step} does not need it here`));
    problems.push({
      code: 'LTSP_KEY_UNUSED',
      severity: 'info',
      message: readers.length > 0 ? `has no effect for this client: ${why.join('; ') || `${readers.join(', ')} did not run`}` : 'nothing reads this key',
      where: config.where(key),
      hint: readers.length > 0 ? 'nothing to do if that is what you meant' : 'remove it',
    });
  }
  return { keys, problems };
}
