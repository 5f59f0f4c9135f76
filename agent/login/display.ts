// The display settings the login planner made (agent/steps/display.ts), applied to the login's
// own X server: before it starts (font server, memory limit) and right after it is up (xrandr,
// xset, NumLock), as LTSP 5's screen-session and xinitrc scripts did before LDM. Every program
// through runProgram, never a shell; a failure is logged and the login goes on, as a failed
// xrandr never stopped LTSP 5's greeter either.

import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { connect } from 'node:net';
import { errorMessage } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { runProgram, type RunOptions, type RunResult } from '../exec/process.ts';
import { connectedOutputs, xMemoryLimitBytes, xrandrRuns, type DisplaySettings } from '../steps/display.ts';
import { setNumLock } from './x11/numlock.ts';

export type Runner = (argv: readonly string[], opts: RunOptions) => Promise<RunResult>;

export const XFS_PORT = 7100;
export const PRLIMIT = '/usr/bin/prlimit';

/** Whether a TCP port answers within `ms` (LTSP 5: `nc -z -w 5 HOST 7100`). */
export function tcpAnswers(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(ok);
    };
    const t = setTimeout(() => done(false), ms);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export interface XStartOptions {
  /** Extra X server arguments (-fp tcp/HOST:7100). */
  readonly args: string[];
  /** The X server's memory limit in bytes (X_RAMPERC), when prlimit can apply it. */
  readonly memoryLimitBytes?: number;
}

/** What the X server is started with: the first font server that answers, and the memory limit. */
export async function xStartOptions(
  d: DisplaySettings,
  log: Logger = silentLogger,
  io: { probe?: (host: string, port: number) => Promise<boolean>; meminfo?: () => Promise<string>; hasPrlimit?: () => Promise<boolean> } = {},
): Promise<XStartOptions> {
  const args: string[] = [];
  const probe = io.probe ?? ((h: string, p: number) => tcpAnswers(h, p, 5000));
  for (const host of d.fontServers) {
    if (await probe(host, XFS_PORT)) {
      args.push('-fp', `tcp/${host}:${XFS_PORT}`);
      break;
    }
    log.warn({ host }, 'USE_XFS: the font server does not answer on TCP 7100; trying the next');
  }
  if (d.fontServers.length > 0 && args.length === 0) log.warn({ servers: d.fontServers }, 'USE_XFS: no font server answers; X uses its own fonts');
  if (d.xMemoryPercent === undefined) return { args };
  const hasPrlimit = io.hasPrlimit ?? (() => access(PRLIMIT, constants.X_OK).then(() => true, () => false));
  if (!(await hasPrlimit())) {
    log.warn({ program: PRLIMIT }, 'X_RAMPERC: prlimit (util-linux) is missing, so the X server runs without a memory limit');
    return { args };
  }
  const meminfo = await (io.meminfo ?? (() => readFile('/proc/meminfo', 'utf8')))().catch(() => '');
  const bytes = xMemoryLimitBytes(meminfo, d.xMemoryPercent);
  if (bytes === undefined) {
    log.warn('X_RAMPERC: /proc/meminfo has no MemFree; the X server runs without a memory limit');
    return { args };
  }
  return { args, memoryLimitBytes: bytes };
}

/**
 * The settings applied once X is up, on `env`'s display (DISPLAY, XAUTHORITY): xrandr (asking
 * which outputs are connected when no XRANDR_OUTPUT_n names them), XRANDR_COMMAND_n, xset,
 * NumLock. Resolves when everything was tried; failures are logged.
 */
export async function applyDisplaySettings(
  d: DisplaySettings,
  x: { readonly env: Readonly<Record<string, string>>; readonly display: number; readonly xauthority?: string },
  log: Logger = silentLogger,
  io: { run?: Runner; numlock?: (on: boolean) => Promise<unknown> } = {},
): Promise<void> {
  const run = io.run ?? runProgram;
  const go = async (argv: readonly string[], what: string): Promise<RunResult | undefined> => {
    try {
      const r = await run(argv, { env: x.env, timeoutMs: 15_000, log });
      if (r.code !== 0) log.warn({ argv, code: r.code, stderr: r.stderr.slice(-500) }, `${what} failed`);
      return r;
    } catch (e) {
      log.warn({ argv, err: errorMessage(e) }, `${what} failed`);
      return undefined;
    }
  };
  if (d.xrandr) {
    let connected: string[] = [];
    if (d.xrandr.outputs === 'connected') {
      const q = await go(['xrandr', '--query'], 'xrandr --query');
      connected = q?.code === 0 ? connectedOutputs(q.stdout) : [];
    }
    // Without XRANDR_* settings and a single monitor there is nothing to change.
    const worth = d.xrandr.heads.length > 0 || connected.length > 1;
    for (const argv of worth ? xrandrRuns(d.xrandr, connected) : []) await go(argv, 'xrandr (XRANDR_* keys)');
  }
  for (const argv of d.xrandrCommands) await go(argv, 'xrandr (XRANDR_COMMAND)');
  for (const argv of d.xset) await go(argv, 'xset (X_BLANKING)');
  if (d.numlock !== undefined) {
    try {
      await (io.numlock ?? ((on: boolean) => setNumLock(on, { display: `:${x.display}`, ...(x.xauthority ? { xauthority: x.xauthority } : {}) })))(d.numlock);
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'X_NUMLOCK: could not set NumLock');
    }
  }
}
