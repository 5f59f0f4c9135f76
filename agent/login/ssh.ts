// The SSH connection to the login server, with node-ssh/ssh2 instead of LDM's expect-style
// chat on an `ssh` in a pty (LDM's ssh.c). What that chat got wrong and this gets right:
//  - host keys: checked against the image's known_hosts (ltsp-update-sshkeys) before any
//    password is sent; unknown, changed or revoked keys fail at once with the server's name,
//    the key's fingerprint and the admin's fix, instead of a 30 s hang;
//  - prompts: keyboard-interactive prompts after the first password prompt go to the greeter
//    one by one, so expired passwords can be changed and localised PAM prompts work;
//  - wrong password: a typed error, the caller shows it and asks again without restarting X;
//  - the password only ever travels inside the encrypted channel; it is registered as a
//    secret so no log line can carry it.

import { connect as tcpConnect, type Socket } from 'node:net';
import { NodeSSH } from 'node-ssh';
import { Readable, type Duplex } from 'node:stream';
import { LtspError } from '../core/errors.ts';
import { registerSecret, silentLogger, type Logger } from '../core/log.ts';
import type { Greeter } from './greeter.ts';
import { algorithmsFor, fingerprint, hostKeyName, keysFor, verifyHostKey, type KnownHostsFile } from './known-hosts.ts';
import { createX11Forwarder } from './x11-forward.ts';

import type { AuthenticationType, Client as Ssh2Client, ClientChannel, ConnectConfig, NextAuthHandler, ServerHostKeyAlgorithm } from 'ssh2';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000; // LDM: -o ConnectTimeout=10
/** The server's share of authentication (PAM, its failure delay); time spent on the user's answers is not counted. */
export const AUTH_TIMEOUT_MS = 60_000;

export interface SshLoginOptions {
  host: string;
  port?: number;
  username: string;
  password: string;
  knownHosts: readonly KnownHostsFile[];
  /** Other names the server's key may be filed under (`server` for the boot server). */
  aliases?: readonly string[];
  /** Shown to the user: keyboard-interactive prompts and server messages. */
  greeter: Pick<Greeter, 'prompt' | 'message'>;
  connectTimeoutMs?: number;
  /** Keepalive interval; 3 unanswered = the connection is dead (default 15 s). */
  keepaliveMs?: number;
  log?: Logger;
}

export interface SessionEnd {
  /** The remote command's exit status, when it ended normally. */
  readonly code?: number;
  readonly signal?: string;
  /** The connection died (network, server reboot, keepalive timeout). */
  readonly dropped: boolean;
}

export interface RemoteSession {
  readonly ended: Promise<SessionEnd>;
  stop(): void;
}

