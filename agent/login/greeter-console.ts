// A text greeter for clients without X and for debugging over a serial line: it asks on a
// terminal (raw mode, so the password is not echoed) or on plain streams (one answer per
// line, for pipes and tests). Choices that the X greeter cycles through are "!" commands
// here, so a user name is always just typed.

import { StringDecoder } from 'node:string_decoder';
import { LtspError } from '../core/errors.ts';
import { registerSecret } from '../core/log.ts';
import type { Greeter, GreeterAnswer, GreeterSetup } from './greeter.ts';
import { FAILSAFE_SESSION, languageOption } from './x11/greeter-form.ts';

export interface ConsoleStreams {
  input?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  output?: NodeJS.WritableStream;
}

/** A line was abandoned with Ctrl-C / Ctrl-D, or the login timeout passed with nothing typed. */
const CANCELLED = Symbol('cancelled');
const TIMED_OUT = Symbol('timed out');
/**
 * The input is gone for good (end of a pipe, a hung-up terminal, a read error): every later
 * read answers this at once, so a caller must stop asking rather than loop.
 */
const ENDED = Symbol('ended');
type LineResult = string | typeof CANCELLED | typeof TIMED_OUT | typeof ENDED;

/** The greeter's input ended (closed stdin, a hung-up serial line or tty): nobody can answer. */
export function inputEnded(): LtspError {
  return new LtspError(
    'LTSP_GREETER_INPUT_ENDED',
    'the console greeter\'s input ended (closed stdin or a hung-up terminal); nobody can log in on it',
    {},
    'run the console greeter on a terminal (getty, a serial console) or use --greeter x11',
  );
}

/** Reads lines from a terminal in raw mode (echo under our control) or from a plain stream. */
class LineReader {
  private readonly decoder = new StringDecoder('utf8');
  private pending = ''; // received, not yet consumed
  private line = ''; // the line being typed (raw mode)
  private waiter: { hidden: boolean; done(r: LineResult): void } | undefined;
  /** A terminal in raw mode: we echo, and lines end in CR LF (the tty no longer adds the CR). */
  readonly raw: boolean;
  private ended = false;
  private readonly onData = (chunk: Buffer | string) => {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    this.pump();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.pump();
  };
  // A hung-up terminal reports EIO rather than an end: the same for us.
  private readonly onError = () => this.onEnd();

  constructor(
    private readonly input: NonNullable<ConsoleStreams['input']>,
    private readonly output: NodeJS.WritableStream,
  ) {
    this.raw = Boolean(input.isTTY && input.setRawMode);
    if (this.raw) input.setRawMode!(true);
    input.on('data', this.onData);
    input.on('end', this.onEnd);
    input.on('close', this.onEnd);
    input.on('error', this.onError);
    input.resume();
  }

  read(hidden: boolean, timeoutS?: number): Promise<LineResult> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = () => {
        if (timeoutS === undefined) return;
        timer = setTimeout(() => {
          if (this.line !== '') return arm(); // someone is typing: wait for them
          this.finish(TIMED_OUT);
        }, timeoutS * 1000);
      };
      this.waiter = {
        hidden,
        done: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      arm();
      this.pump();
    });
  }

  close(): void {
    this.input.removeListener('data', this.onData);
    this.input.removeListener('end', this.onEnd);
    this.input.removeListener('close', this.onEnd);
    this.input.removeListener('error', this.onError);
    this.input.pause();
    // a hung-up terminal may refuse the mode switch; the greeter is closing either way
    if (this.raw) {
      try {
        this.input.setRawMode!(false);
      } catch {
        /* nothing left to restore */
      }
    }
    this.finish(CANCELLED);
  }

  get newline(): string {
    return this.raw ? '\r\n' : '\n';
  }

  private finish(r: LineResult): void {
    const w = this.waiter;
    this.waiter = undefined;
    this.line = '';
    // A pipe echoes nothing, not even the Enter: end the prompt's line ourselves.
    if (w && !this.raw && typeof r === 'string') this.output.write('\n');
    w?.done(r);
  }

  private pump(): void {
    while (this.waiter) {
      if (!this.raw) {
        const nl = this.pending.indexOf('\n');
        if (nl < 0) {
          if (!this.ended) return;
          // a last line without its newline still counts, once; then the input is over
          const last = this.pending;
          this.pending = '';
          this.finish(last !== '' ? last : ENDED);
          continue;
        }
        const line = this.pending.slice(0, nl).replace(/\r$/, '');
        this.pending = this.pending.slice(nl + 1);
        this.finish(line);
        continue;
      }
      if (this.pending === '') {
        if (this.ended) this.finish(ENDED);
        return;
      }
      const ch = [...this.pending][0]!;
      this.pending = this.pending.slice(ch.length);
      this.key(ch);
    }
  }

  /** One character typed on a raw terminal. */
  private key(ch: string): void {
    const echo = (s: string) => {
      if (!this.waiter?.hidden) this.output.write(s);
    };
    switch (ch) {
      case '\r':
      case '\n': {
        this.output.write('\r\n');
        this.finish(this.line);
        return;
      }
      case '\x7f':
      case '\b':
        if (this.line !== '') {
          this.line = [...this.line].slice(0, -1).join('');
          echo('\b \b');
        }
        return;
      case '\x15': // Ctrl-U: erase the line
        echo('\b \b'.repeat([...this.line].length));
        this.line = '';
        return;
      case '\x03': // Ctrl-C
      case '\x04': // Ctrl-D
        this.output.write('^C\r\n');
        this.finish(CANCELLED);
        return;
      case '\x1b': // an escape sequence (arrow keys ...): drop it
        this.pending = this.pending.replace(/^(\[[0-9;]*[@-~]|O.)/, '');
        return;
      default:
        if (ch < ' ') return;
        this.line += ch;
        echo(ch);
    }
  }
}

