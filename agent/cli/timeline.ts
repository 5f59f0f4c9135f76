// `ltsp-agent timeline`: draws the boot timeline (agent/exec/timeline.ts, written by the boot
// to /run/ltsp/timeline.json and into the "boot phase done" log line) as an SVG bar chart an
// admin opens in a browser: one row per step, a light bar while it waited for the steps it
// needs, a solid bar while it ran, coloured by outcome, with the boot's marks as lines.

import { readFile, writeFile } from 'node:fs/promises';
import { maxOf } from '../core/arrays.ts';
import type { StepOutcome } from '../exec/timeline.ts';
import { parseOptions } from './args.ts';

export const TIMELINE_HELP = `Usage: ltsp-agent timeline [FILE] [-o OUT.svg]

Draws the boot timeline as an SVG bar chart: one row per step, a light bar while the step
waited for the steps it needs, a solid bar while it ran (green ok, red failed, grey
skipped, orange blocked), and the boot's milestones as vertical lines. Hover a bar for
its times and the reason it was skipped or failed.

FILE is /run/ltsp/timeline.json (the default), or a log that holds the boot's
"boot phase done" line (syslog on the server, journal export, serial console): the
last timeline found in it is drawn. "-" reads standard input.

Options:
  -o, --output FILE   write the SVG to FILE instead of standard output
  -h, --help

Exit status: 0 drawn; 2 no timeline in FILE; 64 usage error.
`;

export const DEFAULT_TIMELINE = '/run/ltsp/timeline.json';

export interface TimelineData {
  readonly origin?: string;
  readonly entries: ReadonlyArray<{
    readonly step: string;
    readonly queuedAt: number;
    readonly startedAt?: number;
    readonly endedAt?: number;
    readonly outcome?: StepOutcome;
    readonly waitedFor?: readonly string[];
    readonly detail?: string;
  }>;
  readonly marks: ReadonlyArray<{ readonly name: string; readonly at: number }>;
}

function isTimeline(v: unknown): v is TimelineData {
  const o = v as TimelineData | null;
  return !!o && typeof o === 'object' && Array.isArray(o.entries) && Array.isArray(o.marks) && o.entries.every((e) => typeof e?.step === 'string' && typeof e.queuedAt === 'number');
}

/** Finds a timeline in a JSON file or in log text (the last one wins). */
export function extractTimeline(text: string): TimelineData | undefined {
  try {
    const whole: unknown = JSON.parse(text);
    if (isTimeline(whole)) return whole;
    const inner = (whole as { timeline?: unknown } | null)?.timeline;
    if (isTimeline(inner)) return inner;
  } catch {
    /* not one JSON document: a log */
  }
  let found: TimelineData | undefined;
  for (const line of text.split('\n')) {
    // A pino JSON line, possibly behind a syslog or console prefix.
    const start = line.indexOf('{');
    if (start < 0) continue;
    for (const candidate of [line.slice(start), line.slice(line.indexOf('{"origin"'))]) {
      try {
        const o: unknown = JSON.parse(candidate);
        const t = isTimeline(o) ? o : (o as { timeline?: unknown } | null)?.timeline;
        if (isTimeline(t)) found = t;
        break;
      } catch {
        /* try the next candidate */
      }
    }
  }
  return found;
}

const COLORS: Record<StepOutcome | 'running', string> = {
  ok: '#2e9d4f',
  failed: '#d0382b',
  skipped: '#a3a8ae',
  blocked: '#e08a1e',
  running: '#4a78c2',
};

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const fmt = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);

/** A "nice" tick step for a span in ms (1, 2 or 5 times a power of ten). */
export function tickStep(spanMs: number, maxTicks = 10): number {
  const raw = Math.max(spanMs / maxTicks, 1);
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (p * m >= raw) return p * m;
  return p * 10;
}

