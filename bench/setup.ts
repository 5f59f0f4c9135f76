// The setup phase with every step against the lab's real programs (nbd-server, rsyslog in the
// server namespace; nbdfuse, losetup, mkswap, swapon, PulseAudio, pactl, modprobe... in the
// client namespace): applied concurrently as the agent does, against the same plan applied one
// step at a time. Target: concurrent at most 0.5x of serial.
//
//   node --import tsx bench/setup.ts [--runs N]

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labUnavailable, withLab, type Lab } from '../test/lab/lab.ts';
import { labFacts, startSwapExport, startSyslogReceiver } from '../test/integration/steps-lab.ts';
import { bundleLikeAgent } from './lib/bundle.ts';
import { fmtMs, fmtRatio, machineLine, median, table, writeSection, REPO, intOption } from './lib/report.ts';

const runs = intOption('--runs', 5);
const why = labUnavailable();
if (why) {
  console.error(`bench/setup: ${why}`);
  process.exit(1);
}

function config(lab: Lab): Record<string, string> {
  return {
    SERVER: lab.serverIp,
    NBD_SWAP: 'True',
    ENCRYPT_SWAP: 'False',
    SOUND: 'True',
    VOLUME: '70',
    SYSLOG_HOST: lab.serverIp,
    XSERVER: 'dummy',
    X_MODE_0: '1280x1024',
    XKBLAYOUT: 'de',
    TIMEZONE: 'Europe/Berlin',
    SEARCH_DOMAIN: 'lab.lan',
    DNS_SERVER: lab.serverIp,
    SHUTDOWN_TIME: '22:30',
    CRONTAB_01: '0 12 * * * root /usr/bin/logger noon',
    MODULE_01: 'snd-dummy',
    RCFILE_01: '/usr/local/bin/banner',
    INIT_COMMAND_01: `/usr/bin/nbdinfo --list nbd://${lab.serverIp}`,
    FSTAB_01: `${lab.serverIp}:/srv/share /mnt/share nfs ro 0 0`,
  };
}

const PRESENT = ['/usr/bin/pulseaudio', '/usr/bin/pactl', '/usr/bin/nbdfuse', '/etc/rsyslog.d', '/usr/sbin/rsyslogd', '/usr/bin/setxkbmap', '/usr/bin/Xorg', '/usr/share/zoneinfo', '/sbin/modprobe', '/etc/network/interfaces'];

type Run = { ms: number; cpuMs: number; needs: Record<string, string[]>; steps: Array<{ step: string; outcome: string; ms: number; reason?: string }> };

/** The longest chain of `needs`, with each step's own time: no concurrency can beat it. */
function criticalPath(needs: Record<string, string[]>, ms: (step: string) => number): { ms: number; chain: string[] } {
  const memo = new Map<string, { ms: number; chain: string[] }>();
  const walk = (s: string): { ms: number; chain: string[] } => {
    const known = memo.get(s);
    if (known) return known;
    const before = (needs[s] ?? []).filter((n) => n in needs).map(walk).sort((a, b) => b.ms - a.ms)[0] ?? { ms: 0, chain: [] };
    const r = { ms: before.ms + ms(s), chain: [...before.chain, s] };
    memo.set(s, r);
    return r;
  };
  return Object.keys(needs).map(walk).sort((a, b) => b.ms - a.ms)[0]!;
}

