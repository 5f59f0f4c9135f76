// Fuzzing the lts.conf parser and resolver (and the key checks with their typo hints) with a
// time and memory bound per case: random sections and LIKE webs (diamonds, cycles, self LIKEs),
// diamond ladders, long LIKE chains, odd bytes (CR, LF, NUL, 0xFF, quotes, very long lines),
// include webs, thousands of unknown keys. Each case must end within CASE_MS and the process
// stay under MEMORY_MIB; what must hold for every input is asserted in ltsconf-fuzz-runner.ts.
// The bounds are generous (the cases take milliseconds): they catch exponential blow-ups, not
// slowness. Reproduce a failure with the seed and case it prints:
//   FUZZ_SEED=<seed> FUZZ_FIRST=<case> FUZZ_COUNT=1 node --import tsx --test test/unit/ltsconf-fuzz.test.ts
// FUZZ_SEED=random tries a new seed (the default one is fixed so that a run is repeatable).

import { test } from 'node:test';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('./ltsconf-fuzz-runner.ts', import.meta.url));
const SEED = process.env['FUZZ_SEED'] === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env['FUZZ_SEED'] ?? 20241202);
const FIRST = Number(process.env['FUZZ_FIRST'] ?? 0);
const COUNT = Number(process.env['FUZZ_COUNT'] ?? 300);
const CASE_MS = 5000;
const HEAP_MIB = 512;
const MEMORY_MIB = 1024;

test(`lts.conf fuzz: ${COUNT} cases, each within ${CASE_MS} ms and ${MEMORY_MIB} MiB (seed ${SEED})`, async () => {
  const failure = await new Promise<string | undefined>((resolve) => {
    const child = fork(RUNNER, [String(SEED), String(FIRST), String(COUNT)], { execArgv: ['--import', 'tsx', `--max-old-space-size=${HEAP_MIB}`], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-4000)));
    let current: { i: number; kind?: string } | undefined;
    let done = 0;
    let result: string | undefined;
    let watchdog: NodeJS.Timeout | undefined;
    const where = () => `seed ${SEED}, case ${current?.i ?? '?'} (${current?.kind ?? 'being made'}); rerun: FUZZ_SEED=${SEED} FUZZ_FIRST=${current?.i ?? FIRST} FUZZ_COUNT=1`;
    child.on('message', (m: { case: number; phase: string; kind?: string; error?: string; rssMiB?: number }) => {
      if (m.phase === 'start') {
        current = { i: m.case };
        clearTimeout(watchdog);
        watchdog = setTimeout(() => {
          result = `took more than ${CASE_MS} ms: ${where()}`;
          child.kill('SIGKILL');
        }, CASE_MS);
      } else if (m.phase === 'made') current = { i: m.case, kind: m.kind! };
      else if (m.phase === 'failed') result = `failed: ${where()}\n${m.error}`;
      else if (m.phase === 'done') {
        clearTimeout(watchdog);
        done++;
        if (m.rssMiB! > MEMORY_MIB && result === undefined) {
          result = `the process grew to ${m.rssMiB} MiB: ${where()}`;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      if (result === undefined && done !== COUNT) result = `the runner ended (${signal ?? `exit ${code}`}) after ${done} of ${COUNT} cases: ${where()}\n${stderr}`;
      resolve(result);
    });
  });
  if (failure !== undefined) throw new Error(`lts.conf fuzz ${failure}`);
});
