// The text screens' terminal: the virtual terminal (or, for tests and workstations, this
// process's own standard input and output). Text programs (a shell, telnet) run on it either
// through node-pty, the design's optional native module (a pseudo-terminal relayed to the VT,
// so the agent keeps the VT), or, where node-pty is not installed (the bundle does not carry
// native code), directly on the terminal device: `setsid --ctty` makes the program the
// terminal's session leader, so that Ctrl-C and job control work as on a getty's shell.

import { spawn } from 'node:child_process';
import { openSync, closeSync, realpathSync } from 'node:fs';
import { ReadStream, WriteStream, isatty } from 'node:tty';
import { Readable, Writable } from 'node:stream';
import { createRequire } from 'node:module';
import { LtspError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';

interface PtyModule {
  spawn(file: string, args: string[], opts: { name: string; cols: number; rows: number; env: Record<string, string>; cwd?: string }): {
    onData(cb: (d: string) => void): void;
    onExit(cb: (e: { exitCode: number; signal?: number }) => void): void;
    write(d: string): void;
    kill(sig?: string): void;
  };
}

/** node-pty when installed next to the agent; undefined otherwise (the bundle marks it external). */
function loadPty(): PtyModule | undefined {
  if (process.env['LTSP_AGENT_PTY'] === 'off') return undefined;
  try {
    // resolved from the agent's own place (dist/ltsp-agent or the sources), then Node's global folders
    return createRequire(realpathSync(process.argv[1] ?? process.cwd()))('node-pty') as PtyModule;
  } catch {
    return undefined;
  }
}

export class Terminal {
  readonly input: Readable;
  readonly output: Writable;
  /** The device's file descriptor (for the direct fallback), or undefined for this process's stdio. */
  readonly #fd: number | undefined;
  readonly #log: Logger;
  #sink: ((b: Buffer) => void) | undefined;
  #ended = false;
  /** Typed ahead of what was asked (a line after the one read): given to the next reader. */
  #pending = '';

  private constructor(input: Readable, output: Writable, fd: number | undefined, log: Logger) {
    this.input = input;
    this.output = output;
    this.#fd = fd;
    this.#log = log;
    input.on('data', (b: Buffer) => this.#sink?.(b));
    input.on('end', () => {
      this.#ended = true;
      this.#sink?.(Buffer.alloc(0));
    });
    input.on('error', () => {
      this.#ended = true;
      this.#sink?.(Buffer.alloc(0));
    });
    input.pause();
  }

  /** `-`: this process's stdin/stdout; else a terminal device such as /dev/tty3. */
  static open(device: string, log: Logger = silentLogger): Terminal {
    if (device === '-') return new Terminal(process.stdin, process.stdout, undefined, log);
    let fd: number;
    try {
      fd = openSync(device, 'r+');
    } catch (e) {
      throw new LtspError('LTSP_EXEC_FAILED', `cannot open the terminal ${device}: ${(e as Error).message}`, {}, 'run the screen as root on its virtual terminal, or pass --tty -');
    }
    if (!isatty(fd)) {
      closeSync(fd);
      throw new LtspError('LTSP_USAGE', `${device} is not a terminal`);
    }
    return new Terminal(new ReadStream(fd), new WriteStream(fd), fd, log);
  }

  /** The terminal's input has ended (a closed pipe; a VT never ends). */
  get inputEnded(): boolean {
    return this.#ended;
  }

  get isTTY(): boolean {
    return (this.input as Partial<ReadStream>).isTTY === true;
  }

  write(text: string): void {
    // a terminal wants CR LF
    this.output.write(this.isTTY ? text.replace(/\r?\n/g, '\r\n') : text);
  }

  #raw(on: boolean): void {
    const r = this.input as Partial<ReadStream>;
    if (r.isTTY && typeof r.setRawMode === 'function') r.setRawMode(on);
  }

  /** One line typed on the terminal (the terminal's line discipline echoes it); undefined at end of input. */
  readLine(): Promise<string | undefined> {
    this.#raw(false);
    return new Promise((resolve) => {
      const take = (): boolean => {
        const nl = this.#pending.search(/[\r\n]/);
        if (nl >= 0) {
          const line = this.#pending.slice(0, nl);
          this.#pending = this.#pending.slice(this.#pending[nl] === '\r' && this.#pending[nl + 1] === '\n' ? nl + 2 : nl + 1);
          resolve(line);
          return true;
        }
        if (this.#ended) {
          const rest = this.#pending;
          this.#pending = '';
          resolve(rest.length > 0 ? rest : undefined);
          return true;
        }
        return false;
      };
      if (take()) return;
      this.#sink = (b) => {
        this.#pending += b.toString('utf8');
        if (take()) {
          this.#sink = undefined;
          this.input.pause();
        }
      };
      this.input.resume();
    });
  }

  /** Run a text program on this terminal until it ends; its exit code (128+signal when killed). */
  async run(argv: readonly string[], env: Record<string, string>): Promise<number> {
    const pty = loadPty();
    if (pty) return this.#runPty(pty, argv, env);
    return this.#runDirect(argv, env);
  }

  #runPty(pty: PtyModule, argv: readonly string[], env: Record<string, string>): Promise<number> {
    const out = this.output as Partial<WriteStream>;
    const p = pty.spawn(argv[0]!, argv.slice(1), { name: env['TERM'] ?? 'linux', cols: out.columns ?? 80, rows: out.rows ?? 25, env, cwd: env['HOME'] ?? '/' });
    this.#log.info({ argv, via: 'node-pty' }, 'text program started');
    this.#raw(true);
    return new Promise((resolve) => {
      p.onData((d) => this.output.write(d));
      if (this.#pending) p.write(this.#pending);
      this.#pending = '';
      if (this.#ended) p.write('\x04');
      this.#sink = (b) => {
        if (b.length > 0) p.write(b.toString('utf8'));
        else p.write('\x04'); // our input ended: end of file for the program, as Ctrl-D
      };
      this.input.resume();
      p.onExit(({ exitCode, signal }) => {
        this.#sink = undefined;
        this.input.pause();
        this.#raw(false);
        resolve(signal ? 128 + signal : exitCode);
      });
    });
  }

  #runDirect(argv: readonly string[], env: Record<string, string>): Promise<number> {
    const fd = this.#fd;
    const onTty = fd !== undefined || this.isTTY;
    // the program becomes the terminal's session leader (setsid --ctty), as under a getty
    const full = onTty ? ['setsid', '--ctty', '--wait', ...argv] : [...argv];
    this.#log.info({ argv: full, via: 'terminal device' }, 'text program started');
    return new Promise((resolve) => {
      // on a terminal the program reads it itself; from a pipe (a test) it gets what we were given
      const stdio = fd !== undefined ? [fd, fd, fd] : onTty ? ['inherit', 'inherit', 'inherit'] : ['pipe', 'inherit', 'inherit'];
      const child = spawn(full[0]!, full.slice(1), { stdio: stdio as never, env });
      if (child.stdin) {
        child.stdin.on('error', () => undefined);
        if (this.#pending) child.stdin.write(this.#pending);
        this.#pending = '';
        if (this.#ended) child.stdin.end();
        else {
          this.#sink = (b) => (b.length > 0 ? child.stdin!.write(b) : child.stdin!.end());
          this.input.resume();
        }
      }
      const done = (code: number) => {
        this.#sink = undefined;
        this.input.pause();
        resolve(code);
      };
      child.on('error', () => done(127));
      child.on('exit', (code, signal) => done(code ?? (signal ? 128 + (SIGNALS[signal] ?? 15) : 1)));
    });
  }

  close(): void {
    this.#sink = undefined;
    this.input.pause();
    if (this.#fd !== undefined) {
      this.input.destroy();
      this.output.destroy();
    }
  }
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