export class ConsoleGreeter implements Greeter {
  private readonly output: NodeJS.WritableStream;
  private readonly reader: LineReader;
  private server: string | undefined;
  private session: string | undefined;
  private language: string | undefined;

  constructor(streams: ConsoleStreams = {}) {
    this.output = streams.output ?? process.stdout;
    this.reader = new LineReader(streams.input ?? process.stdin, this.output);
  }

  private say(text: string): void {
    const nl = this.reader.newline;
    this.output.write(`${text.replace(/\r?\n/g, nl)}${nl}`);
  }

  async ask(setup: GreeterSetup): Promise<GreeterAnswer> {
    if (!this.server || !setup.servers.some((s) => s.host === this.server)) this.server = setup.defaultServer;
    const { hostname, ip } = setup.title;
    const time = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
    this.say('');
    this.say(`${hostname}${ip ? ` (${ip})` : ''}  ·  LTSP  ·  ${time}`);
    const commands = ['!server', '!session', '!language', '!guest', '!reboot', '!shutdown'].filter((c) => this.offers(setup, c));
    this.say(`Log in to ${this.describeServer(setup)}. Other choices: ${commands.join(' ')}`);
    for (;;) {
      const timeout = setup.loginTimeoutS !== undefined && setup.loginTimeoutS > 0 ? setup.loginTimeoutS : undefined;
      this.output.write('login: ');
      const line = await this.reader.read(false, timeout);
      if (line === ENDED) throw this.ended();
      if (line === TIMED_OUT) {
        this.say('');
        this.say('No user name typed in time: logging in as guest.');
        return this.guest();
      }
      if (line === CANCELLED || line.trim() === '') continue;
      const word = line.trim();
      if (word.startsWith('!')) {
        const answer = await this.command(setup, word);
        if (answer) return answer;
        continue;
      }
      this.output.write('Password: ');
      const password = await this.reader.read(true);
      if (password === ENDED) throw this.ended();
      if (password === CANCELLED || password === TIMED_OUT) continue;
      registerSecret(password);
      return { kind: 'login', username: word, password, server: this.server, session: this.session, language: this.language };
    }
  }

  async message(text: string, kind: 'info' | 'error'): Promise<void> {
    this.say(kind === 'error' ? `*** ${text}` : text);
  }

  async prompt(text: string, echo: boolean): Promise<string> {
    this.output.write(/\s$/.test(text) ? text : `${text} `);
    const r = await this.reader.read(!echo);
    if (r === ENDED) throw this.ended();
    const answer = typeof r === 'string' ? r : '';
    if (!echo) registerSecret(answer);
    return answer;
  }

  async close(): Promise<void> {
    this.reader.close();
  }

  /** The prompt's line is left open: end it, then the typed error every question now gets. */
  private ended(): LtspError {
    this.output.write(this.reader.newline);
    return inputEnded();
  }

  private guest(): GreeterAnswer {
    return { kind: 'guest', server: this.server, session: this.session, language: this.language };
  }

  private offers(setup: GreeterSetup, command: string): boolean {
    switch (command) {
      case '!server':
        return setup.servers.length > 1;
      case '!session':
        return setup.forcedSession === undefined;
      case '!language':
        return setup.forcedLanguage === undefined && setup.languages.length > 0;
      case '!guest':
        return setup.allowGuest;
      case '!reboot':
      case '!shutdown':
        return true;
      default:
        return false;
    }
  }

  private describeServer(setup: GreeterSetup): string {
    const s = setup.servers.find((x) => x.host === this.server);
    const note = s?.down ? ', down' : s?.rating !== undefined ? `, ${s.rating}% free` : '';
    return `${this.server}${note}`;
  }

  private async command(setup: GreeterSetup, word: string): Promise<GreeterAnswer | undefined> {
    const command = word.toLowerCase();
    if (!this.offers(setup, command)) {
      this.say(`Unknown choice ${word}.`);
      return undefined;
    }
    switch (command) {
      case '!guest':
        return this.guest();
      case '!reboot':
        return { kind: 'reboot' };
      case '!shutdown':
        return { kind: 'shutdown' };
      case '!server':
        this.server =
          (await this.pick(
            'Server',
            setup.servers.map((s) => ({ label: `${s.host}${s.down ? ' (down)' : s.rating !== undefined ? ` (${s.rating}% free)` : ''}`, value: s.host })),
          )) ?? this.server;
        this.say(`Server: ${this.describeServer(setup)}`);
        return undefined;
      case '!session':
        this.session = await this.pick('Session', [
          { label: 'Default', value: undefined },
          ...setup.sessions.map((s) => ({ label: s.name, value: s.command })),
          { label: 'Failsafe (xterm)', value: FAILSAFE_SESSION },
        ]);
        return undefined;
      case '!language':
        this.language = await this.pick('Language', [{ label: 'Default', value: undefined }, ...setup.languages.map(languageOption)]);
        return undefined;
    }
    return undefined;
  }

  /** A numbered menu; Enter alone (or a wrong number) keeps "Default". */
  private async pick(title: string, options: readonly { label: string; value: string | undefined }[]): Promise<string | undefined> {
    options.forEach((o, i) => this.say(`  ${i + 1}) ${o.label}`));
    this.output.write(`${title} [1-${options.length}]: `);
    const r = await this.reader.read(false);
    if (r === ENDED) throw this.ended();
    const n = typeof r === 'string' ? Number.parseInt(r.trim(), 10) : NaN;
    return options[n - 1]?.value;
  }
}
