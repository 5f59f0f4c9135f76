// Runs some of the agent's boot steps inside a lab namespace, as the boot would: plan them from
// a config and facts given as JSON, apply them with the one Executor under --root (programs run
// for real), and print the plans and results as JSON on stdout.
//
//   nsenter --net=/run/netns/CLI node --import tsx apply-steps.ts '<json input>'
//
// input: { root, config: {KEY: value}, facts: {...ClientFacts, present: string[]}, server,
//          hostname, steps: StepName[], syslog?: string[] (also send the agent's log there) }

import { Config } from '../../../agent/config/config.ts';
import { createLogger } from '../../../agent/core/log.ts';
import { Executor } from '../../../agent/exec/executor.ts';
import type { ClientFacts } from '../../../agent/facts/types.ts';
import { syslogDestination } from '../../../agent/net/syslog.ts';
import type { StepName } from '../../../agent/plan/actions.ts';
import type { PlannerInput } from '../../../agent/steps/context.ts';
import { stepPlanners } from '../../../agent/steps/index.ts';

export interface DriverInput {
  root: string;
  config: Record<string, string>;
  facts: Omit<ClientFacts, 'present'> & { present: string[] };
  server: string;
  hostname: string;
  steps: StepName[];
  syslog?: string[];
}

const input = JSON.parse(process.argv[2]!) as DriverInput;
const facts: ClientFacts = { ...input.facts, present: new Set(input.facts.present) };
const ctx: PlannerInput = { config: Config.fromRecord(input.config), facts, server: input.server, hostname: input.hostname };
const forward = input.syslog ? syslogDestination(input.syslog, { hostname: input.hostname }) : undefined;
const log = createLogger({ destination: process.stderr, human: false, level: 'info', ...(forward ? { extra: forward } : {}) });
const plans = stepPlanners().map((p) => p(ctx)).filter((p) => input.steps.includes(p.step));
const exec = new Executor({ root: input.root, runCommands: true, log });
const results = await exec.apply(plans);
log.info({ steps: input.steps }, 'lab driver done');
await new Promise((r) => setTimeout(r, 100)); // let the syslog datagrams leave
// Daemons stay running (as after a boot); the test stops them by PID.
const daemons = exec.daemons.map((d) => ({ name: d.name, pid: d.pid }));
process.stdout.write(JSON.stringify({ plans, results, daemons }) + '\n');
process.exit(0);
