// A whole boot plan: the facts it was made from, where lts.conf came from, and one
// StepPlan per step. Built by agent/boot/make-plan.ts; printed by render.ts; applied by
// agent/exec/executor.ts.

import type { Problem } from '../core/errors.ts';
import type { KeyUse } from '../config/key-use.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { StepName, StepPlan } from './actions.ts';

export interface LtsConfSource {
  /** Which copy was used. */
  readonly used: 'tftp' | 'cache' | 'local' | 'file' | 'none';
  /** Where it was read from (tftp URL or path). */
  readonly location?: string;
  /** Why this copy (e.g. "TFTP timed out after 3 s; using the copy cached at boot on ..."). */
  readonly why: string;
}

export interface Plan {
  readonly facts: ClientFacts;
  readonly ltsconf: LtsConfSource;
  /** The hostname the client gets (lts.conf HOSTNAME, DHCP, or generated as 09-hostname did). */
  readonly hostname: string;
  /** The effective LTSP server (lts.conf SERVER, else the boot server). */
  readonly server: string;
  /** Sections that applied, highest precedence first, e.g. ["00:11:22:33:44:55", "default"]. */
  readonly sections: readonly string[];
  readonly steps: readonly StepPlan[];
  /** Every key the admin set, with the planners that used it (none: a problem reports it). */
  readonly keys: readonly KeyUse[];
  /** Problems found while reading lts.conf and the keys (not tied to a step). */
  readonly problems: readonly Problem[];
}

/** Steps in an order where every step comes after what it needs; throws on a cycle. */
export function topoOrder(steps: readonly StepPlan[]): StepPlan[] {
  const byName = new Map<StepName, StepPlan>(steps.map((s) => [s.step, s]));
  const out: StepPlan[] = [];
  const state = new Map<StepName, 'visiting' | 'done'>();
  const visit = (s: StepPlan, trail: StepName[]) => {
    const st = state.get(s.step);
    if (st === 'done') return;
    if (st === 'visiting') throw new Error(`step dependency cycle: ${[...trail, s.step].join(' -> ')}`);
    state.set(s.step, 'visiting');
    for (const n of s.needs) {
      const dep = byName.get(n);
      if (dep) visit(dep, [...trail, s.step]);
    }
    state.set(s.step, 'done');
    out.push(s);
  };
  for (const s of steps) visit(s, []);
  return out;
}
