// Shared benchmark helpers: robust statistics and writing one benchmark's section of
// docs/benchmarks.md (between <!-- bench:NAME --> and <!-- /bench:NAME -->), so that each
// benchmark updates only its own results.

import { existsSync, readFileSync, writeFileSync, mkdirSync, renameSync, rmdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus, release } from 'node:os';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DOC = join(REPO, 'docs', 'benchmarks.md');

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const fmtMs = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)) + ' ms';
export const fmtRatio = (r: number) => r.toFixed(2) + 'x';

/** One line saying where and when the numbers were taken. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} x ${cpu}, Linux ${release()}, Node ${process.version}.`;
}

/**
 * Replace (or add) the section NAME of docs/benchmarks.md with `body` (markdown). Benchmarks
 * run at the same time: the read-modify-write holds a lock directory, and the new file is
 * renamed into place, so one benchmark never drops another's section.
 */
export function writeSection(name: string, title: string, body: string): void {
  mkdirSync(dirname(BENCH_DOC), { recursive: true });
  withLock(`${BENCH_DOC}.lock`, () => {
    let doc = existsSync(BENCH_DOC)
      ? readFileSync(BENCH_DOC, 'utf8')
      : '# Benchmarks\n\nEach section is written by the benchmark named in it (`npm run bench`, or `node --import tsx bench/NAME.ts`).\nNumbers are medians of several runs on the machine named in the section; ratios compare against the real alternative measured in the same run.\n';
    const start = `<!-- bench:${name} -->`;
    const end = `<!-- /bench:${name} -->`;
    const section = `${start}\n## ${title}\n\n${body.trim()}\n${end}`;
    const a = doc.indexOf(start);
    const b = doc.indexOf(end);
    if (a >= 0 && b > a) doc = doc.slice(0, a) + section + doc.slice(b + end.length);
    else doc = doc.trimEnd() + '\n\n' + section + '\n';
    const tmp = `${BENCH_DOC}.${process.pid}.tmp`;
    writeFileSync(tmp, doc);
    renameSync(tmp, BENCH_DOC);
  });
}

/** mkdir is atomic: the first process to make the directory holds the lock. A lock older than 30 s is stale. */
function withLock(lock: string, fn: () => void): void {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lock).mtimeMs > 30_000) rmdirSync(lock);
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`${lock} is held for over 30 s`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    fn();
  } finally {
    rmdirSync(lock);
  }
}

/** A markdown table from a header row and rows. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly (string | number)[]>): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A whole-number command-line option (`--runs 7`), or the default when it is not given. */
export function intOption(name: string, fallback: number, argv: readonly string[] = process.argv.slice(2)): number {
  const at = argv.indexOf(name);
  if (at < 0) return fallback;
  const n = Number(argv[at + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a whole number >= 1, not ${argv[at + 1] ?? 'nothing'}`);
  return n;
}