export interface SshConnection {
  readonly host: string;
  readonly port: number;
  /** Run a short command; stdin is streamed to it (the way secrets-free data such as an Xauthority entry reach the server). */
  exec(command: string, stdin?: Buffer | string, timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** The desktop session: X11 forwarded to the client's display (unless DIRECTX), with a pty like `ssh -t`. */
  startSession(command: string, x11?: { display: number; cookie?: Buffer; socketPath?: string }): Promise<RemoteSession>;
  readonly closed: Promise<void>;
  close(): void;
}

function hostkeyFix(host: string): string {
  return `on the LTSP server run "ltsp-update-sshkeys" (for another server: "ltsp-update-sshkeys ${host}"), then rebuild the client image ("ltsp-update-image")`;
}

function hostkeyError(o: Omit<SshLoginOptions, 'password'>, port: number, presented: Buffer): LtspError | undefined {
  const names = [hostKeyName(o.host, port), ...(o.aliases ?? []).map((a) => hostKeyName(a, port))];
  const v = verifyHostKey(o.knownHosts, names, presented);
  const files = o.knownHosts.map((f) => f.file).join(', ') || '(no known_hosts file)';
  const where = { host: o.host, key: 'LDM_SERVER' };
  const fp = fingerprint(presented);
  switch (v.kind) {
    case 'match':
      return undefined;
    case 'revoked':
      return new LtspError('LTSP_SSH_HOSTKEY_CHANGED', `server ${o.host} presented a REVOKED host key ${fp} (${v.key.file}:${v.key.line}); login refused`, where, hostkeyFix(o.host));
    case 'changed':
      return new LtspError(
        'LTSP_SSH_HOSTKEY_CHANGED',
        `the host key of server ${o.host} CHANGED: it presented ${fp}, ${files} has ${v.known.map((k) => `${fingerprint(k.blob)} (line ${k.line})`).join(', ')}. Either the server was reinstalled or someone is impersonating it; login refused`,
        where,
        hostkeyFix(o.host),
      );
    case 'unknown':
      return new LtspError(
        'LTSP_SSH_HOSTKEY_UNKNOWN',
        `the host key of server ${o.host} (${fp}) is not in ${files} under ${names.map((n) => `"${n}"`).join(' or ')}${v.onlyCa ? ' (only a @cert-authority line matches; host certificates are not supported)' : ''}; login refused`,
        where,
        hostkeyFix(o.host),
      );
  }
}

function connectError(o: Pick<SshLoginOptions, 'host'>, port: number, e: NodeJS.ErrnoException | Error, timeoutMs: number): LtspError {
  const code = (e as NodeJS.ErrnoException).code;
  const where = { host: o.host, key: 'LDM_SERVER' };
  const at = `${o.host}:${port}`;
  if (code === 'ECONNREFUSED') return new LtspError('LTSP_SSH_UNREACHABLE', `nothing listens for SSH on ${at} (connection refused)`, where, `start sshd on ${o.host}, or set SSH_OVERRIDE_PORT to the port it listens on`);
  if (code === 'ETIMEDOUT') return new LtspError('LTSP_SSH_UNREACHABLE', `server ${at} did not answer within ${timeoutMs / 1000} s`, where, `check that ${o.host} is up and reachable from this client`);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new LtspError('LTSP_SSH_UNREACHABLE', `cannot resolve the server name ${o.host}`, where, `add ${o.host} to DNS or /etc/hosts, or use its address in LDM_SERVER`);
  return new LtspError('LTSP_SSH_UNREACHABLE', `cannot connect to ${at}: ${e.message}`, where, `check that sshd runs on ${o.host} and the network between them`);
}

/** Connect and authenticate. Rejects with LTSP_SSH_HOSTKEY_*, LTSP_SSH_AUTH or LTSP_SSH_UNREACHABLE. */
export async function sshLogin(options: SshLoginOptions): Promise<SshConnection> {
  // The password is held in one variable that is dropped once authentication is over; the
  // closures that live as long as the connection only see the options without it.
  const { password: typed, ...o } = options;
  let password: string | undefined = typed;
  registerSecret(password);
  const log = o.log ?? silentLogger;
  const port = o.port ?? 22;
  const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;

  // TCP connect + banner + key exchange must finish within ConnectTimeout. Authentication may
  // take as long as the user needs to answer prompts (a password change), so the clock stops
  // at the host key check.
  // noDelay: ssh2's pure-JS cipher path (the bundle has no native addon) writes a packet in
  // two or three pieces; with Nagle on, every X11 round trip then waits for a delayed ACK
  // (measured: 4x slower to the first window). OpenSSH sets TCP_NODELAY for sessions too.
  const sock: Socket = tcpConnect({ host: o.host, port, noDelay: true });
  let failure: LtspError | undefined;
  const timer = setTimeout(() => {
    failure ??= connectError(o, port, Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' }), timeoutMs);
    sock.destroy();
  }, timeoutMs);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', (e) => reject(failure ?? connectError(o, port, e, timeoutMs)));
    sock.once('close', () => reject(failure ?? connectError(o, port, new Error('connection closed'), timeoutMs)));
  }).catch((e: unknown) => {
    clearTimeout(timer);
    throw e;
  });

