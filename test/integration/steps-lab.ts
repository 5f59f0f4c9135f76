// Shared by the step integration tests: facts for the lab client, and running steps in the
// client namespace through drivers/apply-steps.ts. `nsenter --net` (not `ip netns exec`) keeps
// the test's mount namespace, so mounts the step makes (nbdfuse) are visible to the test and
// cleaned up by it.

import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labInterfaces, readPidFile, type Lab } from '../lab/lab.ts';
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

/** nbd-server in the server namespace exporting a sparse file as `swap` (as nbdswapd would). Returns the file. */
export async function startSwapExport(lab: Lab, bytes: number): Promise<string> {
  const image = join(lab.dir, 'swap.img');
  const fd = openSync(image, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  const conf = join(lab.dir, 'nbd.conf');
  writeFileSync(conf, `[generic]\n    user = root\n    group = root\n    listenaddr = ${lab.serverIp}\n    port = 10809\n    allowlist = true\n[swap]\n    exportname = ${image}\n`);
  const pidFile = join(lab.dir, 'nbd.pid');
  lab.exec(lab.srv, ['nbd-server', '-C', conf, '-p', pidFile]); // daemonizes: stopped by its PID
  lab.adoptPid(await readPidFile(pidFile));
  await lab.waitPort(lab.srv, 'tcp', 10809);
  return image;
}

/** rsyslog in the server namespace receiving UDP 514 into a file (no imuxsock: this machine's /dev/log stays alone). Returns the file. */
export async function startSyslogReceiver(lab: Lab): Promise<string> {
  const dir = join(lab.dir, 'syslog-server');
  mkdirSync(dir, { recursive: true });
  const remote = join(dir, 'remote.log');
  writeFileSync(
    join(dir, 'rsyslog.conf'),
    `global(workDirectory="${dir}")\nmodule(load="imudp")\ninput(type="imudp" address="${lab.serverIp}" port="514" ruleset="r")\nruleset(name="r") { action(type="omfile" file="${remote}") }\n`,
  );
  lab.spawn(lab.srv, ['rsyslogd', '-n', '-f', join(dir, 'rsyslog.conf'), '-i', join(dir, 'rsyslogd.pid')]);
  await lab.waitPort(lab.srv, 'udp', 514);
  return remote;
}

/** The file's text once every pattern is in it, or whatever it holds after the timeout. */
export async function waitForText(file: string, patterns: RegExp[], timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    if (patterns.every((p) => p.test(text)) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}
