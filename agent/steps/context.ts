// What every step planner gets: the client's configuration and facts, plus the few values
// computed once for all steps. Planners are pure: (context) -> StepPlan, no I/O.

import type { Config } from '../config/config.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { StepPlan } from '../plan/actions.ts';

export interface StepContext {
  readonly config: Config;
  readonly facts: ClientFacts;
  /** The effective LTSP server: lts.conf SERVER, else the boot server (04-server), else 192.168.67.1. */
  readonly server: string;
  /** The client's hostname as the hostname step sets it (lts.conf HOSTNAME, DHCP, or generated). */
  readonly hostname: string;
}

export type StepPlanner = (ctx: StepContext) => StepPlan;

/** Whether a client file or program exists (probed once into facts.present). */
export function present(ctx: StepContext, path: import('../facts/types.ts').ProbedPath): boolean {
  return ctx.facts.present.has(path);
}