  const names = [hostKeyName(o.host, port), ...(o.aliases ?? []).map((a) => hostKeyName(a, port))];
  const known = keysFor(o.knownHosts, names).filter((k) => k.marker === undefined);
  // Offer only the key types we know for this server, so a server with several host keys
  // presents the one we can check (OpenSSH orders its offer the same way).
  const hostAlgs = [...new Set(known.flatMap((k) => algorithmsFor(k.type)))];

  // Authentication clock: runs while the server works, stops while the user answers a prompt.
  let authTimer: NodeJS.Timeout | undefined;
  const armAuth = () => {
    clearTimeout(authTimer);
    authTimer = setTimeout(() => {
      failure ??= new LtspError('LTSP_SSH_UNREACHABLE', `server ${o.host} did not finish the login within ${AUTH_TIMEOUT_MS / 1000} s`, { host: o.host }, `check sshd and PAM on ${o.host} (its auth log)`);
      sock.destroy();
    }, AUTH_TIMEOUT_MS);
  };

  let kbdPasswordUsed = false;
  let passwordTried = false;
  let kbdTried = false;
  const prompt = (name: string, instructions: string, _lang: string, prompts: Array<{ prompt: string; echo?: boolean }>, finish: (r: string[]) => void) => {
    void (async () => {
      const answers: string[] = [];
      const info = [name, instructions].map((s) => s.trim()).filter((s) => s.length > 0).join('\n');
      if (info) await o.greeter.message(info, 'info');
      for (const p of prompts) {
        if (!p.echo && !kbdPasswordUsed) {
          // The first hidden prompt is the password the user already typed in the greeter.
          kbdPasswordUsed = true;
          answers.push(password ?? '');
          continue;
        }
        clearTimeout(authTimer);
        const a = await o.greeter.prompt(p.prompt.trim(), p.echo ?? false);
        armAuth();
        if (!p.echo) registerSecret(a);
        answers.push(a);
      }
      finish(answers);
    })().catch((e: unknown) => {
      log.warn({ err: e }, 'greeter prompt failed');
      finish([]);
    });
  };

  const config: ConnectConfig = {
    sock,
    host: o.host,
    port,
    username: o.username,
    readyTimeout: 0,
    keepaliveInterval: o.keepaliveMs ?? 15_000,
    keepaliveCountMax: 3,
    ...(hostAlgs.length > 0 ? { algorithms: { serverHostKey: hostAlgs as ServerHostKeyAlgorithm[] } } : {}),
    hostVerifier: (key: Buffer) => {
      clearTimeout(timer);
      failure = hostkeyError(o, port, key);
      if (failure) log.warn({ host: o.host, code: failure.code }, failure.message);
      else armAuth();
      return failure === undefined;
    },
    authHandler: (methodsLeft: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler) => {
      const can = (m: AuthenticationType) => methodsLeft === null || methodsLeft.includes(m);
      if (!kbdTried && can('keyboard-interactive')) {
        kbdTried = true;
        return next({ type: 'keyboard-interactive', username: o.username, prompt });
      }
      // password only when the server does not do keyboard-interactive at all: after a failed
      // keyboard-interactive round the password was wrong, and a second try only adds PAM's delay.
      if (!kbdPasswordUsed && can('password') && !passwordTried) {
        passwordTried = true;
        return next({ type: 'password', username: o.username, password: password ?? '' });
      }
      // ssh2 takes false for "no more methods" (its README); @types/ssh2 leaves that out.
      return (next as unknown as (a: false) => void)(false);
    },
  };

