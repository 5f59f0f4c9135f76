// Contexts for planner tests: a config as lts.conf would give it (with file:line origins, so
// refusals can be checked for naming the place) and a client's facts.

import { Config, type ConfigValue } from '../../agent/config/config.ts';
import type { ClientFacts, ProbedPath } from '../../agent/facts/types.ts';
import type { Action, StepPlan } from '../../agent/plan/actions.ts';
import type { PlannerInput } from '../../agent/steps/context.ts';

export const CONF_FILE = '/srv/tftp/ltsp/i386/lts.conf';

/** Keys get lines 2, 3, 4... in the order given. */
export function confOf(rec: Record<string, string>): Config {
  return new Config(
    Object.entries(rec).map(([k, v], i): [string, ConfigValue] => [
      k.toUpperCase(),
      { value: v, origin: { kind: 'lts.conf', section: 'default', decl: { key: k, value: v, line: i + 2, file: CONF_FILE } } },
    ]),
  );
}

export function factsOf(present: ProbedPath[] = [], extra: Partial<ClientFacts> = {}): ClientFacts {
  return {
    mac: { value: '00:1e:68:c2:ff:ee', source: 'flag' },
    ip: { value: '192.168.67.20', source: 'flag' },
    prefixLength: 24,
    device: { value: 'eth0', source: 'flag' },
    server: { value: '192.168.67.1', source: 'flag' },
    dns: ['192.168.67.1'],
    dnsDomain: 'school.lan',
    arch: 'x86_64',
    ramMiB: 2048,
    root: { kind: 'local' },
    cmdlineKeys: {},
    ltspBoot: true,
    present: new Set(present),
    ...extra,
  };
}

export function ctxOf(rec: Record<string, string>, present: ProbedPath[] = [], facts: Partial<ClientFacts> = {}, over: Partial<PlannerInput> = {}): PlannerInput {
  return { config: confOf(rec), facts: factsOf(present, facts), server: '192.168.67.1', hostname: 'ltsp20', ...over };
}

export function fileContent(plan: StepPlan, path: string): string | undefined {
  const a = plan.actions.find((x): x is Extract<Action, { kind: 'write-file' }> => x.kind === 'write-file' && x.path === path);
  return a?.content;
}

export function runs(plan: StepPlan): string[][] {
  return plan.actions.filter((a): a is Extract<Action, { kind: 'run' }> => a.kind === 'run').map((a) => a.argv.map((x) => (typeof x === 'string' ? x : `<${x.path}>`)));
}

/** The refusal for `key`: asserts it names the key and its line. */
export function refusalOf(plan: StepPlan, key: string): string {
  const p = plan.problems.find((x) => x.where.key === key);
  if (!p) throw new Error(`no problem for ${key}; problems: ${JSON.stringify(plan.problems)}`);
  if (p.where.file !== CONF_FILE || typeof p.where.line !== 'number') throw new Error(`problem for ${key} has no file:line: ${JSON.stringify(p.where)}`);
  return p.message;
}

/** Every string in the plan (files, argv, env): hostile text must appear in none. */
export function allText(plan: StepPlan): string {
  return JSON.stringify(plan.actions);
}
