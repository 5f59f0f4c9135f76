// `ltsp-agent screen NN`: what SCREEN_NN names, on virtual terminal NN, started again whenever
// it ends (LTSP 5's screen_session). On a thin client the ltsp-screen@NN unit runs it with the
// settings the boot planned into /run/ltsp/screens.json; on a workstation or in a test,
// --lts-conf plans them the same way, --display uses a running X server and --x-server starts
// another (Xvfb). Either way the settings come from the screens planner: no lts.conf key is
// read here.

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseOptions } from './args.ts';
import { workstationClient } from './workstation.ts';
import { LtspError, formatProblem } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { SCREEN_SCRIPTS, SCREENS_FILE, planScreensFor, type ScreensPlan } from '../steps/screens.ts';
import { parseDisplay } from '../login/xauth.ts';
import { stopAll } from '../exec/process.ts';
import { Terminal } from '../exec/terminal.ts';
import { runScreen } from '../screen/runner.ts';

export const SCREEN_HELP = `Usage: ltsp-agent screen NN [options]

Runs what SCREEN_NN names on virtual terminal NN, as LTSP 5's screen_session did, and starts
it again whenever it ends (at most 10 starts in 2 minutes, then a 5-minute pause, as init
did). Screen scripts: ${SCREEN_SCRIPTS.join(', ')}.

Its settings are the ones the boot planned into ${SCREENS_FILE} (see them with
ltsp-agent --dry-run). With --lts-conf, or where no boot wrote them, it plans them the same
way from that lts.conf (default /etc/lts.conf) and this machine's facts.

Options:
  --lts-conf FILE      plan the settings from this lts.conf instead of the boot's
  --display :N         run the X screens' programs on this running X server (XAUTHORITY
                       from the environment) instead of starting one
  --x-server PROGRAM   X server to start (default Xorg; Xvfb for a test); with --display,
                       the display number it gets
  --tty DEVICE|-       the text screens' terminal (default: standard input when it is a
                       terminal, else /dev/ttyNN); - is this process's stdin and stdout
  --hostname NAME, --ip ADDR, --mac MAC   play this client (lts.conf sections); implies
                       planning from lts.conf
  --once               run the screen once instead of starting it again
  -h, --help

Exit status: 0 the screen ended (--once, or its terminal closed); 64 usage error, an unknown
or refused screen script (named, with the known ones).
`;

function parseScreen(arg: string | undefined): number {
  const m = arg === undefined ? null : /^(?:tty)?(\d{1,2})$/.exec(arg);
  const n = m ? Number(m[1]) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= 12)) throw new LtspError('LTSP_USAGE', `screen ${arg ?? '(none)'}: expected a screen number 01..12`, {}, 'ltsp-agent screen 07');
  return n;
}

function bootScreens(log: Logger): ScreensPlan | undefined {
  let text: string;
  try {
    text = readFileSync(SCREENS_FILE, 'utf8');
  } catch {
    return undefined;
  }
  log.info({ file: SCREENS_FILE }, 'screen settings planned at boot');
  return JSON.parse(text) as ScreensPlan;
}

export async function screenCommand(args: string[]): Promise<number> {
  const o = parseOptions(args, {
    values: ['--lts-conf', '--display', '--x-server', '--tty', '--hostname', '--ip', '--mac'],
    flags: ['--once', '--help', '-h'],
  });
  if (o.flags.has('--help') || o.flags.has('-h')) {
    process.stdout.write(SCREEN_HELP);
    return 0;
  }
  if (o.positional.length > 1) throw new LtspError('LTSP_USAGE', `unexpected argument ${o.positional[1]}`, {}, 'see ltsp-agent screen --help');
  const vt = parseScreen(o.positional[0]);
  const log = createLogger();

  const playsClient = ['--lts-conf', '--hostname', '--ip', '--mac'].some((f) => o.values.has(f));
  let plan = playsClient ? undefined : bootScreens(log);
  let hostname = o.values.get('--hostname');
  if (!plan) {
    const { facts, client } = await workstationClient(o.values, log);
    const planned = planScreensFor({ config: client.config, facts, server: client.server, hostname: client.hostname });
    for (const p of planned.problems) log[p.severity === 'info' ? 'info' : 'warn'](formatProblem(p));
    plan = planned.plan;
    hostname ??= client.hostname;
  }
  const refused = plan.refused.find((r) => r.vt === vt);
  if (refused) {
    process.stderr.write(`ltsp-agent screen: SCREEN_${String(vt).padStart(2, '0')} = ${refused.script}: ${refused.message}\n`);
    return 64;
  }
  const settings = plan.screens.find((s) => s.vt === vt);
  if (!settings) {
    process.stderr.write(`ltsp-agent screen: SCREEN_${String(vt).padStart(2, '0')} is not set (screens: ${plan.screens.map((s) => `${String(s.vt).padStart(2, '0')}=${s.script}`).join(', ') || 'none'})\n`);
    return 64;
  }

  let display: { display: number; xauthority?: string } | undefined;
  const xProgram = o.values.get('--x-server');
  const given = o.values.get('--display');
  let xDisplay: number | undefined;
  if (given !== undefined) {
    const n = parseDisplay(given);
    if (n === undefined) throw new LtspError('LTSP_USAGE', `--display ${given}: expected :N`);
    if (xProgram !== undefined) xDisplay = n;
    else {
      const xa = process.env['XAUTHORITY'];
      display = { display: n, ...(xa && existsSync(xa) ? { xauthority: xa } : {}) };
    }
  }
  const tty = o.values.get('--tty') ?? (process.stdin.isTTY ? '-' : `/dev/tty${vt}`);
  let terminal: Terminal | undefined;
  const onVt = !o.values.has('--display') && !o.values.has('--tty') && xProgram === undefined;

  // how to run `ltsp-agent login` for the ldm screen: this same program, and the options that say which client it plays
  const self = process.argv[1] ? realpathSync(process.argv[1]) : 'ltsp-agent';
  const agentArgv = [process.execPath, ...process.execArgv, self];
  const loginArgs: string[] = [];
  for (const f of ['--lts-conf', '--hostname', '--ip', '--mac', '--display', '--x-server']) if (o.values.has(f)) loginArgs.push(f, o.values.get(f)!);

  // A signal ends the screen cleanly (X server, kiosk account's processes, scratch files), then exits.
  const abort = new AbortController();
  let signalled: number | undefined;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      signalled = sig === 'SIGINT' ? 130 : 143;
      abort.abort();
      setTimeout(() => void stopAll().finally(() => process.exit(signalled)), 15_000).unref();
    });
  }
  try {
    await runScreen({
      settings,
      ...(plan.defaultVt !== undefined ? { defaultVt: plan.defaultVt } : {}),
      ...(display ? { display } : {}),
      ...(xProgram !== undefined ? { xServer: { program: xProgram, ...(xDisplay !== undefined ? { display: xDisplay } : {}) } } : {}),
      terminal: () => (terminal ??= Terminal.open(tty, log)),
      onVt,
      hostname: hostname ?? 'ltsp',
      agentArgv,
      loginArgs,
      runDir: process.getuid?.() === 0 && existsSync('/run/ltsp') ? '/run/ltsp' : tmpdir(),
      log,
      ...(o.flags.has('--once') ? { rounds: 1 } : {}),
      signal: abort.signal,
    });
  } finally {
    terminal?.close();
    await stopAll();
  }
  return signalled ?? 0;
}
