// `ltsp-agent login`: the LDM replacement on its own. On a thin client the screen runs it with
// the boot's lts.conf; an admin runs it on a workstation to test a server exactly the way a
// client would log in (`--server`, `--known-hosts` from the image, `--display` of the desktop).

import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { parseOptions } from './args.ts';
import { Config } from '../config/config.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { loadLtsConf } from '../config/ltsconf-load.ts';
import { LtspError, formatProblem } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { gatherFacts } from '../facts/gather.ts';
import { resolveClient } from '../boot/make-plan.ts';
import { soundSessionEnv } from '../steps/sound.ts';
import { screenTable } from '../steps/screens.ts';
import { XSERVER_ARGS_FILE } from '../steps/x.ts';
import { DEFAULT_KNOWN_HOSTS, runLogin, type DisplayInfo, type DisplaySpec } from '../login/flow.ts';
import type { Greeter } from '../login/greeter.ts';
import { parseDisplay } from '../login/xauth.ts';
import { stopAll } from '../exec/process.ts';

export const LOGIN_HELP = `Usage: ltsp-agent login [options]

Logs in to an LTSP server the way LDM did: asks ldminfod (TCP 9571) of every LDM_SERVER,
shows the greeter, connects with SSH checking the server's host key against the image's
known_hosts, and runs the desktop session on the server with its windows on this display.

Options:
  --lts-conf FILE      lts.conf to use (default /etc/lts.conf when it exists)
  --server HOST[:PORT] log in to this server instead of LDM_SERVER (its key may be filed
                       under the name "server", as ltsp-update-sshkeys writes it)
  --display :N         use this running X server (XAUTHORITY from the environment);
                       default: $DISPLAY, else start an X server for the ldm screen
  --x-server PROGRAM   X server to start (default Xorg; Xvfb for a test)
  --screen NN          the SCREEN_NN to run as (display :NN on vtNN, its SCREEN_NN_* overrides);
                       default: the first SCREEN_NN=ldm, else 07
  --known-hosts FILE   known_hosts to check host keys against (repeatable; default
                       ${DEFAULT_KNOWN_HOSTS.join(' and ')})
  --greeter x11|console|ldm  the graphical greeter (default), questions on this terminal,
                       or an existing LDM greeter (LDM_GREETER, default ldmgtkgreet) over
                       LDM's pipe protocol
  --hostname NAME, --ip ADDR, --mac MAC   play this client (lts.conf sections, LTSP_CLIENT)
  --loop               log in again after each logout (the thin-client screen); default: once
  -h, --help

Exit status: 0 the session ran and ended; 1 the login failed (the reason is printed);
3 the user chose reboot or shutdown; 64 usage error.
`;

/** The greeters are other modules behind the Greeter contract; load only the one asked for. */
async function makeGreeter(kind: string, d: DisplayInfo, config: Config, log: Logger): Promise<Greeter> {
  if (kind === 'console') {
    const { ConsoleGreeter } = await import('../login/greeter-console.ts');
    return new ConsoleGreeter({ output: process.stderr }); // stdout stays free for scripts
  }
  if (kind === 'ldm') {
    const { LdmPipeGreeter } = await import('../login/greeter-ldm-pipe.ts');
    // the environment ldm gave its greeter: the display and the LDM_* settings it reads
    const env: Record<string, string> = { ...d.env };
    for (const [k, v] of config.entries()) if (k.startsWith('LDM_') && k !== 'LDM_PASSWORD') env[k] = v.value;
    return new LdmPipeGreeter({ ...(config.nonEmpty('LDM_GREETER') ? { program: config.nonEmpty('LDM_GREETER')! } : {}), env, log });
  }
  const { X11Greeter } = await import('../login/greeter-x11.ts');
  return X11Greeter.open({ display: `:${d.display}`, ...(d.xauthority ? { xauthority: d.xauthority } : {}), log });
}

function loadConfig(file: string | undefined, log: Logger): { conf: ParsedConf | undefined } {
  const path = file ?? (existsSync('/etc/lts.conf') ? '/etc/lts.conf' : undefined);
  if (path === undefined) return { conf: undefined };
  const conf = loadLtsConf({ kind: 'host', path });
  for (const p of conf.problems) log.warn(formatProblem(p));
  return { conf };
}

