// `ltsp-agent login`: the LDM replacement on its own. On a thin client the ldm screen runs it
// with the settings the boot planned (/run/ltsp/login.json); an admin runs it on a workstation
// to test a server exactly the way a client would log in (`--lts-conf`, `--server`,
// `--known-hosts` from the image, `--display` of the desktop). Either way the settings come
// from the login planner (agent/steps/login.ts): this command reads no lts.conf key itself.

import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseOptions } from './args.ts';
import { workstationClient } from './workstation.ts';
import { LtspError, formatProblem } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { LOGIN_FILE, LOGIN_SECRETS_FILE, planLoginFor, type LoginPlan, type LoginSecrets, type LoginSettings } from '../steps/login.ts';
import { DEFAULT_KNOWN_HOSTS, greeterTexts, runLogin, type DisplayInfo, type DisplaySpec } from '../login/flow.ts';
import { power } from '../exec/power.ts';
import type { Greeter } from '../login/greeter.ts';
import { parseDisplay } from '../login/xauth.ts';
import { stopAll } from '../exec/process.ts';

export const LOGIN_HELP = `Usage: ltsp-agent login [options]

Logs in to an LTSP server the way LDM did: asks ldminfod (TCP 9571) of every LDM_SERVER,
shows the greeter, connects with SSH checking the server's host key against the image's
known_hosts, and runs the desktop session on the server with its windows on this display.

Its settings are the ones the boot planned into /run/ltsp/login.json (see them with
ltsp-agent --dry-run). With --lts-conf, or where no boot wrote them (a workstation), it plans
them the same way from that lts.conf (default /etc/lts.conf) and this machine's facts.

Options:
  --lts-conf FILE      plan the settings from this lts.conf instead of the boot's
  --server HOST[:PORT] log in to this server instead of LDM_SERVER (its key may be filed
                       under the name "server", as ltsp-update-sshkeys writes it)
  --display :N         use this running X server (XAUTHORITY from the environment);
                       default: $DISPLAY, else start an X server for the ldm screen
  --x-server PROGRAM   X server to start (default Xorg; Xvfb for a test)
  --screen NN          the SCREEN_NN to run as (display :NN on vtNN, its SCREEN_NN_* overrides);
                       default: 07 when it runs ldm, else the first SCREEN_NN=ldm
  --known-hosts FILE   known_hosts to check host keys against (repeatable; default
                       ${DEFAULT_KNOWN_HOSTS.join(' and ')})
  --greeter x11|console|ldm  the graphical greeter (default), questions on this terminal,
                       or an existing LDM greeter (LDM_GREETER, default ldmgtkgreet) over
                       LDM's pipe protocol
  --hostname NAME, --ip ADDR, --mac MAC   play this client (lts.conf sections, LTSP_CLIENT);
                       implies planning from lts.conf
  --loop               log in again after each logout (the thin-client screen); default: once
  -h, --help

As root with its own X server (the thin client) the greeter's Restart and Shut down reboot or
power off the client (logind, else systemctl, openrc-shutdown, reboot/poweroff), and a power-off
SHUTDOWN_TIME asked for during a session happens at its logout; /run/ltsp/session-active/ exists
while a session runs.

Exit status: 0 the session ran and ended; 1 the login failed (the reason is printed);
3 the user chose reboot or shutdown (on a workstation: nothing else happens); 64 usage error.
`;

