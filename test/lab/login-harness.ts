// Shared set-up for the login integration tests: sshd + a test user + an ldminfod in the server
// namespace, known_hosts as ltsp-update-sshkeys writes it, a tiny Xsession wrapper that records
// the session environment, and a driver (test/lab/login-driver.ts) running the real login flow
// in the client namespace, where it starts its own Xvfb.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lab } from './lab.ts';
import { startSshd, createUser, type TestSshd, type TestUser } from './sshd.ts';
import { startLdminfod } from './ldminfod.ts';
import type { DriverInput } from './login-driver.ts';

const DRIVER = fileURLToPath(new URL('./login-driver.ts', import.meta.url));

export interface LoginRig {
  readonly lab: Lab;
  readonly sshd: TestSshd;
  readonly user: TestUser;
  readonly knownHosts: string;
  readonly xsession: string;
  readonly runDir: string;
  readonly display: number;
  readonly logFile: string;
  readonly base: DriverInput;
}

/** A display number nobody uses (X displays are global: /tmp/.X11-unix is shared by the namespaces). */
export function freeDisplay(): number {
  for (let n = 150 + Math.floor(Math.random() * 200); n < 600; n++) {
    if (!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number');
}

export async function makeRig(
  lab: Lab,
  o: { ldminfod?: boolean; keyboardInteractive?: boolean; rating?: number; extraAddresses?: string[] } = {},
): Promise<LoginRig> {
  chmodSync(lab.dir, 0o755); // the test user's session on the "server" reads the wrapper from here
  for (const a of o.extraAddresses ?? []) execFileSync('ip', ['-n', lab.srv, 'addr', 'add', `${a}/24`, 'dev', `vs${lab.id}`]);
  const sshd = await startSshd(lab, {
    ...(o.keyboardInteractive === false ? { keyboardInteractive: false } : {}),
    ...(o.extraAddresses ? { extraAddresses: o.extraAddresses } : {}),
  });
  const user = createUser(lab);
  const srvDir = join(lab.dir, 'srv');
  mkdirSync(srvDir, { recursive: true, mode: 0o755 });
  const xsession = join(srvDir, 'Xsession');
  // Like /etc/X11/Xsession for our purpose: record the environment, then run the session.
  writeFileSync(xsession, '#!/bin/sh\nenv > "$HOME/session-env"\nexec /bin/sh -c "$1"\n', { mode: 0o755 });
  if (o.ldminfod !== false) {
    await startLdminfod(lab, { languages: ['en_US.UTF-8', 'de_DE.UTF-8'], sessions: [{ name: 'Logo', exec: 'xlogo' }], xsession, rating: o.rating ?? 80 });
  }
  const knownHosts = join(lab.dir, 'ssh_known_hosts');
  sshd.writeKnownHosts(knownHosts);
  const runDir = join(lab.dir, 'run');
  mkdirSync(runDir, { recursive: true });
  const display = freeDisplay();
  // The driver's X server runs in its own process group; if a failing test kills the driver,
  // the X server must still go: its lock file names its PID.
  lab.defer(() => killDisplay(display, lab.dir));
  const logFile = join(lab.dir, 'agent.log');
  return {
    lab,
    sshd,
    user,
    knownHosts,
    xsession,
    runDir,
    display,
    logFile,
    base: {
      config: { LDM_SERVER: lab.serverIp, SERVER: lab.serverIp, LDM_SESSION: 'xlogo', KILL_DBUS_DAEMON: 'False' },
      client: { ip: lab.clientIp, hostname: 'ltsp-test', mac: '52:54:00:aa:bb:cc' },
      display: { kind: 'start', display, program: 'Xvfb', args: ['-screen', '0', '800x600x24'], runDir },
      knownHostsFiles: [knownHosts],
      rcDirs: [join(lab.dir, 'rc.d')],
      answers: [],
      maxSessions: 1,
      logFile,
    },
  };
}

/** Stop the X server on display n (by the PID in its lock file) if it is ours. */
export async function killDisplay(n: number, ownedBy: string): Promise<void> {
  let pid = 0;
  try {
    pid = Number(readFileSync(`/tmp/.X${n}-lock`, 'utf8').trim());
    // only our own X server (its -auth file is in our lab directory): the number may be someone else's by now
    if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(ownedBy)) return;
  } catch {
    return; // no X server there
  }
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  // TERM first: X removes its own lock file and socket then
  if (pid > 0 && signal('SIGTERM')) {
    for (let i = 0; i < 40 && signal(0 as unknown as NodeJS.Signals); i++) await new Promise((r) => setTimeout(r, 50));
    signal('SIGKILL');
  }
  rmSync(`/tmp/.X${n}-lock`, { force: true });
  rmSync(`/tmp/.X11-unix/X${n}`, { force: true });
}

export interface Driver {
  readonly child: ChildProcess;
  readonly events: Array<Record<string, unknown>>;
  waitFor(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  readonly done: Promise<{ result: Record<string, unknown>; rss?: number }>;
}

export function drive(rig: LoginRig, input: Partial<DriverInput>): Driver {
  const full: DriverInput = { ...rig.base, ...input, config: { ...rig.base.config, ...(input.config ?? {}) } };
  const child = spawn('ip', ['netns', 'exec', rig.lab.cli, process.execPath, '--import', 'tsx', DRIVER], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  rig.lab.defer(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* done */
    }
  });
  const events: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        events.push({ ev: 'stdout', line });
      }
      for (const w of waiters) w();
    }
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // A driver that hangs is killed before the test's own timeout, so that withLab's teardown
  // (users, daemons, namespaces) always runs.
  const guard = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 50_000);
  const exited = new Promise<void>((r) => child.on('close', () => {
    clearTimeout(guard);
    for (const w of waiters) w();
    r();
  }));
  child.stdin!.end(JSON.stringify(full));
  const waitFor: Driver['waitFor'] = (pred, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const e = events.find(pred);
        if (e) return resolve(e);
        if (child.exitCode !== null) return reject(new Error(`driver exited; events: ${JSON.stringify(events)}\nstderr: ${stderr}`));
      };
      const t = setTimeout(() => reject(new Error(`timeout waiting; events: ${JSON.stringify(events)}\nstderr: ${stderr}`)), timeoutMs);
      waiters.push(() => {
        check();
      });
      check();
      void exited.then(() => clearTimeout(t));
    });
  const done = exited.then(() => {
    const r = events.find((e) => e['ev'] === 'result');
    if (!r) throw new Error(`driver ended without a result; events: ${JSON.stringify(events)}\nstderr: ${stderr}`);
    const rss = events.find((e) => e['ev'] === 'rss')?.['bytes'] as number | undefined;
    return { result: r['result'] as Record<string, unknown>, ...(rss !== undefined ? { rss } : {}) };
  });
  done.catch(() => undefined); // a test that fails first must report its own error, not this one
  return { child, events, waitFor, done };
}

