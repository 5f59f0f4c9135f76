// The socket side of a TFTP read: drives a ReadSession (session.ts) with a UDP socket, a
// monotonic clock, Math.random for jitter and one timer. Everything that can go wrong ends as
// an LtspError with a stable LTSP_TFTP_* code; nothing here waits past the caller's deadline.

import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';
import { networkInterfaces } from 'node:os';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { LtspError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { MAX_BLKSIZE, DEFAULT_BLKSIZE } from './packet.ts';
import { ReadSession, type Ask, type Failure, type Negotiated, type Stats } from './session.ts';

export interface GetOptions {
  readonly host: string;
  readonly port?: number;
  /** Path as the server knows it, e.g. "/ltsp/i386/lts.conf". */
  readonly path: string;
  /** Overall bound in ms: when it passes, the transfer fails with LTSP_TFTP_TIMEOUT. */
  readonly deadlineMs: number;
  /**
   * Block size to ask. 'auto' (default): six full frames of the path MTU (8868 on Ethernet),
   * falling back to one frame if fragments never arrive; 'frame': one frame (1468 on Ethernet,
   * no IP fragments at all); false: do not ask.
   */
  readonly blksize?: number | 'auto' | 'frame' | false;
  /** RFC 7440 window to ask (default 8); false: do not ask. */
  readonly windowsize?: number | false;
  /**
   * RFC 2349 timeout to ask the server for, in seconds. Not asked by default: the smallest
   * value is 1 s, and a server tuned faster (tftpd-hpa -T 200000) would be slowed down.
   */
  readonly serverTimeoutS?: number | false;
  /** RFC 2349 tsize (default true): refuse an over-cap file before any data. */
  readonly tsize?: boolean;
  /** Ask no options at all (plain RFC 1350, 512-byte blocks). */
  readonly noOptions?: boolean;
  readonly maxBytes?: number;
  readonly retryMs?: { readonly initial: number; readonly max: number };
  /**
   * Where the bytes go as they arrive, in order, instead of being kept for `data` (which is then
   * empty): memory stays a few blocks whatever the file's size. `reset` means start again from
   * empty (the transfer restarted).
   */
  readonly sink?: { write(chunk: Buffer): void; reset(): void };
  /** Called as bytes arrive (in order) with the size the server announced, if any. */
  readonly onProgress?: (bytes: number, total: number | undefined) => void;
  readonly log?: Logger;
}

export interface GetResult {
  /** The file; empty when a `sink` took the bytes. */
  readonly data: Buffer;
  /** Bytes received. */
  readonly bytes: number;
  readonly negotiated: Negotiated;
  readonly stats: Readonly<Stats>;
  readonly ms: number;
}

/** Defaults chosen for a LAN where a whole classroom may boot at once. */
export const DEFAULTS = {
  port: 69,
  windowsize: 8,
  maxBytes: 1024 * 1024 * 1024,
  retryMs: { initial: 250, max: 2000 },
  /** Small files (lts.conf) start again after 1.5 s without a block: past tftpd-hpa's first 1 s resend, before its 2 s one. */
  restart: { stalledMs: 1500, belowBytes: 256 * 1024, max: 3 },
  dallyMs: 500,
} as const;

export async function tftpGet(opts: GetOptions): Promise<GetResult> {
  const t0 = performance.now();
  const deadline = t0 + opts.deadlineMs;
  const port = opts.port ?? DEFAULTS.port;
  const where = `tftp://${opts.host}${port === 69 ? '' : `:${port}`}/${opts.path.replace(/^\//, '')}`;

  const address = await resolve(opts.host, opts.deadlineMs);
  const family = isIP(address) === 6 ? 'udp6' : 'udp4';
  const path = pathBlksizes(address);
  const ask: Ask = opts.noOptions ? {} : askFor(opts, path);
  const maxBytes = opts.maxBytes ?? DEFAULTS.maxBytes;
  const session = new ReadSession({
    server: { address, port },
    file: opts.path,
    ask,
    maxBytes,
    retryMs: opts.retryMs ?? DEFAULTS.retryMs,
    deadline,
    dallyMs: DEFAULTS.dallyMs,
    random: Math.random,
    restart: DEFAULTS.restart,
    ...(ask.blksize !== undefined && ask.blksize > path.frame ? { frameBlksize: path.frame } : {}),
  });

  // Addresses are resolved once above; Node's default lookup would defer every send by a tick.
  const sock = dgram.createSocket({ type: family, lookup: (host, _o, cb) => cb(null, host, family === 'udp6' ? 6 : 4) });
  const chunks: Buffer[] = [];
  let bytes = 0;
  let lastSendError: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;

  return new Promise<GetResult>((resolvePromise, reject) => {
    let settled = false;
    let closed = false;
    const close = () => {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      try {
        sock.close();
      } catch {
        /* already closed */
      }
    };

    // A sink that throws (disk full, a closed pipe) ends the transfer with its error.
    const sinkFailed = (e: unknown) => {
      giveUp(new LtspError('LTSP_TFTP_ERROR', `${where}: cannot store the data: ${(e as Error).message}`, {}, 'check the disk space and the output path'));
      return false;
    };
    const sinkWrite = (chunk: Buffer): boolean => {
      try {
        opts.sink!.write(chunk);
        return true;
      } catch (e) {
        return sinkFailed(e);
      }
    };
    const sinkReset = (): boolean => {
      try {
        opts.sink!.reset();
        return true;
      } catch (e) {
        return sinkFailed(e);
      }
    };

    const run = (effects: ReturnType<ReadSession['receive']>) => {
      for (const e of effects) {
        if (e.kind === 'send') {
          // Send errors arrive as 'error' events: transient at boot (link not up yet), so
          // they are remembered for the message and the retries go on until the deadline.
          sock.send(e.packet, e.to.port, e.to.address);
        } else if (e.kind === 'reset') {
          chunks.length = 0;
          bytes = 0;
          if (opts.sink && !sinkReset()) return;
        } else if (e.kind === 'data') {
          if (opts.sink) {
            if (!sinkWrite(e.chunk)) return;
          } else chunks.push(e.chunk);
          bytes += e.chunk.length;
          opts.onProgress?.(bytes, session.announcedSize);
        } else if (!settled) {
          settled = true;
          const r = e.result;
          const ms = performance.now() - t0;
          if (r.ok) {
            opts.log?.debug({ url: where, bytes: r.bytes, ms: Math.round(ms), ...r.negotiated, ...r.stats }, 'tftp: fetched');
            resolvePromise({ data: opts.sink ? Buffer.alloc(0) : Buffer.concat(chunks, bytes), bytes, negotiated: r.negotiated, stats: r.stats, ms });
            // Let the process exit while we dally for a lost final ACK.
            sock.unref();
            timer?.unref();
          } else {
            chunks.length = 0;
            reject(toError(r.failure, where, opts.deadlineMs, lastSendError));
          }
        }
      }
    };

    const schedule = () => {
      if (closed) return;
      if (session.over) return close();
      const at = session.nextTimer();
      if (at === undefined) return;
      if (timer && timerAt <= at) return; // fires early, tick() is a no-op, we re-arm then
      if (timer) clearTimeout(timer);
      timerAt = at;
      timer = setTimeout(onTimer, Math.max(0, Math.ceil(at - performance.now())));
      if (settled) timer.unref();
    };
    const onTimer = () => {
      timer = undefined;
      run(session.tick(performance.now()));
      schedule();
    };

    sock.on('message', (msg, rinfo) => {
      run(session.receive({ address: rinfo.address, port: rinfo.port }, msg, performance.now()));
      schedule();
    });
    let bound = false;
    const giveUp = (e: LtspError) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      close();
      reject(e);
    };
    // Belt and braces: whatever happens to the socket or the state machine, the caller
    // hears back shortly after its deadline.
    const guard = setTimeout(() => giveUp(toError({ kind: 'timeout', waiting: 'an answer', retransmits: session.stats.retransmits }, where, opts.deadlineMs, lastSendError)), Math.max(0, deadline - performance.now()) + 1000);
    guard.unref();
    sock.on('close', () => clearTimeout(guard));

    sock.on('error', (err) => {
      lastSendError = err.message;
      if (!bound) giveUp(new LtspError('LTSP_TFTP_ERROR', `${where}: cannot open a local UDP socket: ${err.message}`, {}, 'check the client: out of file descriptors or ports?'));
    });
    sock.bind(0, () => {
      bound = true;
      try {
        sock.setRecvBufferSize(4 * 1024 * 1024);
      } catch {
        /* capped by net.core.rmem_max; the default still works */
      }
      run(session.start(performance.now()));
      schedule();
    });
  });
}

