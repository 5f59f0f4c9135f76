// facts + lts.conf -> Plan. Pure: the same inputs always give the same plan, which is
// what --dry-run prints and what `boot` applies.

import { Config, type ConfigValue } from '../config/config.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { resolveLtsConf, type Resolution } from '../config/ltsconf-resolve.ts';
import { errorMessage, isLtspError, type Problem } from '../core/errors.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { StepPlan } from '../plan/actions.ts';
import type { LtsConfSource, Plan } from '../plan/plan.ts';
import type { StepContext, StepPlanner } from '../steps/context.ts';
import { STEP_PLANNERS } from '../steps/index.ts';
import { FALLBACK_SERVER } from '../facts/gather.ts';
import { effectiveHostname } from '../steps/hostname.ts';
import { applyRenames } from './checks.ts';
import { planLtsConf } from './ltsconf-cache.ts';

/** Every planner of a boot: the boot's own lts.conf cache step, then the client steps. */
export const BOOT_PLANNERS: readonly StepPlanner[] = [planLtsConf, ...STEP_PLANNERS];

export interface ResolvedClient {
  readonly config: Config;
  readonly resolution: Resolution | undefined;
  readonly hostname: string;
  readonly server: string;
  readonly problems: readonly Problem[];
}

/**
 * Resolves lts.conf for this client: first by MAC/IP (and the kernel's hostname, as
 * getltscfg did), then, once the hostname is known, again with it so [hostname] sections
 * apply. LTSP 5 resolved lts.conf before 09-hostname set the name, so [hostname] sections
 * only matched a name the kernel already had (spec §2.3); this is a deliberate improvement. Kernel command line ltsp.KEY= values sit under lts.conf values.
 */
export function resolveClient(conf: ParsedConf | undefined, facts: ClientFacts, extraChecks?: (values: Config) => Problem[]): ResolvedClient {
  const cmdline: Array<[string, ConfigValue]> = Object.entries(facts.cmdlineKeys).map(([k, v]) => [k, { value: v, origin: { kind: 'cmdline' } }]);
  const build = (r: Resolution | undefined) =>
    applyRenames(new Config([
      ...cmdline,
      ...(r?.values ?? []).map((v): [string, ConfigValue] => [v.key, { value: v.value, origin: { kind: 'lts.conf', decl: v.from, section: v.section.name } }]),
    ]));
  const identity = { hostname: facts.kernelHostname?.value ?? '', ip: facts.ip?.value ?? '', mac: facts.mac?.value ?? '' };
  let resolution = conf ? resolveLtsConf(conf, identity) : undefined;
  let config = build(resolution);
  const hostname = effectiveHostname(config, facts);
  if (conf && hostname !== identity.hostname) {
    resolution = resolveLtsConf(conf, { ...identity, hostname });
    config = build(resolution);
  }
  const server = config.nonEmpty('SERVER') ?? facts.server?.value ?? FALLBACK_SERVER;
  const problems = [...(facts.problems ?? []), ...(conf?.problems ?? []), ...(resolution?.problems ?? []), ...(extraChecks?.(config) ?? [])];
  return { config, resolution, hostname: effectiveHostname(config, facts), server, problems };
}

/** Runs one planner; a planner that throws becomes a step that fails with that reason. */
function planStep(planner: StepPlanner, ctx: StepContext): StepPlan {
  try {
    return planner(ctx);
  } catch (e) {
    // planInitCommands -> init-commands: planners are named after their step.
    const name = planner.name.replace(/^plan/, '').replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase() as StepPlan['step'];
    const problem: Problem = isLtspError(e)
      ? { code: e.code, message: e.message, where: e.where, hint: e.hint }
      : { code: 'LTSP_VALUE_INVALID', message: errorMessage(e), where: {} };
    return { step: name, needs: [], actions: [], problems: [problem], invalid: errorMessage(e) };
  }
}

export function makePlan(input: {
  facts: ClientFacts;
  conf: ParsedConf | undefined;
  source: LtsConfSource;
  planners?: readonly StepPlanner[];
  extraChecks?: (values: Config) => Problem[];
}): { plan: Plan; client: ResolvedClient } {
  const client = resolveClient(input.conf, input.facts, input.extraChecks);
  const ctx: StepContext = { config: client.config, facts: input.facts, server: client.server, hostname: client.hostname };
  const steps = (input.planners ?? BOOT_PLANNERS).map((p) => planStep(p, ctx));
  const sections = (client.resolution?.chain ?? []).map((c) => c.section.name);
  return {
    plan: {
      facts: input.facts,
      ltsconf: input.source,
      hostname: client.hostname,
      server: client.server,
      sections: [...new Set(sections)],
      steps,
      problems: client.problems,
    },
    client,
  };
}
