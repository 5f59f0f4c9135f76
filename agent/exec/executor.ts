// The one place where the plan touches the machine (the `re` of LTSP 20). Steps run as a
// graph: each starts as soon as the steps it needs have finished, independent steps run at
// the same time, a failed step only blocks the steps that need it, and nothing that fails
// stops the boot.
//
// With --root DIR, files are written under DIR and programs are not run: they are recorded
// in DIR/run/ltsp/commands.log, so a test can compare the whole tree a boot would produce.
// `runCommands` runs them anyway (lab tests in a network namespace), with client paths in
// argv mapped under DIR.

import { errorMessage, LtspError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { type Action, type Arg, isClientPath, type StepName, type StepPlan } from '../plan/actions.ts';
import { topoOrder } from '../plan/plan.ts';
import { FileSystem } from './files.ts';
import { swaponLocal } from './local-swap.ts';
import { attachNbd, nbdClientArgv } from './nbd.ts';
import { describeAction, shellQuote } from '../plan/describe.ts';
import { type Daemon, runProgram, startDaemon } from './process.ts';
import { Timeline, type StepOutcome } from './timeline.ts';
import { connect } from 'node:net';
import { writeFile } from 'node:fs/promises';

export { describeAction, shellQuote };

/** The plan's files are written afresh at every boot: atomic, but not fsync'ed (see writeAtomic). */
const BOOT_FILE = { durable: false } as const;

export interface ExecutorOptions {
  root?: string;
  /** Under --root, run programs anyway (default: only under "/"). */
  runCommands?: boolean;
  log?: Logger;
  timeline?: Timeline;
  /** Starts forwarding the agent's own log (the boot's logger); without it the action is only recorded. */
  forwardLog?: (targets: readonly string[]) => void;
  /** Default per-command timeout. */
  commandTimeoutMs?: number;
}

export interface StepResult {
  readonly step: StepName;
  readonly outcome: StepOutcome;
  /** Why it failed, was skipped or blocked. */
  readonly reason?: string;
  readonly ms: number;
}

export class Executor {
  readonly fs: FileSystem;
  readonly log: Logger;
  readonly timeline: Timeline;
  readonly runsCommands: boolean;
  readonly daemons: Daemon[] = [];
  readonly #timeoutMs: number;
  readonly #forwardLog: ((targets: readonly string[]) => void) | undefined;

  constructor(opts: ExecutorOptions = {}) {
    this.fs = new FileSystem(opts.root ?? '/');
    this.log = opts.log ?? silentLogger;
    this.timeline = opts.timeline ?? new Timeline();
    this.runsCommands = opts.runCommands ?? this.fs.root === '/';
    this.#timeoutMs = opts.commandTimeoutMs ?? 60_000;
    this.#forwardLog = opts.forwardLog;
  }

  /** Apply every step; resolves when all have finished, failed or been blocked. Never rejects. */
  async apply(steps: readonly StepPlan[]): Promise<StepResult[]> {
    const ordered = topoOrder(steps);
    const known = new Set(ordered.map((s) => s.step));
    const done = new Map<StepName, Promise<StepResult>>();
    for (const s of ordered) {
      const needs = s.needs.filter((n) => known.has(n));
      const entry = this.timeline.queue(s.step, needs);
      const deps = needs.map((n) => done.get(n)!);
      done.set(
        s.step,
        Promise.all(deps).then(async (results) => {
          const failed = results.filter((r) => r.outcome === 'failed' || r.outcome === 'blocked');
          const t0 = performance.now();
          entry.startedAt = this.timeline.now();
          let result: StepResult;
          if (failed.length > 0) {
            const reason = `needs ${failed.map((f) => f.step).join(', ')}, which did not succeed`;
            this.log.warn({ step: s.step, reason }, 'step blocked');
            result = { step: s.step, outcome: 'blocked', reason, ms: 0 };
          } else if (s.invalid !== undefined) {
            this.log.error({ step: s.step, reason: s.invalid }, 'step refused by its configuration');
            result = { step: s.step, outcome: 'failed', reason: s.invalid, ms: 0 };
          } else if (s.skipped !== undefined) {
            this.log.info({ step: s.step, reason: s.skipped }, 'step skipped');
            result = { step: s.step, outcome: 'skipped', reason: s.skipped, ms: 0 };
          } else {
            result = await this.#runStep(s, t0);
          }
          entry.endedAt = this.timeline.now();
          entry.outcome = result.outcome;
          if (result.reason !== undefined) entry.detail = result.reason;
          return result;
        }),
      );
    }
    return Promise.all(ordered.map((s) => done.get(s.step)!));
  }

  async #runStep(s: StepPlan, t0: number): Promise<StepResult> {
    const log = this.log.child({ step: s.step });
    log.info({ actions: s.actions.length }, 'step started');
    for (const a of s.actions) {
      try {
        await this.applyAction(a, log);
      } catch (e) {
        const reason = `${describeAction(a)}: ${errorMessage(e)}`;
        if (a.kind === 'run' && a.bestEffort) {
          log.warn({ reason, keys: a.keys }, 'best-effort action failed; step goes on');
          continue;
        }
        log.error({ reason, keys: a.keys }, 'step failed');
        return { step: s.step, outcome: 'failed', reason, ms: performance.now() - t0 };
      }
    }
    const ms = performance.now() - t0;
    log.info({ ms: Math.round(ms) }, 'step done');
    return { step: s.step, outcome: 'ok', ms };
  }

  /**
   * A client path as a program's argument: its directories resolved beneath the root, the last
   * name kept as it is. The program itself decides whether to follow a final link (mkswap on
   * the /run/ltsp/dev/nbd-swap link attach-nbd made to a device of this machine must; sed -i
   * replaces a link instead of writing through it).
   */
  mapArg(a: Arg): string {
    return isClientPath(a) ? this.fs.map(a.path, { followFinal: false }) : a;
  }

  /** Apply one action. Throws a typed error naming the action on failure. */
  async applyAction(a: Action, log: Logger = this.log): Promise<void> {
    switch (a.kind) {
      case 'mkdir':
        return this.fs.mkdir(a.path, a.mode);
      case 'write-file':
        return this.fs.writeAtomic(a.path, a.content, a.mode, { ...BOOT_FILE, ...(a.secret ? { secret: true } : {}) });
      case 'append-lines':
        return this.#append(a.path, a.lines, a.header, a.mode);
      case 'symlink':
        return this.fs.symlink(a.path, a.target);
      case 'remove':
        return this.fs.remove(a.path);
      case 'forward-agent-log':
        // Like a program: under --root (no commands run) it is recorded, and nothing is sent.
        if (!this.#forwardLog || !this.runsCommands) return this.#record(['forward-agent-log', ...a.targets], undefined, 'forward-agent-log');
        this.#forwardLog(a.targets);
        return;
      case 'export-env':
        return this.#append(
          '/run/ltsp/ltsp_config_env',
          Object.entries(a.vars).map(([k, v]) => `${k}=${shellQuote(v)}`),
        );
      // Kernel settings go to this kernel's /proc/sys (never under --root): what `hostname`
      // and `sysctl` do, without starting a program. Recorded as the sysctl they amount to.
      case 'set-hostname':
        if (!this.runsCommands) return this.#record([`kernel.hostname=${a.hostname}`], undefined, 'sysctl');
        return writeFile('/proc/sys/kernel/hostname', a.hostname);
      case 'sysctl':
        if (!/^[a-z0-9_]+(\.[a-z0-9_-]+)+$/.test(a.key)) throw new LtspError('LTSP_VALUE_INVALID', `not a sysctl key: ${a.key}`);
        if (!this.runsCommands) return this.#record([`${a.key}=${a.value}`], undefined, 'sysctl');
        return writeFile(`/proc/sys/${a.key.replace(/\./g, '/')}`, a.value + '\n');
      case 'run': {
        const argv = a.argv.map((x) => this.mapArg(x));
        if (!this.runsCommands) return this.#record(argv, a.env);
        const r = await runProgram(argv, { env: a.env, timeoutMs: a.timeoutMs ?? this.#timeoutMs, stdin: a.stdin, log });
        const ok = a.okExit ?? [0];
        if (r.code === null || !ok.includes(r.code)) {
          const tail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
          throw new LtspError('LTSP_EXEC_FAILED', `exited with ${r.code ?? r.signal}${tail ? `: ${tail}` : ''}`);
        }
        return;
      }
      case 'daemon': {
        const argv = a.argv.map((x) => this.mapArg(x));
        if (!this.runsCommands) return this.#record(argv, a.env, `daemon ${a.name}`);
        const d = startDaemon(a.name, argv, { env: a.env, log });
        // Left running after the boot: the agent must be able to exit (init-ltsp goes on to
        // exec /sbin/init) while the daemon serves, so its handle does not hold the agent.
        d.child.unref();
        this.daemons.push(d);
        if (a.readyWhen) await waitReady(d, a.readyWhen, a.readyTimeoutMs ?? 10_000);
        return;
      }
      case 'attach-nbd':
        if (!this.runsCommands) return this.#record(nbdClientArgv(a, '/dev/nbdN'), undefined, 'attach-nbd');
        await attachNbd(a, this.fs, { log, timeoutMs: this.#timeoutMs });
        return;
      case 'swapon-local':
        if (!this.runsCommands) return this.#record(['swapon', '<every local swap partition>', ...(a.encrypt ? ['(encrypted)'] : [])], undefined, 'swapon-local');
        await swaponLocal(a.encrypt, log);
        return;
    }
  }

  async #record(argv: readonly string[], env?: Readonly<Record<string, string>>, label = 'run'): Promise<void> {
    const envPart = env ? Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)} `).join('') : '';
    const root = this.fs.root;
    const shown = argv.map((x) => (root !== '/' && x.startsWith(root + '/') ? x.slice(root.length) : x));
    await this.#append('/run/ltsp/commands.log', [`${label}: ${envPart}${shown.map(shellQuote).join(' ')}`]);
  }

  readonly #appending = new Map<string, Promise<void>>();

  /**
   * Appends to one file one at a time. An append reads the file, adds the lines and renames a
   * new copy into place, so two concurrent steps appending to the same file (commands.log,
   * ltsp_config_env) would otherwise lose one of the two.
   */
  #append(path: string, lines: readonly string[], header?: string, mode?: number): Promise<void> {
    const next = (this.#appending.get(path) ?? Promise.resolve()).catch(() => undefined).then(() => this.fs.appendLines(path, lines, header, mode, BOOT_FILE));
    this.#appending.set(path, next);
    return next;
  }

  async stopDaemons(): Promise<void> {
    await Promise.all(this.daemons.map((d) => d.stop()));
  }
}

async function waitReady(d: Daemon, when: NonNullable<Extract<Action, { kind: 'daemon' }>['readyWhen']>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void d.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new LtspError('LTSP_EXEC_FAILED', `${d.name} exited during start-up`);
    const ok = await new Promise<boolean>((resolve) => {
      const sock = 'tcpPort' in when ? connect(when.tcpPort, when.host ?? '127.0.0.1') : connect(when.socket);
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new LtspError('LTSP_EXEC_TIMEOUT', `${d.name} did not become ready within ${timeoutMs} ms`);
}