function askFor(opts: GetOptions, path: { frame: number; bulk: number }): Ask {
  const blksize = opts.blksize ?? 'auto';
  const windowsize = opts.windowsize ?? DEFAULTS.windowsize;
  const timeoutS = opts.serverTimeoutS ?? false;
  return {
    ...(blksize === false ? {} : { blksize: blksize === 'auto' ? path.bulk : blksize === 'frame' ? path.frame : blksize }),
    ...(windowsize === false ? {} : { windowsize }),
    ...(timeoutS === false ? {} : { timeoutS }),
    ...(opts.tsize === false ? {} : { tsize: true }),
  };
}

/** Frames per block for 'auto': few enough that one lost frame costs little, many enough that lock-step servers (no windowsize) are not bound by round trips. */
const FRAMES_PER_BLOCK = 6;

/**
 * Block sizes from the MTU of the interface towards the server: `frame` fills exactly one
 * frame (IP + UDP + TFTP headers taken off), `bulk` fills FRAMES_PER_BLOCK fragments.
 * Without /sys or a route, Ethernet's 1500 is assumed.
 */
export function pathBlksizes(address: string): { frame: number; bulk: number; mtu: number } {
  const v6 = isIP(address) === 6;
  const mtu = interfaceMtu(address) ?? 1500;
  const ip = v6 ? 40 : 20;
  const clamp = (n: number) => Math.max(DEFAULT_BLKSIZE, Math.min(MAX_BLKSIZE, n));
  // Each IPv4 fragment carries a multiple of 8 bytes; IPv6 fragments also carry an 8-byte header.
  const perFragment = Math.floor((mtu - ip - (v6 ? 8 : 0)) / 8) * 8;
  return { mtu, frame: clamp(mtu - ip - 8 - 4), bulk: clamp(FRAMES_PER_BLOCK * perFragment - 8 - 4) };
}

