// Boot benchmark: power-on of the virtual thin client (QEMU TCG, the boot proof's image and
// server side, test/boot/lab.ts) to "login session started", broken down by the serial
// console's milestones and the agent's own timeline; against the same image booted with
// `ltsp.agent=off` (init-ltsp hands straight over to systemd), so the agent's share is
// visible. Interleaved runs, medians. Writes the <!-- bench:boot --> section of
// docs/benchmarks.md and docs/boot-timeline.svg (the agent's timeline of the last boot).
//
//   node --import tsx bench/boot.ts [--runs N]        (root; N boots of each kind, default 2)

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractTimeline, renderTimelineSvg, type TimelineData } from '../agent/cli/timeline.ts';
import { agentUnavailable, BootLab, bootLabUnavailable, firstAt, proofLtsConf, type BootResult } from '../test/boot/lab.ts';
import { machineLine, median, REPO, table, writeSection, intOption } from './lib/report.ts';

const runs = intOption('--runs', 2);

/** Milestones on the serial console, in boot order: [name, pattern]. */
const MILESTONES: ReadonlyArray<readonly [string, RegExp]> = [
  ['pxelinux loaded', /^PXELINUX /],
  ['kernel started', /Linux version /],
  ['initramfs /init', /^ltsp-initramfs: started/],
  ['NBD root mounted', /^ltsp-initramfs: switching to the root/],
  ['init-ltsp', /^init-ltsp: (boot phase started|agent disabled)/],
  ['agent running (node up)', /^ltsp-agent: boot started/],
  ['lts.conf fetched', /^ltsp-agent: lts\.conf /],
  ['boot phase done', /^ltsp-agent: boot done/],
  ['systemd started', /^init-ltsp: handing over/],
  ['multi-user.target', /^LTSP-PROOF multi-user/],
  ['login: X server ready', /"msg":"X server ready"|X server ready/],
  ['login: SSH logged in', /ssh: logged in/],
  ['login session started', /"msg":"session starting"|session starting/],
  ['powered off', /reboot: Power down/],
];

interface Run {
  readonly agent: boolean;
  readonly at: Map<string, number>;
  readonly total: number;
  readonly timeline?: TimelineData;
}

function measure(agent: boolean, r: BootResult): Run {
  const at = new Map<string, number>();
  for (const [name, re] of MILESTONES) {
    const t = firstAt(r, re);
    if (t !== undefined) at.set(name, t);
  }
  const tlLine = r.lines.find((l) => l.text.startsWith('LTSP-PROOF timeline '));
  const timeline = tlLine ? extractTimeline(tlLine.text.slice('LTSP-PROOF timeline '.length)) : undefined;
  return { agent, at, total: r.seconds, ...(timeline ? { timeline } : {}) };
}

const s1 = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : `${x.toFixed(1)} s`);

function med(rs: readonly Run[], f: (r: Run) => number | undefined): number | undefined {
  const xs = rs.map(f).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : undefined;
}

const span = (r: Run, a: string, b: string) => {
  const x = r.at.get(a);
  const y = r.at.get(b);
  return x !== undefined && y !== undefined ? y - x : undefined;
};

