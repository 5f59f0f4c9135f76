// Every external program the agent starts goes through here: no shell, a timeout, output
// captured and bounded, and a registry of long-running children so that they can be
// stopped by PID. A registered secret (a password) is refused in argv and environment:
// those are readable by every local user through /proc.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { LtspError } from '../core/errors.ts';
import { isSecretValue, type Logger, silentLogger } from '../core/log.ts';

export interface RunOptions {
  env?: Readonly<Record<string, string>>;
  /** Replace the environment instead of extending process.env. */
  cleanEnv?: boolean;
  timeoutMs?: number;
  stdin?: string | Buffer;
  cwd?: string;
  signal?: AbortSignal;
  /** Keep at most this many bytes of stdout/stderr each (default 1 MiB). */
  maxOutput?: number;
  log?: Logger;
}

export interface RunResult {
  readonly argv: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

function checkNoSecrets(argv: readonly string[], env: Readonly<Record<string, string>> | undefined): void {
  if (argv.some(isSecretValue) || Object.values(env ?? {}).some(isSecretValue)) {
    throw new LtspError('LTSP_EXEC_FAILED', `refusing to start ${argv[0]}: a password would be visible in its argv or environment`);
  }
}

function childEnv(opts: RunOptions): NodeJS.ProcessEnv {
  return opts.cleanEnv ? { ...opts.env } : { ...process.env, ...opts.env };
}

/** Run a program to completion. Never rejects for a non-zero exit: the caller decides. */
export function runProgram(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  checkNoSecrets(argv, opts.env);
  const log = opts.log ?? silentLogger;
  const started = performance.now();
  const max = opts.maxOutput ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(argv[0]!, argv.slice(1), {
        env: childEnv(opts),
        cwd: opts.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: opts.signal,
      } satisfies SpawnOptions);
    } catch (e) {
      reject(e);
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout!.on('data', (b: Buffer) => {
      if (outLen < max) out.push(b);
      outLen += b.length;
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (errLen < max) err.push(b);
      errLen += b.length;
    });
    let timedOut = false;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 2000).unref();
          }, opts.timeoutMs)
        : undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new LtspError('LTSP_EXEC_FAILED', `${argv[0]}: program not found`, {}, `install the package that provides ${argv[0]} in the client chroot`)
          : e,
      );
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const ms = performance.now() - started;
      const result: RunResult = {
        argv,
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8').slice(0, max),
        stderr: Buffer.concat(err).toString('utf8').slice(0, max),
        ms,
      };
      log.debug({ argv, code, signal, ms: Math.round(ms) }, 'ran');
      if (timedOut) {
        reject(new LtspError('LTSP_EXEC_TIMEOUT', `${argv[0]} did not finish within ${opts.timeoutMs} ms and was stopped`));
        return;
      }
      resolve(result);
    });
    child.stdin!.on('error', () => undefined); // the program may exit without reading stdin
    child.stdin!.end(opts.stdin ?? '');
  });
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the program has exited (with its code or signal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const running = new Set<Daemon>();

export interface DaemonOptions extends Omit<RunOptions, 'timeoutMs' | 'stdin' | 'maxOutput'> {
  /** Where the daemon's stdout/stderr go (default: ignored). */
  stdio?: 'ignore' | 'inherit' | 'pipe';
  /** 'pipe' for a program spoken to over stdin (an LDM greeter), 'inherit' for a screen's terminal; default: ignored. */
  stdin?: 'ignore' | 'pipe' | 'inherit';
  /** Run as this user and group (the kiosk screen's unprivileged account). */
  uid?: number;
  gid?: number;
  /** Start in its own process group (default true) so that stop() reaches its children too. */
  detached?: boolean;
}

/** Start a long-running program; it is stopped by stopAll() or its own stop(). */
export function startDaemon(name: string, argv: readonly string[], opts: DaemonOptions = {}): Daemon {
  checkNoSecrets(argv, opts.env);
  const child = spawn(argv[0]!, argv.slice(1), {
    env: childEnv(opts),
    cwd: opts.cwd,
    stdio: [opts.stdin ?? 'ignore', opts.stdio ?? 'ignore', opts.stdio ?? 'ignore'],
    detached: opts.detached ?? true,
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: 127, signal: null }));
  });
  const d: Daemon = {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    async stop(graceMs = 3000) {
      running.delete(d);
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
      const kill = (sig: NodeJS.Signals) => {
        try {
          if (opts.detached ?? true) process.kill(-child.pid!, sig);
          else child.kill(sig);
        } catch {
          /* already gone */
        }
      };
      kill('SIGTERM');
      const t = setTimeout(() => kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
  running.add(d);
  void exited.then(() => running.delete(d));
  (opts.log ?? silentLogger).info({ daemon: name, pid: d.pid, argv }, 'started');
  return d;
}

export function runningDaemons(): Daemon[] {
  return [...running];
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((d) => d.stop()));
}