function interfaceMtu(address: string): number | undefined {
  try {
    const local = localAddressFor(address);
    if (local === undefined) return undefined;
    for (const [name, addrs] of Object.entries(networkInterfaces())) {
      if (!addrs?.some((a) => a.address === local)) continue;
      const mtu = Number(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim());
      return mtu >= 576 ? mtu : undefined;
    }
  } catch {
    /* no /sys: the caller assumes Ethernet */
  }
  return undefined;
}

/**
 * The local address towards `address`: the most specific connected subnet, else the default
 * route's interface. (IPv4 only; IPv6 gets the Ethernet default.)
 */
function localAddressFor(address: string): string | undefined {
  const target = isIP(address) === 4 ? ipv4ToInt(address) : undefined;
  if (target === undefined) return undefined;
  let best: { local: string; bits: number } | undefined;
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || !a.cidr) continue;
      const bits = Number(a.cidr.split('/')[1]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if (((ipv4ToInt(a.address)! & mask) >>> 0) === ((target & mask) >>> 0) && (!best || bits > best.bits)) best = { local: a.address, bits };
    }
  }
  return best?.local ?? defaultRouteLocal();
}

/** Without a connected subnet the server is behind the default route: use that interface. */
function defaultRouteLocal(): string | undefined {
  try {
    const lines = readFileSync('/proc/net/route', 'utf8').split('\n').slice(1);
    const dflt = lines.map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '00000000' && f[7] === '00000000');
    const ifname = dflt?.[0];
    if (!ifname) return undefined;
    return networkInterfaces()[ifname]?.find((a) => a.family === 'IPv4')?.address;
  } catch {
    return undefined;
  }
}

function ipv4ToInt(a: string): number | undefined {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) return undefined;
  return (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0;
}

async function resolve(host: string, boundMs: number): Promise<string> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare)) return bare;
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      lookup(bare),
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`name lookup took over ${boundMs} ms`)), boundMs);
      }),
    ]);
    return r.address;
  } catch (e) {
    throw new LtspError('LTSP_TFTP_TIMEOUT', `cannot resolve TFTP server ${host}: ${(e as Error).message}`, { host }, 'use the server IP address, or fix DNS for this client');
  } finally {
    if (timer) clearTimeout(timer);
  }
}

const TFTP_ERROR_NAMES: Record<number, string> = {
  0: 'not defined',
  1: 'file not found',
  2: 'access violation',
  3: 'disk full or allocation exceeded',
  4: 'illegal TFTP operation',
  5: 'unknown transfer ID',
  6: 'file already exists',
  7: 'no such user',
  8: 'option negotiation refused',
};

function toError(f: Failure, where: string, boundMs: number, lastSendError: string | undefined): LtspError {
  const host = where.replace(/^tftp:\/\/([^/]+).*$/, '$1');
  switch (f.kind) {
    case 'timeout':
      return new LtspError(
        'LTSP_TFTP_TIMEOUT',
        `${where}: no complete answer within ${(boundMs / 1000).toFixed(1)} s (waiting for ${f.waiting}, ${f.retransmits} retransmissions${lastSendError ? `; last socket error: ${lastSendError}` : ''})`,
        { host },
        'check that the TFTP server runs (tftpd-hpa or dnsmasq --enable-tftp), listens on this address, and that UDP port 69 and the high ports it answers from are not filtered',
      );
    case 'server-error': {
      const name = TFTP_ERROR_NAMES[f.code] ?? `code ${f.code}`;
      const hint =
        f.code === 1
          ? 'check the path under the TFTP root (for lts.conf: /var/lib/tftpboot/ltsp/<arch>/lts.conf, or the boot file directory)'
          : f.code === 2
            ? 'make the file and its directories world-readable (tftpd-hpa serves only world-readable files)'
            : 'see the TFTP server log for this request';
      return new LtspError('LTSP_TFTP_ERROR', `${where}: server says "${f.message}" (TFTP error ${f.code}: ${name})`, { host }, hint);
    }
    case 'too-large':
      return new LtspError('LTSP_TFTP_TOO_LARGE', `${where}: file is ${f.size} bytes or more, over the limit of ${f.limit}`, { host }, 'check that the path names the intended file, or raise the limit');
    case 'protocol':
      return new LtspError('LTSP_TFTP_PROTOCOL', `${where}: ${f.message}`, { host }, 'retry; if it persists, capture the transfer (tcpdump -i any udp) and check the TFTP server version');
  }
}