  const ssh = new NodeSSH();
  try {
    await ssh.connect(config as Parameters<NodeSSH['connect']>[0]);
  } catch (e) {
    clearTimeout(timer);
    sock.destroy();
    if (failure) throw failure;
    const err = e as Error & { level?: string; code?: string };
    if (err.level === 'client-authentication') {
      throw new LtspError('LTSP_SSH_AUTH', `login as ${o.username} on ${o.host} failed: wrong user name or password`, { host: o.host }, 'type the user name and password again');
    }
    if (err.level === 'handshake' && /host key/i.test(err.message) && known.length > 0) {
      throw new LtspError(
        'LTSP_SSH_HOSTKEY_CHANGED',
        `server ${o.host} no longer has a host key of the type(s) ${[...new Set(known.map((k) => k.type))].join(', ')} recorded in known_hosts; login refused`,
        { host: o.host, key: 'LDM_SERVER' },
        hostkeyFix(o.host),
      );
    }
    throw connectError(o, port, err, timeoutMs);
  } finally {
    clearTimeout(timer);
    clearTimeout(authTimer);
    password = undefined;
  }

  const conn: Ssh2Client | null = ssh.connection;
  if (!conn) throw new LtspError('LTSP_SSH_UNREACHABLE', `the connection to ${o.host} closed right after login`, { host: o.host, key: 'LDM_SERVER' }, 'try again; see the server\'s sshd log');
  const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
  // After login a socket error (reset, keepalive timeout) only means the session is over;
  // 'close' follows and ends it. Without a listener ssh2's 'error' would kill the agent.
  conn.on('error', (e: Error) => log.warn({ host: o.host, err: e.message }, 'ssh: connection error'));
  log.info({ host: o.host, port, user: o.username }, 'ssh: logged in');

  return {
    host: o.host,
    port,
    closed,
    async exec(command, stdin, timeoutMs = 20_000) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new LtspError('LTSP_EXEC_TIMEOUT', `a command on ${o.host} did not finish within ${timeoutMs / 1000} s`, { host: o.host })), timeoutMs);
      });
      try {
        const r = await Promise.race([ssh.execCommand(command, stdin === undefined ? {} : { stdin: typeof stdin === 'string' ? stdin : Readable.from([stdin]) }), late]);
        return { code: r.code, stdout: r.stdout, stderr: r.stderr };
      } finally {
        clearTimeout(timer);
      }
    },
    startSession(command, x11) {
      const fwd = x11 ? createX11Forwarder(x11.display, x11.cookie, x11.socketPath) : undefined;
      if (fwd) {
        conn.on('x11', (_info, accept) => fwd.handle(accept()));
      }
      const execOpts = {
        pty: { term: 'dumb' },
        ...(fwd ? { x11: { single: false, screen: 0, protocol: 'MIT-MAGIC-COOKIE-1', cookie: fwd.fakeCookieHex } } : {}),
      };
      return new Promise((resolve, reject) => {
        conn.exec(command, execOpts, (err: Error | undefined, ch: ClientChannel) => {
          if (err) return reject(new LtspError('LTSP_SSH_UNREACHABLE', `server ${o.host} refused the session: ${err.message}`, { host: o.host }, 'check sshd_config on the server (X11Forwarding yes)'));
          let tail = '';
          ch.on('data', (d: Buffer) => (tail = (tail + d.toString('utf8')).slice(-4096)));
          ch.stderr.on('data', (d: Buffer) => (tail = (tail + d.toString('utf8')).slice(-4096)));
          const ended = new Promise<SessionEnd>((res) => {
            let status: { code?: number; signal?: string } | undefined;
            ch.on('exit', (code: number | null, signal?: string) => {
              status = { ...(code !== null && code !== undefined ? { code } : {}), ...(signal ? { signal } : {}) };
            });
            // No exit status from the server means the session did not end: the connection did.
            let settled = false;
            const done = () => {
              if (settled) return;
              settled = true;
              fwd?.closeAll();
              if (tail.trim()) log.debug({ output: tail.trim() }, 'session output (last 4 KiB)');
              res({ ...status, dropped: status === undefined });
            };
            ch.on('close', done);
            void closed.then(done);
          });
          resolve({ ended, stop: () => ch.close() });
        });
      });
    },
    close() {
      ssh.dispose();
    },
  };
}