export function xauthorityIn(runDir: string): string | undefined {
  if (!existsSync(runDir)) return undefined;
  for (const d of readdirSync(runDir)) if (d.startsWith('xauth-') && existsSync(join(runDir, d, 'Xauthority'))) return join(runDir, d, 'Xauthority');
  return undefined;
}

/** Poll `xwininfo -root -tree` on the client display until a window whose line matches appears. */
export async function waitForWindow(rig: LoginRig, match: RegExp, timeoutMs = 30_000, xauthority?: string): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const xa = xauthority ?? xauthorityIn(rig.runDir);
    if (xa) {
      try {
        last = execFileSync('xwininfo', ['-root', '-tree', '-display', `:${rig.display}`], { env: { ...process.env, XAUTHORITY: xa }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
        const line = last.split('\n').find((l) => match.test(l));
        if (line) return line.trim();
      } catch {
        /* X not up yet */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const agentLog = existsSync(rig.logFile) ? readFileSync(rig.logFile, 'utf8').slice(-6000) : '(no agent log)';
  const sshdLog = existsSync(join(rig.sshd.dir, 'sshd.log')) ? readFileSync(join(rig.sshd.dir, 'sshd.log'), 'utf8').slice(-3000) : '';
  throw new Error(`no window matching ${match} on :${rig.display}; last tree:\n${last}\nagent log:\n${agentLog}\nsshd log:\n${sshdLog}`);
}

/** End the user's session on the server the hard way (what an admin's pkill does). */
export function killSession(rig: LoginRig): void {
  try {
    execFileSync('pkill', ['-KILL', '-u', rig.user.name], { stdio: 'ignore' });
  } catch {
    /* nothing left */
  }
}
