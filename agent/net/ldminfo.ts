// The client side of LTSP 5's ldminfod (TCP 9571). The protocol has no request: connect, send
// nothing, read until the server closes. The reply is `key:value` lines (LTSP 5's ldminfod). LDM
// fetched it with `nc -w 5` into a file and read at most 16383 bytes of it; we do the same in
// memory, with one deadline for the whole exchange and the same size cap, so a hung or
// chatty server can never hold up the greeter.

import { connect } from 'node:net';
import { LtspError } from '../core/errors.ts';

export const LDMINFO_PORT = 9571;
/** LDM read at most this much of the reply. */
export const LDMINFO_MAX_BYTES = 16383;
export const LDMINFO_TIMEOUT_MS = 3000;

export interface LdmSession {
  readonly name: string;
  readonly command: string;
}

export interface LdmInfo {
  /** The server's default locale first, then the others in the server's order. */
  readonly languages: readonly string[];
  readonly sessions: readonly LdmSession[];
  /** `xsession:` — the Xsession wrapper on the server. */
  readonly xsession?: string;
  /** 0-100, higher = less loaded. */
  readonly rating?: number;
  /** The server answered `ERROR` (ldminfod failed internally). */
  readonly serverError: boolean;
  /** The reply was longer than LDMINFO_MAX_BYTES and was cut there. */
  readonly truncated: boolean;
}

/**
 * Parse a reply as LDM's ldminfo.c did: keys compare case-insensitively and split on the first
 * `:`; `session:` lines are ignored as soon as any `session-with-name:` line exists (newer
 * ldminfod sends both forms of every session); a plain session's name is the text after the
 * command's last `/`.
 */
export function parseLdmInfo(text: string, truncated = false): LdmInfo {
  const languages: string[] = [];
  const plain: LdmSession[] = [];
  const named: LdmSession[] = [];
  let xsession: string | undefined;
  let rating: number | undefined;
  let serverError = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === 'ERROR') serverError = true;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (value === '') continue;
    switch (key) {
      case 'language':
        if (!languages.includes(value)) languages.push(value);
        break;
      case 'session':
        plain.push({ name: value.slice(value.lastIndexOf('/') + 1), command: value });
        break;
      case 'session-with-name': {
        const c = value.indexOf(':');
        if (c > 0 && c < value.length - 1) named.push({ name: value.slice(0, c), command: value.slice(c + 1) });
        break;
      }
      case 'xsession':
        xsession ??= value;
        break;
      case 'rating':
        if (/^-?\d+$/.test(value)) rating = Math.max(0, Math.min(100, Number(value)));
        break;
    }
  }
  return {
    languages,
    sessions: named.length > 0 ? named : plain,
    ...(xsession !== undefined ? { xsession } : {}),
    ...(rating !== undefined ? { rating } : {}),
    serverError,
    truncated,
  };
}

export interface LdmInfoOptions {
  port?: number;
  timeoutMs?: number;
  maxBytes?: number;
}

/** Ask one server. Rejects with LTSP_LDMINFO_UNREACHABLE naming the server and the fix. */
export function fetchLdmInfo(host: string, opts: LdmInfoOptions = {}): Promise<LdmInfo> {
  const port = opts.port ?? LDMINFO_PORT;
  const timeoutMs = opts.timeoutMs ?? LDMINFO_TIMEOUT_MS;
  const max = opts.maxBytes ?? LDMINFO_MAX_BYTES;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const sock = connect({ host, port });
    const finish = (err?: LtspError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      if (err) return reject(err);
      const body = Buffer.concat(chunks).subarray(0, max);
      resolve(parseLdmInfo(body.toString('utf8'), size > max));
    };
    const fail = (why: string) =>
      finish(
        new LtspError(
          'LTSP_LDMINFO_UNREACHABLE',
          `ldminfod on ${host}:${port} ${why}`,
          { host, key: 'LDM_SERVER' },
          `enable ldminfod on ${host} (inetd/xinetd service on TCP ${port}) or remove ${host} from LDM_SERVER`,
        ),
      );
    const timer = setTimeout(() => fail(`did not answer within ${timeoutMs} ms`), timeoutMs);
    sock.on('data', (b: Buffer) => {
      chunks.push(b);
      size += b.length;
      if (size > max) finish(); // enough: LDM never looked further either
    });
    sock.on('end', () => finish());
    sock.on('close', () => finish());
    sock.on('error', (e: NodeJS.ErrnoException) => fail(`is not reachable (${e.code ?? e.message})`));
    sock.end(); // the protocol has no request; half-close tells inetd-style servers we are done
  });
}

export interface ServerInfo {
  readonly host: string;
  readonly info?: LdmInfo;
  readonly error?: LtspError;
}

/** Ask every server at once; a failing server is kept in the list, marked by its error. */
export async function fetchAll(hosts: readonly string[], opts: LdmInfoOptions = {}): Promise<ServerInfo[]> {
  return Promise.all(
    hosts.map(async (host): Promise<ServerInfo> => {
      try {
        return { host, info: await fetchLdmInfo(host, opts) };
      } catch (e) {
        return { host, error: e instanceof LtspError ? e : new LtspError('LTSP_LDMINFO_UNREACHABLE', String(e), { host }) };
      }
    }),
  );
}

/**
 * The default server: the best rating (= lowest load) among servers that answered; ties and
 * servers without a rating keep LDM_SERVER's order. With no answers at all, the first listed
 * server (what LTSP 5 always chose).
 */
export function chooseServer(servers: readonly ServerInfo[]): string | undefined {
  let best: ServerInfo | undefined;
  for (const s of servers) {
    if (!s.info || s.info.serverError) continue;
    const r = s.info.rating ?? -1;
    if (best === undefined || r > (best.info!.rating ?? -1)) best = s;
  }
  return (best ?? servers[0])?.host;
}
