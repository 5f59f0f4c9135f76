// Shared by the step integration tests: facts for the lab client, and running steps in the
// client namespace through drivers/apply-steps.ts. `nsenter --net` (not `ip netns exec`) keeps
// the test's mount namespace, so mounts the step makes (nbdfuse) are visible to the test and
// cleaned up by it.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from '../lab/lab.ts';
import { labInterfaces } from '../lab/lab.ts';
import type { StepResult } from '../../agent/exec/executor.ts';
import type { StepName, StepPlan } from '../../agent/plan/actions.ts';
import type { DriverInput } from './drivers/apply-steps.ts';

const DRIVER = join(fileURLToPath(new URL('.', import.meta.url)), 'drivers', 'apply-steps.ts');

export function labFacts(lab: Lab, present: string[], extra: Partial<DriverInput['facts']> = {}): DriverInput['facts'] {
  return {
    mac: { value: '52:54:00:12:34:56', source: 'flag' },
    ip: { value: lab.clientIp, source: 'flag' },
    prefixLength: 24,
    device: { value: labInterfaces(lab).cli, source: 'flag' },
    server: { value: lab.serverIp, source: 'flag' },
    dns: [],
    arch: 'x86_64',
    ramMiB: 128,
    root: { kind: 'local' },
    cmdlineKeys: {},
    ltspBoot: true,
    present,
    ...extra,
  };
}

export function runSteps(
  lab: Lab,
  input: Omit<DriverInput, 'server' | 'hostname'> & Partial<Pick<DriverInput, 'server' | 'hostname'>>,
): { plans: StepPlan[]; results: StepResult[]; daemons: Array<{ name: string; pid: number }>; byStep: (s: StepName) => StepResult } {
  const full: DriverInput = { server: lab.serverIp, hostname: 'ltsp2', ...input };
  const out = execFileSync('nsenter', [`--net=/run/netns/${lab.cli}`, process.execPath, '--import', 'tsx', DRIVER, JSON.stringify(full)], {
    timeout: 60_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).toString();
  const parsed = JSON.parse(out.trim().split('\n').at(-1)!) as { plans: StepPlan[]; results: StepResult[]; daemons: Array<{ name: string; pid: number }> };
  // Daemons the steps started are the lab's to stop, by PID, also when the test fails.
  for (const d of parsed.daemons) lab.adoptPid(d.pid);
  return { ...parsed, byStep: (s) => parsed.results.find((r) => r.step === s)! };
}