/** The greeters are other modules behind the Greeter contract; load only the one asked for. */
async function makeGreeter(kind: string, d: DisplayInfo, settings: LoginSettings, log: Logger): Promise<Greeter> {
  if (kind === 'console') {
    const { ConsoleGreeter } = await import('../login/greeter-console.ts');
    return new ConsoleGreeter({ output: process.stderr }); // stdout stays free for scripts
  }
  if (kind === 'ldm') {
    const { LdmPipeGreeter } = await import('../login/greeter-ldm-pipe.ts');
    // the environment ldm gave its greeter: the display and the LDM_* settings it reads (never the password)
    const env: Record<string, string> = { ...d.env };
    for (const [k, v] of Object.entries(settings.hookEnv)) if (k.startsWith('LDM_')) env[k] = v;
    return new LdmPipeGreeter({ ...(settings.ldmGreeter ? { program: settings.ldmGreeter } : {}), env, log });
  }
  const { X11Greeter } = await import('../login/greeter-x11.ts');
  const themeDir = settings.greeterLook?.themeDir;
  return X11Greeter.open({ display: `:${d.display}`, ...(d.xauthority ? { xauthority: d.xauthority } : {}), log, texts: greeterTexts(settings), ...(themeDir ? { themeDir } : {}) });
}

