// facts + lts.conf -> Plan. Pure: the same inputs always give the same plan, which is
// what --dry-run prints and what `boot` applies.

import { Config, type ConfigValue } from '../config/config.ts';
import { scopeReader, UndeclaredKeyError, type ReadRecorder } from '../config/declare.ts';
import { keyUse, ReadLog } from '../config/key-use.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { resolveLtsConf, type Resolution } from '../config/ltsconf-resolve.ts';
import { errorMessage, isLtspError, type Problem } from '../core/errors.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { StepPlan } from '../plan/actions.ts';
import type { LtsConfSource, Plan } from '../plan/plan.ts';
import type { PlannerInput, StepPlanner } from '../steps/context.ts';
import { bootPlanners } from '../steps/index.ts';
import { FALLBACK_SERVER } from '../facts/gather.ts';
import { effectiveHostname, HOSTNAME_KEYS } from '../steps/hostname.ts';
import { LTSCONF_KEYS } from '../steps/lts-conf.ts';
import { applyRenames, configChecks } from './checks.ts';


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
 * only matched a name the kernel already had; this is a deliberate improvement. Kernel command
 * line ltsp.KEY= values sit under lts.conf values. SERVER and the host name are read through
 * the lts-conf and hostname steps' declarations, like any planner's keys.
 */
export function resolveClient(conf: ParsedConf | undefined, facts: ClientFacts, record?: ReadRecorder): ResolvedClient {
  const cmdline: Array<[string, ConfigValue]> = Object.entries(facts.cmdlineKeys).map(([k, v]) => [k, { value: v, origin: { kind: 'cmdline' } }]);
  const build = (r: Resolution | undefined) =>
    applyRenames(new Config([
      ...cmdline,
      ...(r?.values ?? []).map((v): [string, ConfigValue] => [v.key, { value: v.value, origin: { kind: 'lts.conf', decl: v.from, section: v.section.name } }]),
    ]));
  const nameOf = (c: Config) => effectiveHostname(scopeReader(c, HOSTNAME_KEYS, record), facts);
  const identity = { hostname: facts.kernelHostname?.value ?? '', ip: facts.ip?.value ?? '', mac: facts.mac?.value ?? '' };
  let resolution = conf ? resolveLtsConf(conf, identity) : undefined;
  let config = build(resolution);
  const hostname = nameOf(config);
  if (conf && hostname !== identity.hostname) {
    resolution = resolveLtsConf(conf, { ...identity, hostname });
    config = build(resolution);
  }
  const server = scopeReader(config, LTSCONF_KEYS, record).nonEmpty('SERVER') ?? facts.server?.value ?? FALLBACK_SERVER;
  const problems = [...(facts.problems ?? []), ...(conf?.problems ?? []), ...(resolution?.problems ?? []), ...configChecks(config)];
  return { config, resolution, hostname: nameOf(config), server, problems };
}

/** Runs one planner; a planner that throws becomes a step that fails with that reason. */
function planStep(planner: StepPlanner, input: PlannerInput): StepPlan {
  try {
    return planner(input);
  } catch (e) {
    // A planner reading a key it did not declare is our bug: it must not pass unnoticed.
    if (e instanceof UndeclaredKeyError) throw e;
    const problem: Problem = isLtspError(e)
      ? { code: e.code, message: e.message, where: e.where, hint: e.hint }
      : { code: 'LTSP_VALUE_INVALID', message: errorMessage(e), where: {} };
    return { step: planner.step, needs: [], actions: [], problems: [problem], invalid: errorMessage(e) };
  }
}

export function makePlan(input: { facts: ClientFacts; conf: ParsedConf | undefined; source: LtsConfSource; planners?: readonly StepPlanner[] }): {
  plan: Plan;
  client: ResolvedClient;
} {
  const reads = new ReadLog();
  const client = resolveClient(input.conf, input.facts, reads.record);
  const ctx: PlannerInput = { config: client.config, facts: input.facts, server: client.server, hostname: client.hostname, record: reads.record };
  const steps = (input.planners ?? bootPlanners()).map((p) => planStep(p, ctx));
  const sections = (client.resolution?.chain ?? []).map((c) => c.section.name);
  const use = keyUse(client.config, reads, steps, [...client.problems, ...steps.flatMap((s) => s.problems)]);
  return {
    plan: {
      facts: input.facts,
      ltsconf: input.source,
      hostname: client.hostname,
      server: client.server,
      sections: [...new Set(sections)],
      steps,
      keys: use.keys,
      problems: [...client.problems, ...use.problems],
    },
    client,
  };
}
