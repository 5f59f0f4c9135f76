// A two-host lab for integration tests: a "server" and a "client" network namespace joined
// by a veth pair, addresses only inside them (10.77.N.1 server, 10.77.N.2 client). Daemons
// started through the lab are killed by PID at teardown; teardown also runs on test failure
// (use withLab) and deletes the namespaces, which removes the veth pair.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface Lab {
  readonly id: string;
  readonly srv: string;
  readonly cli: string;
  readonly serverIp: string;
  readonly clientIp: string;
  readonly subnet: string;
  /** Scratch directory, removed at teardown. */
  readonly dir: string;
  /** Run a command in a namespace and return stdout (throws on non-zero exit). */
  exec(ns: string, argv: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): string;
  /** Start a long-running program in a namespace; killed at teardown. */
  spawn(ns: string, argv: string[], opts?: { env?: NodeJS.ProcessEnv; log?: string }): ChildProcess;
  /** Kill a process tree by PID at teardown (for daemons that fork: pass their pidfile's PID). */
  adoptPid(pid: number): void;
  /** Wait until a TCP/UDP port listens in a namespace. */
  waitPort(ns: string, proto: 'tcp' | 'udp', port: number, timeoutMs?: number): Promise<void>;
  /** Add cleanup work, run in reverse order at teardown. */
  defer(fn: () => void | Promise<void>): void;
  teardown(): Promise<void>;
}

let counter = 0;

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Whether this machine can run the lab (root + ip netns). Tests skip with this reason otherwise. */
export function labUnavailable(): string | undefined {
  if (!isRoot()) return 'needs root for network namespaces';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'needs iproute2 (ip)';
  }
  return undefined;
}

export function hasProgram(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function createLab(opts: { subnet?: number } = {}): Promise<Lab> {
  const id = `${process.pid % 10000}${(counter++).toString(36)}${randomBytes(1).toString('hex')}`;
  const srv = `lsrv${id}`;
  const cli = `lcli${id}`;
  const n = opts.subnet ?? 77;
  const serverIp = `10.${n}.0.1`;
  const clientIp = `10.${n}.0.2`;
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-lab-'));
  const children: ChildProcess[] = [];
  const pids: number[] = [];
  const deferred: Array<() => void | Promise<void>> = [];
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

  const lab: Lab = {
    id,
    srv,
    cli,
    serverIp,
    clientIp,
    subnet: `10.${n}.0.0/24`,
    dir,
    exec(ns, argv, o = {}) {
      return execFileSync('ip', ['netns', 'exec', ns, ...argv], {
        input: o.input,
        env: o.env ?? process.env,
        timeout: o.timeoutMs ?? 30_000,
        stdio: ['pipe', 'pipe', 'pipe'],
      }).toString();
    },
    spawn(ns, argv, o = {}) {
      const out = o.log ? openSync(o.log, 'a') : 'ignore';
      const child = spawn('ip', ['netns', 'exec', ns, ...argv], {
        env: o.env ?? process.env,
        stdio: ['ignore', out, out],
        detached: true,
      });
      children.push(child);
      return child;
    },
    adoptPid(pid) {
      pids.push(pid);
    },
    async waitPort(ns, proto, port, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const out = lab.exec(ns, ['ss', '-Hln', proto === 'tcp' ? '-t' : '-u', `sport = :${port}`]);
        if (out.trim().length > 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${proto}/${port} is not listening in ${ns} after ${timeoutMs} ms`);
    },
    defer(fn) {
      deferred.push(fn);
    },
    async teardown() {
      for (const fn of deferred.reverse()) {
        try {
          await fn();
        } catch (e) {
          console.error('lab teardown step failed:', e);
        }
      }
      for (const c of children) killTree(c.pid);
      for (const p of pids) killTree(p);
      await new Promise((r) => setTimeout(r, 100));
      for (const c of children) killTree(c.pid, 'SIGKILL');
      for (const p of pids) killTree(p, 'SIGKILL');
      for (const ns of [srv, cli]) {
        try {
          ip('netns', 'del', ns);
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    ip('netns', 'add', srv);
    ip('netns', 'add', cli);
    ip('link', 'add', `vs${id}`, 'type', 'veth', 'peer', 'name', `vc${id}`);
    ip('link', 'set', `vs${id}`, 'netns', srv);
    ip('link', 'set', `vc${id}`, 'netns', cli);
    ip('-n', srv, 'addr', 'add', `${serverIp}/24`, 'dev', `vs${id}`);
    ip('-n', cli, 'addr', 'add', `${clientIp}/24`, 'dev', `vc${id}`);
    for (const ns of [srv, cli]) ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', srv, 'link', 'set', `vs${id}`, 'up');
    ip('-n', cli, 'link', 'set', `vc${id}`, 'up');
  } catch (e) {
    await lab.teardown();
    throw e;
  }
  return lab;
}

/** Interface names inside the namespaces. */
export function labInterfaces(lab: Lab): { srv: string; cli: string } {
  return { srv: `vs${lab.id}`, cli: `vc${lab.id}` };
}

/** Run fn with a fresh lab; the lab is always torn down, also when fn throws. */
export async function withLab<T>(fn: (lab: Lab) => Promise<T>, opts?: { subnet?: number }): Promise<T> {
  const lab = await createLab(opts);
  try {
    return await fn(lab);
  } finally {
    await lab.teardown();
  }
}

export function readPidFile(path: string, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (existsSync(path)) {
        const pid = Number(readFileSync(path, 'utf8').trim());
        if (pid > 0) return resolve(pid);
      }
      if (Date.now() > deadline) return reject(new Error(`no pid in ${path}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

function killTree(pid: number | undefined, sig: NodeJS.Signals = 'SIGTERM'): void {
  if (!pid) return;
  try {
    process.kill(-pid, sig);
  } catch {
    /* not a group leader or gone */
  }
  try {
    process.kill(pid, sig);
  } catch {
    /* gone */
  }
}

