// A private Xvfb for tests and tools: a free display number, its own MIT cookie in its own
// Xauthority file, and a guaranteed stop (by PID) and cleanup, also when the work fails.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runProgram, startDaemon } from '../../agent/exec/process.ts';

export interface TestDisplay {
  /** ":N" */
  readonly display: string;
  readonly xauthority: string;
  /** DISPLAY and XAUTHORITY, for X programs (xdotool, xwd). */
  readonly env: Readonly<Record<string, string>>;
}

function freeDisplayNumber(): number {
  for (let n = 90 + Math.floor(Math.random() * 60); n < 400; n++) {
    if (!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number');
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function withXvfb<T>(work: (d: TestDisplay) => Promise<T>, geometry = '1280x800x24'): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-xvfb-'));
  const n = freeDisplayNumber();
  const xauthority = join(dir, 'Xauthority');
  const display = `:${n}`;
  const xauth = await runProgram(['xauth', '-q', '-f', xauthority, 'add', display, '.', randomBytes(16).toString('hex')], { timeoutMs: 10_000 });
  if (xauth.code !== 0) throw new Error(`xauth failed: ${xauth.stderr}`);
  const xvfb = startDaemon('Xvfb', ['Xvfb', display, '-screen', '0', geometry, '-nolisten', 'tcp', '-auth', xauthority], { stdio: 'ignore' });
  try {
    // Ready when its socket accepts connections (or give up when Xvfb exits).
    let exited = false;
    void xvfb.exited.then(() => (exited = true));
    while (!(await canConnect(`/tmp/.X11-unix/X${n}`))) {
      if (exited) throw new Error(`Xvfb ${display} exited at start`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return await work({ display, xauthority, env: { DISPLAY: display, XAUTHORITY: xauthority } });
  } finally {
    await xvfb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run an X client on the test display; throws with its stderr when it fails. */
export async function xrun(d: TestDisplay, argv: string[]): Promise<string> {
  const r = await runProgram(argv, { env: d.env, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
  return r.stdout;
}