async function main(): Promise<void> {
  const why = bootLabUnavailable() ?? agentUnavailable();
  if (why) {
    console.error(`bench/boot: skipped: ${why}`);
    return;
  }
  const lab = new BootLab({ run: join(REPO, 'bench', 'out', 'boot') });
  const results: Run[] = [];
  try {
    lab.build();
    await lab.start(proofLtsConf);
    for (let i = 0; i < runs; i++) {
      for (const agent of [true, false]) {
        const r = await lab.boot({ agent, timeoutMs: 5 * 60_000 });
        const m = measure(agent, r);
        results.push(m);
        console.error(`bench/boot: run ${i + 1} agent=${agent ? 'on' : 'off'}: ${r.seconds.toFixed(1)} s, session started ${s1(m.at.get('login session started'))}, exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}`);
      }
    }
  } finally {
    await lab.stop();
  }

  const on = results.filter((r) => r.agent);
  const off = results.filter((r) => !r.agent);
  const rows = MILESTONES.map(([name]) => [name, s1(med(on, (r) => r.at.get(name))), s1(med(off, (r) => r.at.get(name)))]);

  // Where the time goes with the agent, phase by phase (medians of each phase's length).
  const phases: Array<[string, string, string, string]> = [
    ['firmware, PXE, pxelinux, kernel + initrd over TFTP', '', 'kernel started', 'SeaBIOS, iPXE DHCP, pxelinux fetching 14 MB over QEMU\'s TFTP'],
    ['kernel and initramfs: DHCP, NBD root, overlay', 'kernel started', 'NBD root mounted', ''],
    ['init-ltsp until the agent runs (node start-up)', 'init-ltsp', 'agent running (node up)', 'Debian node 18 (libnode, 80 MB) paging itself in over NBD; the agent from the image\'s V8 code cache'],
    ['the agent\'s boot phase (lts.conf, all steps)', 'agent running (node up)', 'boot phase done', 'see the timeline below'],
    ['systemd to multi-user.target', 'systemd started', 'multi-user.target', ''],
    ['login: node start-up and X server', 'multi-user.target', 'login: X server ready', 'Xvfb (no GLX) under emulation'],
    ['login: ldminfod, SSH, session start', 'login: X server ready', 'login session started', 'pure-JS SSH crypto under emulation'],
  ];
  const phaseRows = phases.map(([label, a, b, note]) => [label, s1(med(on, (r) => (a === '' ? r.at.get(b) : span(r, a, b)))), note]);

  const agentPhase = med(on, (r) => span(r, 'init-ltsp', 'systemd started'));
  const offPhase = med(off, (r) => span(r, 'init-ltsp', 'systemd started'));
  const muOn = med(on, (r) => r.at.get('multi-user.target'));
  const muOff = med(off, (r) => r.at.get('multi-user.target'));
  const loginShare = med(on, (r) => span(r, 'multi-user.target', 'login session started'));

  // The agent's own timeline: node start-up and the slowest steps.
  const tls = on.map((r) => r.timeline).filter((t): t is TimelineData => t !== undefined);
  const nodeUp = tls.length ? median(tls.map((t) => t.marks.find((m) => m.name === 'agent-start')?.at ?? NaN)) / 1000 : undefined;
  const stepRows = tls.length
    ? tls[0]!.entries
        .map((e) => {
          const ran = tls.map((t) => t.entries.find((x) => x.step === e.step)).filter((x) => x?.startedAt !== undefined && x.endedAt !== undefined);
          return [e.step, median(ran.map((x) => x!.endedAt! - x!.startedAt!)), ran[0]?.outcome ?? '?'] as const;
        })
        .filter(([, ms]) => ms >= 50)
        .sort((a, b) => b[1] - a[1])
        .map(([step, ms, outcome]) => [step, `${Math.round(ms)} ms`, outcome])
    : [];
  if (tls.length) writeFileSync(join(REPO, 'docs', 'boot-timeline.svg'), renderTimelineSvg(tls[tls.length - 1]!, 'ltsp-agent boot timeline (QEMU boot proof, TCG)'));

  const body = [
    machineLine(),
    '',
    `The boot proof's virtual thin client (QEMU TCG, -cpu qemu64, 1 vCPU, 1 GiB; Debian 12 kernel, Debian's node 18 in the client root),` +
      ' PXE over QEMU\'s TFTP, root squashfs over NBD through guestfwd relays. Seconds since QEMU started, host clock,' +
      ` medians of ${on.length} boots with the agent and ${off.length} with \`ltsp.agent=off\` (interleaved).` +
      ' Under emulation every CPU-bound phase is several times slower than on a real client; compare the rows, not the absolute numbers.',
    '',
    '**Power-on to login session started: ' + s1(med(on, (r) => r.at.get('login session started'))) + '.**',
    '',
    table(['milestone (serial console)', 'agent on', 'agent off'], rows),
    '',
    '### Where the time goes (agent on)',
    '',
    table(['phase', 'median', 'note'], phaseRows),
    '',
    '### The agent\'s share',
    '',
    `- Boot phase on the critical path (init-ltsp start to the hand-over to systemd): **${s1(agentPhase)}** with the agent, ${s1(offPhase)} without; of that, node start-up (process start to the agent's first line) is ${s1(nodeUp)}.`,
    `- multi-user.target is reached at ${s1(muOn)} with the agent and ${s1(muOff)} without: the agent's boot phase adds ${s1(muOn !== undefined && muOff !== undefined ? muOn - muOff : undefined)} before systemd starts.`,
    `- The login (from multi-user.target to the session running on the server): ${s1(loginShare)}, which LDM would spend too (X server, SSH); without the agent there is no login at all.`,
    '',
    'Steps of the boot phase that took 50 ms or more (median; steps run concurrently, so they overlap):',
    '',
    stepRows.length ? table(['step', 'ran', 'outcome'], stepRows) : '(no timeline)',
    '',
    'The last boot\'s timeline, drawn by `ltsp-agent timeline`: [boot-timeline.svg](boot-timeline.svg).',
  ].join('\n');
  writeSection('boot', 'Boot: power-on to login session (QEMU)', body);
  console.error('bench/boot: docs/benchmarks.md section "boot" written');
}

await main();
