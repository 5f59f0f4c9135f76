// What every step planner gets: the client's configuration and facts, plus the few values
// computed once for all steps. Planners are pure: (context) -> StepPlan, no I/O.
//
// A planner is made with definePlanner(KEYS, plan): it is called with the whole resolved
// configuration and hands its `plan` a KeyReader scoped to exactly the keys it declared.

import type { Config } from '../config/config.ts';
import { scopeReader, type KeyReader, type KeySet, type ReadRecorder } from '../config/declare.ts';
import type { ClientFacts, ProbedPath } from '../facts/types.ts';
import type { StepName, StepPlan } from '../plan/actions.ts';

interface Common {
  readonly facts: ClientFacts;
  /** The effective LTSP server: lts.conf SERVER, else the boot server (04-server), else 192.168.67.1. */
  readonly server: string;
  /** The client's hostname as the hostname step sets it (lts.conf HOSTNAME, DHCP, or generated). */
  readonly hostname: string;
}

/** What the boot hands every planner. */
export interface PlannerInput extends Common {
  readonly config: Config;
  /** Told of every key a planner reads (the boot uses it to report keys no planner used). */
  readonly record?: ReadRecorder;
}

/** What a planner's own code sees: only the keys it declared. */
export interface StepContext<K extends string = string> extends Common {
  readonly config: KeyReader<K>;
}

export interface StepPlanner<S extends StepName = StepName> {
  (input: PlannerInput): StepPlan;
  readonly step: S;
  readonly keys: KeySet<string, S>;
}

export function definePlanner<K extends string, S extends StepName>(keys: KeySet<K, S>, plan: (ctx: StepContext<K>) => StepPlan): StepPlanner<S> {
  const run = (input: PlannerInput): StepPlan =>
    plan({ facts: input.facts, server: input.server, hostname: input.hostname, config: scopeReader(input.config, keys, input.record) });
  return Object.assign(run, { step: keys.reader, keys });
}

/** Whether a client file or program exists (probed once into facts.present). */
export function present(ctx: Common, path: ProbedPath): boolean {
  return ctx.facts.present.has(path);
}