function splitHostPort(s: string): { host: string; port?: number } {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s) ?? /^([^:]+)(?::(\d+))?$/.exec(s);
  if (!m) throw new LtspError('LTSP_USAGE', `--server ${s}: expected HOST or HOST:PORT`);
  const port = m[2] !== undefined ? Number(m[2]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) throw new LtspError('LTSP_USAGE', `--server ${s}: port out of range`);
  return { host: m[1]!, ...(port !== undefined ? { port } : {}) };
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
  const log = createLogger();

  const gathered = await gatherFacts({
    overrides: {
      ...(o.values.has('--hostname') ? { hostname: o.values.get('--hostname')! } : {}),
      ...(o.values.has('--ip') ? { ip: o.values.get('--ip')! } : {}),
      ...(o.values.has('--mac') ? { mac: o.values.get('--mac')! } : {}),
    },
  });
  // --hostname is the name this client goes by, as if DHCP had given it (LTSP 5 would otherwise
  // derive "ltspNN" from the address)
  const facts = o.values.has('--hostname') ? { ...gathered, dhcpHostname: o.values.get('--hostname')! } : gathered;
  const { conf } = loadConfig(o.values.get('--lts-conf'), log);
  const client = resolveClient(conf, facts);
  for (const p of client.problems) log.warn(formatProblem(p));
  let config: Config = client.config;
  const ip = facts.ip?.value;
  if (ip === undefined) throw new LtspError('LTSP_FACT_MISSING', 'this machine has no IPv4 address to give the server as LTSP_CLIENT', {}, 'bring up the network or pass --ip');

  const server = o.values.has('--server') ? splitHostPort(o.values.get('--server')!) : undefined;

  // Which display: --display, else $DISPLAY (an admin's desktop), else start X for the ldm screen.
  let display: DisplaySpec;
  const given = o.values.get('--display') ?? (o.values.has('--x-server') ? undefined : process.env['DISPLAY']);
  if (given !== undefined) {
    const n = parseDisplay(given);
    if (n === undefined) throw new LtspError('LTSP_USAGE', `--display ${given}: expected :N`);
    const xa = process.env['XAUTHORITY'] ?? (process.env['HOME'] ? `${process.env['HOME']}/.Xauthority` : undefined);
    display = { kind: 'existing', display: n, ...(xa && existsSync(xa) ? { xauthority: xa } : {}) };
  } else {
    const screens = screenTable(config, []);
    const want = o.values.has('--screen') ? Number(o.values.get('--screen')) : undefined;
    if (want !== undefined && !(Number.isInteger(want) && want >= 1 && want <= 12)) throw new LtspError('LTSP_USAGE', `--screen ${o.values.get('--screen')}: expected 01..12`);
    const ldm = (want !== undefined ? screens.screens.find((s) => s.vt === want) : screens.screens.find((s) => s.script === 'ldm')) ?? { vt: want ?? 7, overrides: {} };
    config = config.with(Object.entries(ldm.overrides).map(([k, v]) => [k, { value: v, origin: { kind: 'derived', why: `SCREEN_${String(ldm.vt).padStart(2, '0')}_${k}` } }]));
    let xargs: string[] = [];
    try {
      xargs = (JSON.parse(readFileSync(XSERVER_ARGS_FILE, 'utf8')) as { args: string[] }).args;
    } catch {
      /* the X step wrote nothing: Xorg autoconfigures */
    }
    // root (the thin client) keeps the Xauthority under /run/ltsp; an admin's try in their temp dir
    const runDir = process.getuid?.() === 0 ? '/run/ltsp' : tmpdir();
    display = { kind: 'start', display: ldm.vt, vt: ldm.vt, program: o.values.get('--x-server') ?? 'Xorg', args: xargs, runDir };
  }

  // Interrupted (Ctrl-C, the screen stopping): stop the X server and the relay we started.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => void stopAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)));
  }
  const result = await runLogin({
    config,
    client: { ip, hostname: client.hostname, ...(facts.mac ? { mac: facts.mac.value } : {}) },
    display,
    ...(server ? { servers: [server.host], bootServer: server.host, ...(server.port ? { sshPort: server.port } : {}) } : { bootServer: client.server }),
    knownHostsFiles: o.multi.get('--known-hosts') ?? DEFAULT_KNOWN_HOSTS,
    soundEnv: soundSessionEnv({ config, facts }),
    // one round unless --loop; a failing autologin retries in place (as LDM did) rather than exiting
    // into the service manager's restart limit
    ...(o.flags.has('--loop') ? {} : { maxSessions: 1 }),
    greeter: (d: DisplayInfo) => makeGreeter(greeterKind, d, config, log),
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