function once(lab: Lab, driver: string, mode: 'concurrent' | 'serial'): Run {
  const root = join(lab.dir, `root-${mode}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root);
  const input = {
    root,
    mode,
    config: config(lab),
    server: lab.serverIp,
    hostname: 'ltsp2',
    facts: labFacts(lab, PRESENT, { ramMiB: 256 }),
  };
  const out = execFileSync('nsenter', [`--net=/run/netns/${lab.cli}`, 'unshare', '--uts', process.execPath, driver, JSON.stringify(input)], { timeout: 120_000 }).toString();
  return JSON.parse(out.trim().split('\n').at(-1)!) as Run;
}

await withLab(async (lab) => {
  const hadRunPulse = existsSync('/run/pulse');
  try {
    await startSwapExport(lab, 32 * 1024 * 1024);
    await startSyslogReceiver(lab);
    // Bundled like the agent: under tsx the process is twice the agent's size, and forks cost more.
    const driver = await bundleLikeAgent(join(REPO, 'bench', 'setup-driver.ts'), join(lab.dir, 'setup-driver.cjs'));
    once(lab, driver, 'concurrent'); // warm caches (programs, page cache)
    const serial: Run[] = [];
    const concurrent: Run[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first so drift hits both alike.
      if (i % 2 === 0) {
        serial.push(once(lab, driver, 'serial'));
        concurrent.push(once(lab, driver, 'concurrent'));
      } else {
        concurrent.push(once(lab, driver, 'concurrent'));
        serial.push(once(lab, driver, 'serial'));
      }
    }
    const last = concurrent.at(-1)!;
    const notOk = last.steps.filter((s) => s.outcome !== 'ok' && s.outcome !== 'skipped');
    const s = median(serial.map((r) => r.ms));
    const c = median(concurrent.map((r) => r.ms));
    const ratio = c / s;
    const serialStepMs = (step: string) => median(serial.map((r) => r.steps.find((y) => y.step === step)?.ms ?? 0));
    const path = criticalPath(last.needs, serialStepMs);
    const stepRows = last.steps
      .filter((x) => x.outcome !== 'skipped')
      .sort((a, b) => b.ms - a.ms)
      .map((x) => [x.step, x.outcome, fmtMs(median(concurrent.map((r) => r.steps.find((y) => y.step === x.step)?.ms ?? 0)))]);
    const body = [
      machineLine(),
      '',
      `Every setup step against the lab's real programs (nbd-server and rsyslog in the server namespace; nbdfuse + losetup + mkswap + swapon, PulseAudio + pactl, modprobe, nbdinfo and file writes in the client namespace), applied under \`--root\` with programs run. The same plan applied one step at a time is the comparison. Median of ${runs} runs each, alternating order; each run undoes its swap, NBD attachment and PulseAudio afterwards (not timed).`,
      '',
      table(['apply', 'median wall', 'median CPU (agent + programs)', 'runs (wall ms)'], [
        ['one step at a time', fmtMs(s), fmtMs(median(serial.map((r) => r.cpuMs))), serial.map((r) => r.ms.toFixed(0)).join(', ')],
        ['concurrent (by `needs`)', fmtMs(c), fmtMs(median(concurrent.map((r) => r.cpuMs))), concurrent.map((r) => r.ms.toFixed(0)).join(', ')],
      ]),
      '',
      `**Concurrent / serial: ${fmtRatio(ratio)}** (target at most 0.50x: ${ratio <= 0.5 ? 'met' : 'NOT met'}).`,
      '',
      `Bounds: the longest chain of \`needs\` is ${path.chain.join(' → ')}, ${fmtMs(path.ms)} with each step timed alone (serial runs): ${fmtRatio(path.ms / s)} of the serial time, the best any scheduler could do with these steps on an idle machine. CPU time (the agent and the programs it waited for; daemons left running are not counted) is a fraction of the wall time: the rest is waiting on the disk (files written atomically, by rename), on program start-up (each fork blocks the agent's event loop for a moment) and on daemons becoming ready, waits that overlap only partly when all steps share one disk and 2 cores. On a real client the long waits are on the network (ntpdate, nbd-client, the server's answers), which overlap fully.`,
      '',
      'Per step, concurrent runs (median):',
      '',
      table(['step', 'outcome', 'ms'], stepRows),
      ...(notOk.length ? ['', `Steps not ok in the last run: ${notOk.map((x) => `${x.step} (${x.reason})`).join('; ')}.`] : []),
    ].join('\n');
    writeSection('setup', 'Setup phase: concurrent steps vs one at a time (bench/setup.ts)', body);
    console.log(body);
  } finally {
    if (!hadRunPulse) rmSync('/run/pulse', { recursive: true, force: true });
  }
});
