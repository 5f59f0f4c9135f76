// An existing LDM greeter (ldmgtkgreet, or a site's own) driven over LDM's pipe protocol
// (LDM's greeter_iface.c): one command per line on its stdin, one reply per line on its stdout, with
// "@GUEST@" and "@<pref>@" callbacks arriving whenever the user presses something.
// The greeter reads LDM_SERVER, LDM_GUESTLOGIN ... from its environment, as under ldm.

import { LtspError } from '../core/errors.ts';
import { registerSecret, silentLogger, type Logger } from '../core/log.ts';
import { startDaemon, type Daemon } from '../exec/process.ts';
import type { Greeter, GreeterAnswer, GreeterSetup } from './greeter.ts';

export const LDM_GREETER = '/usr/lib/ldm/ldmgtkgreet';

export interface LdmPipeGreeterOptions {
  /** The greeter program (LDM_GREETER); default /usr/lib/ldm/ldmgtkgreet. */
  program?: string;
  /** DISPLAY, XAUTHORITY and any LDM_* settings (LDM_THEME, LDM_MENU_ITEM_n ...) the greeter reads. */
  env?: Readonly<Record<string, string>>;
  log?: Logger;
}

/** The environment ldm gives its greeter, from what the flow knows. */
export function greeterEnv(setup: GreeterSetup): Record<string, string> {
  const env: Record<string, string> = {
    // The greeter's host menu lists LDM_SERVER in order and preselects the first entry.
    LDM_SERVER: [setup.defaultServer, ...setup.servers.map((s) => s.host).filter((h) => h !== setup.defaultServer)].join(' '),
    LDM_GUESTLOGIN: setup.allowGuest ? 'True' : 'False',
  };
  if (setup.title.ip) env['LDMINFO_IPADDR'] = setup.title.ip;
  if (setup.loginTimeoutS) env['LDM_LOGIN_TIMEOUT'] = String(setup.loginTimeoutS);
  if (setup.forcedSession) env['LDM_FORCE_SESSION'] = setup.forcedSession;
  if (setup.forcedLanguage) env['LDM_FORCE_LANGUAGE'] = setup.forcedLanguage;
  return env;
}

/** Text for a `msg`/`prompt` line: GTK markup escaped, and on one line (a newline would end the command). */
export function markup(text: string): string {
  return text
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .trim();
}

const GUEST = '@guest@';

export class LdmPipeGreeter implements Greeter {
  private child: Daemon | undefined;
  private lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private exited = false;
  private readonly program: string;
  private readonly log: Logger;

  constructor(private readonly opts: LdmPipeGreeterOptions = {}) {
    this.program = opts.program ?? LDM_GREETER;
    this.log = opts.log ?? silentLogger;
  }

  async ask(setup: GreeterSetup): Promise<GreeterAnswer> {
    this.start(setup);
    this.send(`allowguest ${setup.allowGuest ? 'true' : 'false'}`);
    this.send('prompt <b>Username</b>');
    const username = await this.request('userid');
    if (username === undefined) return this.guest(setup);
    this.send('prompts <b>Password</b>');
    const password = await this.request('passwd');
    if (password === undefined) return this.guest(setup);
    registerSecret(password);
    const { server, session, language } = await this.choices(setup);
    return { kind: 'login', username, password, server, session, language };
  }

  async message(text: string, kind: 'info' | 'error'): Promise<void> {
    if (!this.child) return;
    this.send(`msg ${kind === 'error' ? `<b>${markup(text)}</b>` : markup(text)}`);
  }

  async prompt(text: string, echo: boolean): Promise<string> {
    if (!this.child) throw new LtspError('LTSP_EXEC_FAILED', 'prompt() before ask(): the LDM greeter is not running');
    this.send('allowguest false');
    this.send(`prompt ${markup(text)}`);
    let answer: string | undefined;
    do answer = await this.request(echo ? 'userid' : 'passwd');
    while (answer === undefined); // a guest press means nothing while the server asks
    if (!echo) registerSecret(answer);
    return answer;
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    this.send('quit', child);
    // ldm gives the greeter a moment to exit on "quit", then stops it.
    await Promise.race([child.exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await child.stop();
  }

  private start(setup: GreeterSetup): void {
    if (this.child && !this.exited) return;
    this.exited = false;
    this.lines = [];
    const child = startDaemon('ldm-greeter', [this.program], {
      env: { ...greeterEnv(setup), ...this.opts.env },
      stdin: 'pipe',
      stdio: 'pipe',
      log: this.log,
    });
    this.child = child;
    let partial = '';
    child.child.stdout!.setEncoding('utf8');
    child.child.stdout!.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const p of parts) this.receive(p.trim());
    });
    child.child.stderr!.setEncoding('utf8');
    child.child.stderr!.on('data', (chunk: string) => this.log.debug({ greeter: this.program, stderr: chunk.trim() }, 'greeter says'));
    child.child.stdin!.on('error', () => undefined); // it died: noticed when its stdout ends
    // The end of its stdout, not its exit, says no more replies will come: the exit may be
    // reported before the last lines are read.
    child.child.stdout!.on('close', () => {
      this.exited = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.(undefined);
    });
    void child.exited.then(({ code, signal }) => {
      if (this.child === child) this.log.warn({ greeter: this.program, code, signal }, 'the LDM greeter exited');
    });
  }

  private send(line: string, child = this.child): void {
    if (!child || this.exited) return;
    child.child.stdin!.write(`${line}\n`);
  }

  private receive(line: string): void {
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w(line);
    } else this.lines.push(line);
  }

  private nextLine(): Promise<string | undefined> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve(undefined);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /**
   * Send a command and wait for its reply. undefined: the user chose guest login (the
   * @GUEST@ callback). Other callbacks (@backend@: only ssh is supported) are passed over.
   */
  private async request(command: string): Promise<string | undefined> {
    this.send(command);
    for (;;) {
      const line = await this.nextLine();
      if (line === undefined) {
        throw new LtspError('LTSP_EXEC_FAILED', `the LDM greeter ${this.program} exited while asked "${command}"`, {}, 'check the greeter on the console (LDM_GREETER), or use the built-in greeter');
      }
      if (/^@.*@$/.test(line)) {
        if (line.toLowerCase() === GUEST) return undefined;
        this.log.info({ callback: line }, 'LDM greeter callback ignored');
        continue;
      }
      return line;
    }
  }

  /** Server, language and session, asked after the credentials as ldm does. */
  private async choices(setup: GreeterSetup): Promise<{ server: string; session?: string; language?: string }> {
    const value = async (command: string) => {
      let r: string | undefined;
      do r = await this.request(command);
      while (r === undefined);
      return r.startsWith('None') || r === '' ? undefined : r;
    };
    const server = (await value('hostname')) ?? setup.defaultServer;
    const language = await value('language');
    const session = await value('session');
    return { server, session, language };
  }

  private async guest(setup: GreeterSetup): Promise<GreeterAnswer> {
    const { server, session, language } = await this.choices(setup);
    return { kind: 'guest', server, session, language };
  }
}