function splitHostPort(s: string): { host: string; port?: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new LtspError('LTSP_USAGE', `--server ${s}: expected HOST or HOST:PORT`);
  const port = m[2] !== undefined ? Number(m[2]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new LtspError('LTSP_USAGE', `--server ${s}: port out of range`);
  return { host: m[1]!, ...(port !== undefined ? { port } : {}) };
}

/** The boot's planned settings, when this is a booted client and no --lts-conf asks otherwise. */
function bootSettings(log: Logger): { plan: LoginPlan; secrets?: LoginSecrets } | undefined {
  let text: string;
  try {
    text = readFileSync(LOGIN_FILE, 'utf8');
  } catch {
    return undefined;
  }
  const plan = JSON.parse(text) as LoginPlan;
  let secrets: LoginSecrets | undefined;
  try {
    secrets = JSON.parse(readFileSync(LOGIN_SECRETS_FILE, 'utf8')) as LoginSecrets;
  } catch {
    /* no autologin/guest password, or not root */
  }
  log.info({ file: LOGIN_FILE, screens: plan.screens.map((s) => s.vt) }, 'login settings planned at boot');
  return secrets ? { plan, secrets } : { plan };
}

export async function loginCommand(args: string[]): Promise<number> {
  const o = parseOptions(args, {
    values: ['--lts-conf', '--server', '--display', '--x-server', '--greeter', '--hostname', '--ip', '--mac', '--screen'],
    repeatable: ['--known-hosts'],
    flags: ['--loop', '--help', '-h'],
  });
  if (o.flags.has('--help') || o.flags.has('-h')) {
    process.stdout.write(LOGIN_HELP);
    return 0;
  }
  if (o.positional.length > 0) throw new LtspError('LTSP_USAGE', `unexpected argument ${o.positional[0]}`, {}, 'see ltsp-agent login --help');
  const greeterKind = o.values.get('--greeter') ?? 'x11';
  if (!['x11', 'console', 'ldm'].includes(greeterKind)) throw new LtspError('LTSP_USAGE', `--greeter ${greeterKind}: expected x11, console or ldm`);
  const wantScreen = o.values.has('--screen') ? Number(o.values.get('--screen')) : undefined;
  if (wantScreen !== undefined && !(Number.isInteger(wantScreen) && wantScreen >= 1 && wantScreen <= 12)) throw new LtspError('LTSP_USAGE', `--screen ${o.values.get('--screen')}: expected 01..12`);
  const log = createLogger();

  const playsClient = ['--lts-conf', '--hostname', '--ip', '--mac'].some((f) => o.values.has(f));
  let planned = playsClient ? undefined : bootSettings(log);
  if (!planned) {
    const { facts, client } = await workstationClient(o.values, log);
    const login = planLoginFor({ config: client.config, facts, server: client.server, hostname: client.hostname });
    for (const p of login.problems) log[p.severity === 'info' ? 'info' : 'warn'](formatProblem(p));
    planned = login.secrets ? { plan: login.plan, secrets: login.secrets } : { plan: login.plan };
  }
  const screens = planned.plan.screens;
  // without --screen: tty7 (the ltsp-login unit's screen) when it runs ldm, else the first ldm screen
  const picked = wantScreen !== undefined ? screens.find((s) => s.vt === wantScreen) : (screens.find((s) => s.vt === 7) ?? screens[0]);
  if (!picked) {
    throw new LtspError('LTSP_USAGE', wantScreen !== undefined ? `screen ${String(wantScreen).padStart(2, '0')} does not run ldm` : 'no screen runs ldm in lts.conf', {}, 'set SCREEN_07=ldm in lts.conf, or pick a screen with --screen');
  }
  const server = o.values.has('--server') ? splitHostPort(o.values.get('--server')!) : undefined;
  const settings: LoginSettings = server ? { ...picked, servers: [server.host], bootServer: server.host, ...(server.port ? { sshPort: server.port } : {}) } : picked;
  const password = planned.secrets?.passwords[String(settings.vt)];
  const ip = settings.client.ip;
  if (ip === undefined) throw new LtspError('LTSP_FACT_MISSING', 'this machine has no IPv4 address to give the server as LTSP_CLIENT', {}, 'bring up the network or pass --ip');

  // Which display: --display, else $DISPLAY (an admin's desktop), else start X for the ldm screen.
  let display: DisplaySpec;
  const given = o.values.get('--display') ?? (o.values.has('--x-server') ? undefined : process.env['DISPLAY']);
  if (given !== undefined) {
    const n = parseDisplay(given);
    if (n === undefined) throw new LtspError('LTSP_USAGE', `--display ${given}: expected :N`);
    const xa = process.env['XAUTHORITY'] ?? (process.env['HOME'] ? `${process.env['HOME']}/.Xauthority` : undefined);
    display = { kind: 'existing', display: n, ...(xa && existsSync(xa) ? { xauthority: xa } : {}) };
  } else {
    // root (the thin client) keeps the Xauthority under /run/ltsp; an admin's try in their temp dir
    const runDir = process.getuid?.() === 0 ? '/run/ltsp' : tmpdir();
    display = { kind: 'start', display: settings.vt, vt: settings.vt, program: o.values.get('--x-server') ?? 'Xorg', args: settings.xserverArgs, runDir };
  }

  // Interrupted (Ctrl-C, the screen stopping): stop the X server and the relay we started.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)));
  }
  // The thin client (root, its own X server): Restart and Shut down really do, and SHUTDOWN_TIME's
  // HALT waits for the logout. On a workstation or an admin's display they only end the login.
  const root = process.getuid?.() === 0;
  const thinClient = root && display.kind === 'start';
  const result = await runLogin({
    settings,
    runDir: root ? '/run/ltsp' : tmpdir(),
    ...(thinClient ? { power: (a: 'poweroff' | 'reboot') => power(a, { log }) } : {}),
    notice: async (d: DisplayInfo, text: string) => {
      const { showX11Notice } = await import('../login/greeter-x11.ts');
      return showX11Notice({ display: `:${d.display}`, ...(d.xauthority ? { xauthority: d.xauthority } : {}) }, text);
    },
    ...(password !== undefined ? { password } : {}),
    clientIp: ip,
    display,
    knownHostsFiles: o.multi.get('--known-hosts') ?? DEFAULT_KNOWN_HOSTS,
    // one round unless --loop; a failing autologin retries in place (as LDM did) rather than exiting
    // into the service manager's restart limit
    ...(o.flags.has('--loop') ? {} : { maxSessions: 1 }),
    greeter: (d: DisplayInfo) => makeGreeter(greeterKind, d, settings, log),
    log,
  });
  switch (result.kind) {
    case 'done':
      process.stderr.write(`ltsp-agent login: session ended${result.last?.dropped ? ' (connection lost)' : ''}\n`);
      return 0;
    case 'failed':
      process.stderr.write(`ltsp-agent login: ${result.error.describe()}\n`);
      return 1;
    default:
      process.stderr.write(`ltsp-agent login: the user chose ${result.kind}\n`);
      return 3;
  }
}
