// The client's X server for one greeter-and-session round, as LTSP 5's screen.d/ldm started it
// (LTSP 5's screen.d/ldm): display :N on vtN (N = the SCREEN_NN number), `-auth` with a fresh
// MIT-MAGIC-COOKIE-1 in a private directory, never listening on TCP (LDM_DIRECTX is served by
// agent/login/directx.ts, which admits only the login servers). The cookie is made in-process
// and written straight into the Xauthority file; no mcookie, no xauth, nothing in any argv.
// Ready means: the socket accepts a connection with our cookie (the X setup handshake).

import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { pushAll } from '../core/arrays.ts';
import { LtspError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { FileSystem } from '../exec/files.ts';
import { startDaemon, type Daemon } from '../exec/process.ts';
import { encodeXauth, localEntries, newCookie, probeDisplay } from './xauth.ts';

export interface XServerOptions {
  display: number;
  /** Virtual terminal (Xorg only); LTSP used vtN for :N. */
  vt?: number;
  /** `Xorg` (default), `Xvfb` or a path to either. */
  program?: string;
  /** From the X step: -config FILE, -depth N, -fp ... */
  args?: readonly string[];
  /**
   * XDMCP (the xdmcp screen): listen on TCP for the remote session, and reset (query the
   * display manager again) when a session ends instead of -noreset. No -terminate (LTSP 5 had
   * it): our readiness probe is a client, and its leaving would end the server at once.
   */
  xdmcp?: boolean;
  /** X_RAMPERC: start the X server under this data-segment limit (prlimit --data; see below). */
  memoryLimitBytes?: number;
  hostname: string;
  /** Where the private Xauthority directory goes (LDM: /var/run/ldm-xauth-*). */
  runDir?: string;
  fs?: FileSystem;
  log?: Logger;
  startTimeoutMs?: number;
}

export interface XServer {
  readonly display: number;
  readonly xauthority: string;
  readonly cookie: Buffer;
  /** DISPLAY and XAUTHORITY for programs on this X server (greeter, hooks). */
  readonly env: Readonly<Record<string, string>>;
  readonly daemon: Daemon;
  stop(): Promise<void>;
}

export function xServerArgv(o: { display: number; vt?: number; program: string; xauthority: string; args?: readonly string[]; xdmcp?: boolean }): string[] {
  const xvfb = /xvfb/i.test(basename(o.program));
  const argv = [o.program, `:${o.display}`];
  if (!xvfb) argv.push(`vt${o.vt ?? o.display}`);
  // XDMCP: the session's programs on the server connect back over TCP, and each session's end resets the server
  argv.push('-auth', o.xauthority, ...(o.xdmcp ? ['-listen', 'tcp'] : ['-nolisten', 'tcp', '-noreset']));
  let args = [...(o.args ?? [])];
  if (xvfb) {
    // Xvfb has no -depth: the X step's depth goes into its -screen geometry instead.
    const at = args.indexOf('-depth');
    const depth = at >= 0 && /^\d+$/.test(args[at + 1] ?? '') ? args[at + 1]! : '24';
    if (at >= 0) args = [...args.slice(0, at), ...args.slice(at + 2)];
    if (!args.includes('-screen')) argv.push('-screen', '0', `1280x1024x${depth}`);
  }
  pushAll(argv, args);
  if (!xvfb) argv.push('-br');
  return argv;
}

/**
 * X_RAMPERC's limit as a prefix: prlimit sets the limit on itself and execs the X server, so the
 * PID stays the X server's. LTSP 5 used `ulimit -m` (RLIMIT_RSS), which Linux has ignored since
 * 2.6; RLIMIT_DATA (private memory: the X server's pixmaps and buffers, not its mapped video
 * memory) is the limit that still does what the key promises.
 */
export function memoryLimited(argv: readonly string[], bytes: number): string[] {
  return ['/usr/bin/prlimit', `--data=${Math.max(0, Math.floor(bytes))}`, '--', ...argv];
}

export async function startXServer(opts: XServerOptions): Promise<XServer> {
  const log = opts.log ?? silentLogger;
  const fs = opts.fs ?? new FileSystem('/');
  const program = opts.program ?? 'Xorg';
  if ((await probeDisplay(opts.display, undefined, 500)) !== 'absent') {
    throw new LtspError(
      'LTSP_EXEC_FAILED',
      `display :${opts.display} is already in use`,
      { key: `SCREEN_${String(opts.display).padStart(2, '0')}` },
      `stop the other X server on :${opts.display} or use another SCREEN_NN`,
    );
  }
  const dir = `${opts.runDir ?? '/run/ltsp'}/xauth-${randomBytes(6).toString('hex')}`;
  await fs.mkdir(dir, 0o700);
  const xauthority = `${dir}/Xauthority`;
  const cookie = newCookie();
  await fs.writeAtomic(xauthority, encodeXauth(localEntries(opts.display, opts.hostname, cookie)), 0o600);
  const xArgv = xServerArgv({ display: opts.display, program, xauthority, ...(opts.vt !== undefined ? { vt: opts.vt } : {}), ...(opts.args ? { args: opts.args } : {}), ...(opts.xdmcp ? { xdmcp: true } : {}) });
  const argv = opts.memoryLimitBytes !== undefined ? memoryLimited(xArgv, opts.memoryLimitBytes) : xArgv;
  const daemon = startDaemon(`X:${opts.display}`, argv, { log, stdio: 'ignore' });
  const cleanup = async () => {
    await daemon.stop(2000);
    await fs.remove(dir);
  };
  // Generous: a slow client loading Xorg and its drivers over NBD can take a while.
  const deadline = Date.now() + (opts.startTimeoutMs ?? 45_000);
  let exited = false;
  void daemon.exited.then(() => (exited = true));
  for (;;) {
    const r = await probeDisplay(opts.display, cookie, 1000);
    if (r === 'ok') break;
    if (exited || Date.now() > deadline || r === 'refused') {
      await cleanup();
      throw new LtspError(
        'LTSP_EXEC_FAILED',
        r === 'refused' ? `X server on :${opts.display} refuses our cookie` : `X server ${program} on :${opts.display} did not start`,
        { key: 'X_CONF' },
        `run "${argv.join(' ')}" on the client and read its log (/var/log/Xorg.${opts.display}.log)`,
      );
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  log.info({ display: opts.display, pid: daemon.pid }, 'X server ready');
  return {
    display: opts.display,
    xauthority,
    cookie,
    env: { DISPLAY: `:${opts.display}`, XAUTHORITY: xauthority },
    daemon,
    stop: cleanup,
  };
}
