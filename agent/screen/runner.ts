// `ltsp-agent screen NN`: LTSP 5's screen_session for one virtual terminal. It runs what the
// screens planner put into the screen's settings (agent/steps/screens.ts; it reads no lts.conf
// key itself) and starts it again when it ends, within init's limit on fast restarts
// (restart.ts). Each screen script is one function below; the X screens start their X server
// the way the login does (agent/login/x-server.ts: private cookie, the X step's arguments,
// setxkbmap once it is up).

import { existsSync, readFileSync } from 'node:fs';
import { LtspError, errorMessage } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { runProgram, startDaemon, type Daemon } from '../exec/process.ts';
import type { Terminal } from '../exec/terminal.ts';
import { startXServer } from '../login/x-server.ts';
import type { ScreenRun, ScreenSettings, XSetup } from '../steps/screens.ts';
import { menuAnswer, renderMenu } from './menu.ts';
import { RestartPolicy } from './restart.ts';

export interface ScreenRunOptions {
  readonly settings: ScreenSettings;
  /** The screen shown first (SCREEN_DEFAULT): this one switches to its VT at its first start. */
  readonly defaultVt?: number;
  /** A running X server to use (tests, a workstation) instead of starting one. */
  readonly display?: { readonly display: number; readonly xauthority?: string };
  /** The X server to start (default Xorg) and its display number (default the VT). */
  readonly xServer?: { readonly program: string; readonly display?: number };
  /** The text screens' terminal, opened on first use. */
  readonly terminal: () => Terminal;
  /** On a real VT: WAIT_FGCONSOLE and SCREEN_DEFAULT apply. */
  readonly onVt: boolean;
  readonly hostname: string;
  /** argv that runs `ltsp-agent` (for the ldm screen's `login`), and options passed on to it. */
  readonly agentArgv: readonly string[];
  readonly loginArgs: readonly string[];
  /** Where the X servers' private Xauthority directories go. */
  readonly runDir: string;
  readonly log?: Logger;
  /** Stop after this many rounds (tests); default: forever. */
  readonly rounds?: number;
  readonly signal?: AbortSignal;
  /** The clock and the pause, replaceable in tests of the restart loop. */
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const pad = (vt: number) => String(vt).padStart(2, '0');

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

/** The VT in front (LTSP 5 asked fgconsole); undefined where the kernel does not say. */
export function foregroundVt(): number | undefined {
  try {
    const m = /^tty(\d+)/.exec(readFileSync('/sys/class/tty/tty0/active', 'utf8').trim());
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** What one round ended with: `input-ended` stops the loop (a terminal that closed, a test's pipe). */
type RoundEnd = 'ended' | 'input-ended';

export async function runScreen(o: ScreenRunOptions): Promise<void> {
  const log = o.log ?? silentLogger;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const policy = new RestartPolicy();
  const { settings } = o;
  for (let round = 1; o.rounds === undefined || round <= o.rounds; round++) {
    if (o.signal?.aborted) return;
    const pause = policy.beforeStart(now());
    if (pause > 0) {
      log.error({ screen: pad(settings.vt), pauseS: pause / 1000 }, 'screen restarted too often; pausing before the next start');
      if (settings.run.script === 'shell' || settings.run.script === 'telnet' || settings.run.script === 'menu') {
        o.terminal().write(`\nScreen ${pad(settings.vt)} ended too often; trying again in ${pause / 60_000} minutes.\n`);
      }
      await sleep(pause, o.signal);
      if (o.signal?.aborted) return;
    }
    if (o.onVt && round === 1 && settings.vt === o.defaultVt) {
      const r = await runProgram(['chvt', String(settings.vt)], { timeoutMs: 10_000 }).catch((e: unknown) => ({ code: -1, stderr: errorMessage(e) }));
      if (r.code !== 0) log.warn({ vt: settings.vt, err: r.stderr }, 'chvt failed');
    }
    // WAIT_FGCONSOLE: as LTSP 5, poll every 2 s until this VT is in front
    while (o.onVt && settings.waitFgconsole && !o.signal?.aborted) {
      const front = foregroundVt();
      if (front === undefined || front === settings.vt) break;
      await sleep(2000, o.signal);
    }
    if (o.signal?.aborted) return;
    log.info({ screen: pad(settings.vt), script: settings.script, round }, 'screen starts');
    let end: RoundEnd = 'ended';
    try {
      end = await runOnce(settings.run, o, log);
    } catch (e) {
      log.error({ screen: pad(settings.vt), err: errorMessage(e) }, 'screen failed');
    }
    log.info({ screen: pad(settings.vt), script: settings.script }, 'screen ended');
    if (end === 'input-ended') return;
  }
}

async function runOnce(run: ScreenRun, o: ScreenRunOptions, log: Logger): Promise<RoundEnd> {
  const vt = o.settings.vt;
  switch (run.script) {
    case 'ldm':
      return runLogin(o, log);
    case 'shell':
      return runText(o, [existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh', '--login'], log);
    case 'telnet': {
      const term = o.terminal();
      term.write(`\x1b[H\x1b[2JScreen:tty${vt} - Press <enter> to connect to server...`);
      const line = await term.readLine();
      if (line === undefined) return 'input-ended';
      term.write('\x1b[H\x1b[2J');
      const end = await runText(o, ['telnet', run.host, ...(run.port ? [run.port] : [])], log);
      term.write('Please wait...');
      await (o.sleep ?? defaultSleep)(1000, o.signal);
      return end;
    }
    case 'xdmcp':
    case 'startx': {
      if (o.display) throw new LtspError('LTSP_USAGE', 'the xdmcp screen is its own X server: give --x-server (e.g. Xvfb) instead of --display');
      const args = [...run.xserverArgs, '-query', run.query, ...(run.accessControl ? [] : ['-ac'])];
      await withX({ ...run, xserverArgs: args }, o, log, async (x) => {
        await waitEnd(x.daemon!, o.signal);
      }, true);
      return 'ended';
    }
    case 'rdesktop':
    case 'xfreerdp':
      await withX(run, o, log, async (x) => {
        // xfreerdp fails without HOME (LTSP 5 set it too)
        const env = { ...x.env, HOME: process.env['HOME'] ?? '/root' };
        await clientLoop(run.script, run.argv, { env }, run.daemon, x, o, log);
      });
      return 'ended';
    case 'kiosk': {
      const { runKiosk } = await import('./kiosk.ts');
      await withX(run, o, log, (x) => runKiosk(run, x, { log, ...(o.signal ? { signal: o.signal } : {}), loop: (name, argv, opts) => clientLoop(name, argv, opts, run.daemon, x, o, log) }));
      return 'ended';
    }
    case 'menu':
      return runMenu(run, o, log);
  }
}

/** The X server a screen's X client runs on: given (--display), or started as the login starts it. */
export interface XHandle {
  readonly env: Readonly<Record<string, string>>;
  readonly xauthority?: string;
  /** Our own X server; undefined for --display. */
  readonly daemon?: Daemon;
}

async function withX<T>(run: XSetup, o: ScreenRunOptions, log: Logger, fn: (x: XHandle) => Promise<T>, xdmcp = false): Promise<T> {
  if (o.display) {
    const env: Record<string, string> = { DISPLAY: `:${o.display.display}`, ...(o.display.xauthority ? { XAUTHORITY: o.display.xauthority } : {}) };
    return fn({ env, ...(o.display.xauthority ? { xauthority: o.display.xauthority } : {}) });
  }
  const x = await startXServer({
    display: o.xServer?.display ?? o.settings.vt,
    vt: o.settings.vt,
    program: o.xServer?.program ?? 'Xorg',
    args: run.xserverArgs,
    ...(xdmcp ? { xdmcp: true } : {}),
    hostname: o.hostname,
    runDir: o.runDir,
    log,
  });
  try {
    if (run.setxkbmap && !xdmcp) {
      const r = await runProgram(run.setxkbmap, { env: x.env, timeoutMs: 10_000 }).catch((e: unknown) => ({ code: -1, stderr: errorMessage(e) }));
      if (r.code !== 0) log.warn({ argv: run.setxkbmap, err: r.stderr }, 'setxkbmap failed');
    }
    return await fn({ env: x.env, xauthority: x.xauthority, daemon: x.daemon });
  } finally {
    await x.stop();
  }
}

function waitEnd(d: Daemon, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    void d.exited.then(() => resolve());
    signal?.addEventListener('abort', () => void d.stop().then(resolve), { once: true });
  });
}

/**
 * Run an X client until it ends; with `daemon` (XINITRC_DAEMON, KIOSK_DAEMON) start it again on
 * the same X server, within the same fast-restart limit, until the X server itself ends.
 */
async function clientLoop(name: string, argv: readonly string[], opts: { env: Readonly<Record<string, string>>; uid?: number; gid?: number; cwd?: string }, daemon: boolean, x: XHandle, o: ScreenRunOptions, log: Logger): Promise<void> {
  const policy = new RestartPolicy();
  const now = o.now ?? Date.now;
  let xGone = false;
  void x.daemon?.exited.then(() => (xGone = true));
  for (;;) {
    const d = startDaemon(name, argv, { env: opts.env, stdio: 'inherit', log, ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid! } : {}), ...(opts.cwd ? { cwd: opts.cwd } : {}) });
    const stopX = () => void d.stop();
    void x.daemon?.exited.then(stopX);
    await waitEnd(d, o.signal);
    const r = await d.exited;
    log.info({ program: argv[0], code: r.code, signal: r.signal }, 'X program ended');
    if (!daemon || xGone || o.signal?.aborted) return;
    const pause = policy.beforeStart(now());
    if (pause > 0) {
      log.error({ program: argv[0], pauseS: pause / 1000 }, 'X program restarted too often; pausing');
      await (o.sleep ?? defaultSleep)(pause, o.signal);
      if (o.signal?.aborted || xGone) return;
    }
  }
}

async function runText(o: ScreenRunOptions, argv: readonly string[], log: Logger): Promise<RoundEnd> {
  const term = o.terminal();
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    TERM: 'linux',
    ...(process.env['LANG'] ? { LANG: process.env['LANG'] } : {}),
  };
  const code = await term.run(argv, env);
  log.info({ argv, code }, 'text program ended');
  return term.inputEnded ? 'input-ended' : 'ended';
}

async function runLogin(o: ScreenRunOptions, log: Logger): Promise<RoundEnd> {
  const argv = [...o.agentArgv, 'login', '--loop', '--screen', pad(o.settings.vt), ...o.loginArgs];
  const d = startDaemon('login', argv, { stdio: 'inherit', stdin: 'inherit', detached: false, log });
  await waitEnd(d, o.signal);
  const r = await d.exited;
  // exit 64: a usage error that will not change by itself
  if (r.code === 64) throw new LtspError('LTSP_USAGE', `ltsp-agent login refused to start for screen ${pad(o.settings.vt)}`);
  return 'ended';
}

async function runMenu(run: Extract<ScreenRun, { script: 'menu' }>, o: ScreenRunOptions, log: Logger): Promise<RoundEnd> {
  const term = o.terminal();
  const labels = run.items.map((i) => i.label);
  let page = 0;
  for (;;) {
    term.write(renderMenu(run.title, labels, run.listHeight, page));
    const line = await term.readLine();
    if (line === undefined) return 'input-ended';
    const a = menuAnswer(line, labels.length, run.listHeight, page);
    if (a.kind === 'page') page = a.page;
    if (a.kind !== 'item') continue;
    const item = run.items[a.index]!;
    log.info({ screen: pad(o.settings.vt), entry: item.label, script: item.run.script }, 'menu entry chosen');
    term.write('\x1b[H\x1b[2J');
    return runOnce(item.run, o, log);
  }
}
