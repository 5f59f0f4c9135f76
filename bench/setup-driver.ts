// One run of the whole setup phase inside the lab's client namespace (bench/setup.ts starts
// it under `nsenter --net` + `unshare --uts`, so `hostname` changes only a private UTS
// namespace). Plans every step from the given config and facts, applies them either as the
// agent does (concurrently, by `needs`) or one at a time, times the apply, then undoes what
// stays behind (swap, the NBD attachment, PulseAudio) and prints the timing as JSON.
// bench/setup.ts runs it bundled the way build.mjs bundles the agent, so the process forking
// the programs is the size of the real agent (a fork's cost grows with the parent's memory).

import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Config } from '../agent/config/config.ts';
import { Executor } from '../agent/exec/executor.ts';
import { detachNbd } from '../agent/exec/nbd.ts';
import type { ClientFacts } from '../agent/facts/types.ts';
import type { StepPlan } from '../agent/plan/actions.ts';
import { topoOrder } from '../agent/plan/plan.ts';
import { stepPlanners } from '../agent/steps/index.ts';
import { NBD_SWAP_LINK } from '../agent/steps/swap.ts';

interface Input {
  root: string;
  mode: 'concurrent' | 'serial';
  config: Record<string, string>;
  facts: Omit<ClientFacts, 'present'> & { present: string[] };
  server: string;
  hostname: string;
}

const input = JSON.parse(process.argv[2]!) as Input;
const ctx = { config: Config.fromRecord(input.config), facts: { ...input.facts, present: new Set(input.facts.present) }, server: input.server, hostname: input.hostname };
let plans: StepPlan[] = stepPlanners().map((p) => p(ctx));
const needs = Object.fromEntries(plans.map((p) => [p.step, p.needs]));
if (input.mode === 'serial') {
  // One at a time, in an order that respects every step's needs.
  plans = topoOrder(plans).map((p, i, all) => ({ ...p, needs: i === 0 ? [] : [all[i - 1]!.step] }));
}
/** CPU ms of finished child processes (utime + stime of waited-for children, /proc/self/stat). */
function childCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // cutime, cstime in USER_HZ (100)
}

async function main(): Promise<void> {
  const exec = new Executor({ root: input.root, runCommands: true });
  const cpu0 = process.cpuUsage();
  const child0 = childCpuMs();
  const t0 = performance.now();
  const results = await exec.apply(plans);
  const ms = performance.now() - t0;
  const own = process.cpuUsage(cpu0);
  const cpuMs = (own.user + own.system) / 1000 + (childCpuMs() - child0);

  // Undo what outlives the run.
  try {
    const device = readFileSync('/proc/swaps', 'utf8').includes('/dev/') ? execFileSync('readlink', [`${input.root}${NBD_SWAP_LINK}`]).toString().trim() : '';
    if (device) execFileSync('swapoff', [device]);
  } catch {
    /* no swap was made */
  }
  await detachNbd(NBD_SWAP_LINK, exec.fs);
  await exec.stopDaemons();
  process.stdout.write(JSON.stringify({ ms, cpuMs, needs, steps: results.map((r) => ({ step: r.step, outcome: r.outcome, ms: r.ms, reason: r.reason })) }) + '\n');
  process.exit(0);
}

void main();