/** The SVG document. Pure: same timeline, same bytes. */
export function renderTimelineSvg(t: TimelineData, title = 'ltsp-agent boot timeline'): string {
  const rowH = 22;
  const labelW = 150;
  const chartW = 760;
  const top = 56;
  const rows = t.entries.length;
  const ends = [...t.entries.flatMap((e) => [e.queuedAt, e.startedAt ?? e.queuedAt, e.endedAt ?? e.startedAt ?? e.queuedAt]), ...t.marks.map((m) => m.at)];
  const t0 = 0;
  const t1 = Math.max(1, maxOf(ends));
  const x = (ms: number) => labelW + ((ms - t0) / (t1 - t0)) * chartW;
  const height = top + rows * rowH + 70;
  const width = labelW + chartW + 30;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xmlEscape(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">${xmlEscape(title)}</text>`,
    `<text x="10" y="38" fill="#555">${xmlEscape(`${t.origin ? `agent started ${t.origin}; ` : ''}times in ms since the agent started; ${rows} steps, ${fmt(t1)} in all`)}</text>`,
  );
  // Grid and axis, in one unit throughout.
  const step = tickStep(t1 - t0);
  const axisY = top + rows * rowH + 4;
  const tick = (v: number) => (t1 >= 10_000 ? `${(v / 1000).toFixed(step >= 1000 ? 0 : 1)} s` : `${Math.round(v)} ms`);
  // Before the agent's first mark, node was loading the agent: the share of node start-up.
  const first = t.marks.find((m) => m.name === 'agent-start');
  if (first && first.at > 0) {
    out.push(`<rect x="${x(0).toFixed(1)}" y="${top - 4}" width="${(x(first.at) - x(0)).toFixed(1)}" height="${rows * rowH + 8}" fill="#eef0f6"><title>${xmlEscape(`node start-up and loading the agent: ${fmt(first.at)}`)}</title></rect>`);
    out.push(`<text x="${((x(0) + x(first.at)) / 2).toFixed(1)}" y="${top + 14}" text-anchor="middle" fill="#7a7f8c" font-size="11">${xmlEscape(`node start-up ${fmt(first.at)}`)}</text>`);
  }
  for (let v = 0; v <= t1 + 1e-9; v += step) {
    const xv = x(v).toFixed(1);
    out.push(`<line x1="${xv}" y1="${top - 4}" x2="${xv}" y2="${axisY}" stroke="#e4e6ea"/>`);
    out.push(`<text x="${xv}" y="${axisY + 14}" text-anchor="middle" fill="#555">${xmlEscape(tick(v))}</text>`);
  }
  // One row per step.
  t.entries.forEach((e, i) => {
    const y = top + i * rowH;
    const outcome = e.outcome ?? 'running';
    const started = e.startedAt ?? e.queuedAt;
    const ended = e.endedAt ?? started;
    const waited = e.waitedFor && e.waitedFor.length > 0 ? e.waitedFor : [];
    const tip = [
      `${e.step}: ${outcome}`,
      `queued ${fmt(e.queuedAt)}, started ${fmt(started)}, ended ${fmt(ended)} (ran ${fmt(ended - started)})`,
      waited.length ? `waited ${fmt(started - e.queuedAt)} for ${waited.join(', ')}` : '',
      e.detail ?? '',
    ]
      .filter(Boolean)
      .join('\n');
    if (i % 2 === 1) out.push(`<rect x="0" y="${y}" width="${width}" height="${rowH}" fill="#f7f8fa"/>`);
    out.push(`<text x="${labelW - 8}" y="${y + 15}" text-anchor="end">${xmlEscape(e.step)}</text>`);
    out.push(`<g><title>${xmlEscape(tip)}</title>`);
    if (started > e.queuedAt) {
      out.push(`<rect x="${x(e.queuedAt).toFixed(1)}" y="${y + 8}" width="${Math.max(0.5, x(started) - x(e.queuedAt)).toFixed(1)}" height="6" fill="${COLORS[outcome]}" opacity="0.3"/>`);
    }
    out.push(`<rect x="${x(started).toFixed(1)}" y="${y + 4}" width="${Math.max(2, x(ended) - x(started)).toFixed(1)}" height="14" rx="2" fill="${COLORS[outcome]}"/>`);
    const note = [fmt(ended - started), waited.length ? `after ${waited.join(', ')}` : '', outcome !== 'ok' ? outcome : ''].filter(Boolean).join(' · ');
    const noteX = x(ended) + 6;
    const anchor = noteX > labelW + chartW - 120 ? 'end' : 'start';
    out.push(`<text x="${(anchor === 'end' ? x(started) - 6 : noteX).toFixed(1)}" y="${y + 15}" text-anchor="${anchor}" fill="#444" font-size="11">${xmlEscape(note)}</text>`);
    out.push('</g>');
  });
  // Milestones.
  t.marks.forEach((m, i) => {
    const xm = x(m.at).toFixed(1);
    out.push(`<line x1="${xm}" y1="${top - 4}" x2="${xm}" y2="${axisY}" stroke="#7a5cc2" stroke-dasharray="4 3"><title>${xmlEscape(`${m.name} at ${fmt(m.at)}`)}</title></line>`);
    out.push(`<text x="${xm}" y="${axisY + 30 + (i % 2) * 13}" text-anchor="middle" fill="#7a5cc2" font-size="11">${xmlEscape(m.name)}</text>`);
  });
  // Legend.
  const ly = height - 12;
  let lx = 10;
  for (const k of ['ok', 'failed', 'skipped', 'blocked'] as const) {
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${COLORS[k]}"/><text x="${lx + 16}" y="${ly}">${k}</text>`);
    lx += 80;
  }
  out.push(`<rect x="${lx}" y="${ly - 7}" width="24" height="6" fill="#2e9d4f" opacity="0.3"/><text x="${lx + 30}" y="${ly}">waiting for the steps it needs</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export async function timelineCommand(args: string[]): Promise<number> {
  const a = parseOptions(args, { values: ['-o', '--output'], flags: ['--help', '-h'] });
  if (a.flags.has('--help') || a.flags.has('-h')) {
    process.stdout.write(TIMELINE_HELP);
    return 0;
  }
  if (a.positional.length > 1) {
    process.stderr.write(`ltsp-agent timeline: one FILE at most\n\n${TIMELINE_HELP}`);
    return 64;
  }
  const file = a.positional[0] ?? DEFAULT_TIMELINE;
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (e) {
    process.stderr.write(`ltsp-agent timeline: cannot read ${file}: ${(e as Error).message}\n`);
    return 2;
  }
  const t = extractTimeline(text);
  if (!t) {
    process.stderr.write(`ltsp-agent timeline: no boot timeline in ${file} (expected /run/ltsp/timeline.json or a log with the "boot phase done" line)\n`);
    return 2;
  }
  const svg = renderTimelineSvg(t);
  const outFile = a.values.get('-o') ?? a.values.get('--output');
  if (outFile) await writeFile(outFile, svg);
  else process.stdout.write(svg);
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
