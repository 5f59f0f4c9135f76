// One TFTP read transfer as a pure state machine: fed datagrams and clock ticks, it returns
// what to send, the file's bytes in order, and finally a result. No sockets, no clock, no
// randomness of its own (all injected), so every corner (rollover, loss, duplicates, foreign
// TIDs, hostile packets) is testable without a network. agent/net/tftp/client.ts drives it.
//
// Rules it follows, and why:
// - Options (RFC 2347/2348/2349/7440) are asked for; an OACK is checked against what was asked.
//   A server that ignores them answers DATA 1 (we continue with 512-byte lock-step); one that
//   refuses them (ERROR 8) or answers a bad OACK gets one new plain RRQ: a boot must not fail
//   because a server is old.
// - Block numbers are 16 bits on the wire and absolute here; a wire block is placed by its
//   distance from the last in-order block, so a transfer goes past 65,535 blocks (servers
//   roll over to 0, as tftpd-hpa and dnsmasq do).
// - Duplicates and gaps get at most ONE reply per stall: the receiver never multiplies packets
//   (the Sorcerer's Apprentice bug needs a side that answers every duplicate).
// - A datagram from another port or host (a foreign TID) is answered with ERROR 5 and the
//   transfer goes on (RFC 1350 §4). Malformed datagrams are counted and ignored.
// - Retransmission backs off exponentially with jitter (so a classroom booting together does
//   not retry in lock-step), and one absolute deadline bounds the whole transfer.

import { DEFAULT_BLKSIZE, ERR, MAX_BLKSIZE, MAX_WINDOWSIZE, MIN_BLKSIZE, decode, encodeAck, encodeError, encodeRequest } from './packet.ts';

export interface Peer {
  readonly address: string;
  readonly port: number;
}

/** Options the client asks for; an absent one is not asked. */
export interface Ask {
  readonly blksize?: number;
  readonly windowsize?: number;
  /** RFC 2349 `timeout`: the server's retransmission interval, 1..255 s. */
  readonly timeoutS?: number;
  /** RFC 2349 `tsize`: learn the size first, to refuse an over-cap file before any data. */
  readonly tsize?: boolean;
}

export interface SessionConfig {
  /** Where the request goes (the server's well-known port, 69). */
  readonly server: Peer;
  readonly file: string;
  readonly ask: Ask;
  /** Refuse a file larger than this many bytes. */
  readonly maxBytes: number;
  /** First retransmission interval and its cap (ms); the interval doubles per silent try. */
  readonly retryMs: { readonly initial: number; readonly max: number };
  /** Absolute time (same clock as `now`) after which the transfer fails. */
  readonly deadline: number;
  /** After the last block, keep answering a repeated last block (our final ACK was lost) this long. */
  readonly dallyMs: number;
  /** A number in [0, 1); injected so tests are deterministic. */
  readonly random: () => number;
  /**
   * Start a small transfer again when no block came for `stalledMs`. A lock-step server only
   * resends a lost block on its own timer, which backs off (tftpd-hpa: 1, 2, 4 s...), and it
   * ignores our repeated ACKs; a new request gets a new server process that sends at once.
   * Only below `belowBytes` received (redoing them is cheap), at most `max` times.
   */
  readonly restart?: { readonly stalledMs: number; readonly belowBytes: number; readonly max: number };
  /**
   * One-frame block size to fall back to when a larger, IP-fragmented blksize was agreed but
   * no data comes (a firewall or switch that drops fragments). Absent: no such fallback.
   */
  readonly frameBlksize?: number;
}

/** How long an agreed multi-frame blksize may go without data before trying one-frame blocks: past two of tftpd-hpa's default 1 s retransmissions. */
export const FRAGMENT_WAIT_MS = 2500;

export interface Negotiated {
  readonly blksize: number;
  readonly windowsize: number;
  /** Size the server announced (tsize), when it did. */
  readonly tsize?: number;
  readonly timeoutS?: number;
}

export type Failure =
  | { readonly kind: 'timeout'; readonly waiting: string; readonly retransmits: number }
  | { readonly kind: 'server-error'; readonly code: number; readonly message: string }
  | { readonly kind: 'too-large'; readonly limit: number; readonly size: number }
  | { readonly kind: 'protocol'; readonly message: string };

export interface Stats {
  retransmits: number;
  duplicates: number;
  foreign: number;
  malformed: number;
  /** True when the server refused options and the file came with a plain RRQ. */
  fellBack: boolean;
  /** True when multi-frame blocks brought no data and the file came in one-frame blocks. */
  smallerBlocks: boolean;
  /** Stalled small transfers started again. */
  restarts: number;
}

export type Result =
  | { readonly ok: true; readonly bytes: number; readonly negotiated: Negotiated; readonly stats: Readonly<Stats> }
  | { readonly ok: false; readonly failure: Failure; readonly stats: Readonly<Stats> };

export type Effect =
  | { readonly kind: 'send'; readonly to: Peer; readonly packet: Buffer }
  /** The next bytes of the file, in order. */
  | { readonly kind: 'data'; readonly chunk: Buffer }
  /** Forget the bytes handed on so far: the transfer starts again from the first block. */
  | { readonly kind: 'reset' }
  /** The transfer is decided; the session may still dally to answer a lost final ACK. */
  | { readonly kind: 'done'; readonly result: Result };

type State =
  | { readonly tag: 'idle' }
  | { readonly tag: 'requesting'; readonly withOptions: boolean; readonly rrq: Buffer }
  | {
      readonly tag: 'receiving';
      readonly peer: Peer;
      readonly n: Negotiated;
      /** Blocks received in order (absolute); the next expected is received + 1. */
      received: number;
      /** The last block we acknowledged: the server's window starts after it. */
      acked: number;
      bytes: number;
      /** One reply to duplicates/gaps per stall; cleared by progress. */
      answeredStall: boolean;
      /** When the transfer was agreed (OACK or DATA 1). */
      readonly since: number;
    }
  | { readonly tag: 'dallying'; readonly peer: Peer; readonly finalBlock: number; readonly until: number }
  | { readonly tag: 'over' };

export class ReadSession {
  private state: State = { tag: 'idle' };
  private rto: number;
  private retryAt = Infinity;
  private lastSent: { to: Peer; packet: Buffer } | undefined;
  private outcome: Result | undefined;
  readonly stats: Stats = { retransmits: 0, duplicates: 0, foreign: 0, malformed: 0, fellBack: false, smallerBlocks: false, restarts: 0 };
  private lastProgress = 0;
  private ask: Ask;

  constructor(private readonly cfg: SessionConfig) {
    this.rto = cfg.retryMs.initial;
    this.ask = cfg.ask;
  }

  get result(): Result | undefined {
    return this.outcome;
  }

  /** The size the server announced (tsize), once known. */
  get announcedSize(): number | undefined {
    return this.state.tag === 'receiving' ? this.state.n.tsize : undefined;
  }

  /** True once nothing more will be sent or received (the driver closes the socket). */
  get over(): boolean {
    return this.state.tag === 'over';
  }

  /** When tick() must be called next (absolute ms), or undefined when no timer is needed. */
  nextTimer(): number | undefined {
    switch (this.state.tag) {
      case 'requesting':
      case 'receiving':
        return Math.min(this.retryAt, this.cfg.deadline);
      case 'dallying':
        return this.state.until;
      default:
        return undefined;
    }
  }

  start(now: number): Effect[] {
    if (this.state.tag !== 'idle') return [];
    return this.request(now, hasOptions(this.ask));
  }

  tick(now: number): Effect[] {
    const s = this.state;
    if (s.tag === 'dallying') {
      if (now >= s.until) this.state = { tag: 'over' };
      return [];
    }
    if (s.tag !== 'requesting' && s.tag !== 'receiving') return [];
    if (now >= this.cfg.deadline) {
      const waiting = s.tag === 'requesting' ? 'the first reply' : `block ${s.received + 1}`;
      return this.fail({ kind: 'timeout', waiting, retransmits: this.stats.retransmits });
    }
    if (now < this.retryAt || !this.lastSent) return [];
    const frame = this.cfg.frameBlksize;
    if (s.tag === 'receiving' && s.received === 0 && frame !== undefined && s.n.blksize > frame && now - s.since >= FRAGMENT_WAIT_MS) {
      this.stats.smallerBlocks = true;
      this.ask = { ...this.ask, blksize: frame };
      return [{ kind: 'send', to: s.peer, packet: encodeError(ERR.UNDEFINED, `no data at blksize ${s.n.blksize}; asking again with ${frame}`) }, ...this.request(now, true)];
    }
    const r = this.cfg.restart;
    // Silence after agreeing multi-frame blocks is the fragment fallback's case, not a restart's.
    const fragmentsPending = s.tag === 'receiving' && s.received === 0 && frame !== undefined && s.n.blksize > frame;
    if (s.tag === 'receiving' && r && !fragmentsPending && s.bytes < r.belowBytes && this.stats.restarts < r.max && now - this.lastProgress >= r.stalledMs) {
      this.stats.restarts++;
      return [
        { kind: 'send', to: s.peer, packet: encodeError(ERR.UNDEFINED, 'stalled; starting again') },
        { kind: 'reset' },
        ...this.request(now, !this.stats.fellBack && hasOptions(this.ask)),
      ];
    }
    this.stats.retransmits++;
    this.rto = Math.min(this.rto * 2, this.cfg.retryMs.max);
    this.armRetry(now);
    if (s.tag === 'receiving') {
      // Re-acknowledge everything we hold: also covers a window whose last ACK was not due yet.
      s.answeredStall = true;
      s.acked = s.received;
      return [this.send(s.peer, encodeAck(s.received), now, false)];
    }
    return [this.send(this.lastSent.to, this.lastSent.packet, now, false)];
  }

  receive(from: Peer, datagram: Buffer, now: number): Effect[] {
    const s = this.state;
    if (s.tag === 'idle' || s.tag === 'over') return [];
    const p = decode(datagram);
    if (p.op === 'malformed') {
      this.stats.malformed++;
      return [];
    }

    const expected = s.tag === 'requesting' ? undefined : s.peer;
    const fromServerHost = from.address === this.cfg.server.address;
    if (expected ? !samePeer(from, expected) : !fromServerHost) {
      this.stats.foreign++;
      // Never answer an ERROR (RFC 1350 §7); everything else learns it has the wrong TID.
      if (p.op === 'ERROR') return [];
      return [{ kind: 'send', to: from, packet: encodeError(ERR.UNKNOWN_TID, 'unknown transfer ID') }];
    }

    if (s.tag === 'dallying') {
      if (p.op === 'DATA' && p.block === (s.finalBlock & 0xffff)) return [{ kind: 'send', to: s.peer, packet: encodeAck(s.finalBlock) }];
      return [];
    }

    if (p.op === 'ERROR') {
      if (s.tag === 'requesting' && s.withOptions && p.code === ERR.OPTION_REFUSED) {
        this.stats.fellBack = true;
        return this.request(now, false);
      }
      return this.fail({ kind: 'server-error', code: p.code, message: p.message });
    }

    if (s.tag === 'requesting') {
      if (p.op === 'OACK' && s.withOptions) return this.onOack(from, p.options, now);
      if (p.op === 'DATA' && p.block === 1) {
        // The server ignored our options (or we asked none): RFC 1350 defaults.
        this.enterReceiving(from, { blksize: DEFAULT_BLKSIZE, windowsize: 1 }, now);
        return this.onData(p.block, p.data, now);
      }
      this.stats.malformed++;
      return [];
    }

    // receiving
    if (p.op === 'DATA') return this.onData(p.block, p.data, now);
    if (p.op === 'OACK' && s.received === 0) {
      // The server repeats its OACK: our ACK 0 was lost.
      return this.answerStall(now);
    }
    this.stats.malformed++;
    return [];
  }

  private request(now: number, withOptions: boolean): Effect[] {
    const rrq = encodeRequest('RRQ', this.cfg.file, 'octet', withOptions ? optionMap(this.ask) : new Map());
    this.state = { tag: 'requesting', withOptions, rrq };
    this.rto = this.cfg.retryMs.initial;
    return [this.send(this.cfg.server, rrq, now, true)];
  }

  private onOack(from: Peer, options: ReadonlyMap<string, string>, now: number): Effect[] {
    const checked = checkOack(options, this.ask);
    if (typeof checked === 'string') {
      // RFC 2347: refuse the OACK with ERROR 8, then ask again without options.
      this.stats.fellBack = true;
      return [{ kind: 'send', to: from, packet: encodeError(ERR.OPTION_REFUSED, checked) }, ...this.request(now, false)];
    }
    if (checked.tsize !== undefined && checked.tsize > this.cfg.maxBytes) {
      return [
        { kind: 'send', to: from, packet: encodeError(ERR.DISK_FULL, `file is larger than the client's limit of ${this.cfg.maxBytes} bytes`) },
        ...this.fail({ kind: 'too-large', limit: this.cfg.maxBytes, size: checked.tsize }),
      ];
    }
    this.enterReceiving(from, checked, now);
    return [this.send(from, encodeAck(0), now, true)];
  }

  private enterReceiving(peer: Peer, n: Negotiated, now: number): void {
    this.state = { tag: 'receiving', peer, n, received: 0, acked: 0, bytes: 0, answeredStall: false, since: now };
    this.progress(now);
  }

  private onData(wireBlock: number, data: Buffer, now: number): Effect[] {
    const s = this.state;
    if (s.tag !== 'receiving') return [];
    // Distance from the last in-order block, modulo the 16-bit wire counter.
    const delta = (wireBlock - s.received) & 0xffff;
    if (delta === 0 || delta > 0x8000) {
      this.stats.duplicates++;
      return this.answerStall(now);
    }
    if (delta > s.n.windowsize) {
      // Further ahead than the server may send: not part of this transfer.
      this.stats.malformed++;
      return [];
    }
    if (delta > 1) {
      // A gap: a block of this window was lost or overtaken. RFC 7440: ACK what we hold, once.
      return this.answerStall(now);
    }
    if (data.length > s.n.blksize) {
      this.stats.malformed++;
      return [];
    }
    if (s.bytes + data.length > this.cfg.maxBytes) {
      return [
        { kind: 'send', to: s.peer, packet: encodeError(ERR.DISK_FULL, `file is larger than the client's limit of ${this.cfg.maxBytes} bytes`) },
        ...this.fail({ kind: 'too-large', limit: this.cfg.maxBytes, size: s.bytes + data.length }),
      ];
    }
    s.received++;
    s.bytes += data.length;
    s.answeredStall = false;
    this.progress(now);
    // The ACK goes first: the server reads the next block while we store this one.
    const out: Effect[] = [];
    const chunk: Effect[] = data.length > 0 ? [{ kind: 'data', chunk: data }] : [];

    if (data.length < s.n.blksize) {
      // Last block (empty when the size is a multiple of blksize).
      out.push(this.send(s.peer, encodeAck(s.received), now, true), ...chunk);
      if (s.n.tsize !== undefined && s.n.tsize !== s.bytes) {
        out.push(...this.fail({ kind: 'protocol', message: `server announced ${s.n.tsize} bytes but sent ${s.bytes} (file changed during the transfer?)` }));
        return out;
      }
      const result: Result = { ok: true, bytes: s.bytes, negotiated: s.n, stats: { ...this.stats } };
      this.outcome = result;
      this.state = { tag: 'dallying', peer: s.peer, finalBlock: s.received, until: now + this.cfg.dallyMs };
      out.push({ kind: 'done', result });
      return out;
    }
    if (s.received - s.acked >= s.n.windowsize) {
      s.acked = s.received;
      out.push(this.send(s.peer, encodeAck(s.received), now, true));
    }
    out.push(...chunk);
    return out;
  }

  /** One ACK of everything held per stall; later duplicates wait for progress or the timer. */
  private answerStall(now: number): Effect[] {
    const s = this.state;
    if (s.tag !== 'receiving' || s.answeredStall) return [];
    s.answeredStall = true;
    s.acked = s.received;
    return [this.send(s.peer, encodeAck(s.received), now, false)];
  }

  private progress(now: number): void {
    this.lastProgress = now;
    this.rto = this.cfg.retryMs.initial;
    this.armRetry(now);
  }

  private armRetry(now: number): void {
    // Jitter in [0.5, 1.5) x the interval: clients that lost the same packet retry apart.
    this.retryAt = now + this.rto * (0.5 + this.cfg.random());
  }

  private send(to: Peer, packet: Buffer, now: number, fresh: boolean): Effect {
    this.lastSent = { to, packet };
    if (fresh) this.armRetry(now);
    return { kind: 'send', to, packet };
  }

  private fail(failure: Failure): Effect[] {
    const result: Result = { ok: false, failure, stats: { ...this.stats } };
    this.outcome = result;
    this.state = { tag: 'over' };
    return [{ kind: 'done', result }];
  }
}

function hasOptions(ask: Ask): boolean {
  return ask.blksize !== undefined || ask.windowsize !== undefined || ask.timeoutS !== undefined || ask.tsize === true;
}

function optionMap(ask: Ask): Map<string, string> {
  const m = new Map<string, string>();
  if (ask.blksize !== undefined) m.set('blksize', String(ask.blksize));
  if (ask.tsize) m.set('tsize', '0');
  if (ask.timeoutS !== undefined) m.set('timeout', String(ask.timeoutS));
  if (ask.windowsize !== undefined) m.set('windowsize', String(ask.windowsize));
  return m;
}

/** The negotiated values, or why the OACK is unacceptable (RFC 2347: only asked options, in range). */
export function checkOack(options: ReadonlyMap<string, string>, ask: Ask): Negotiated | string {
  let blksize = DEFAULT_BLKSIZE;
  let windowsize = 1;
  let tsize: number | undefined;
  let timeoutS: number | undefined;
  for (const [name, raw] of options) {
    const v = /^[0-9]{1,10}$/.test(raw) ? Number(raw) : NaN;
    switch (name) {
      case 'blksize':
        if (ask.blksize === undefined) return 'blksize was not asked for';
        if (!(v >= MIN_BLKSIZE && v <= ask.blksize && v <= MAX_BLKSIZE)) return `blksize ${raw} is not within ${MIN_BLKSIZE}..${ask.blksize}`;
        blksize = v;
        break;
      case 'windowsize':
        if (ask.windowsize === undefined) return 'windowsize was not asked for';
        if (!(v >= 1 && v <= ask.windowsize && v <= MAX_WINDOWSIZE)) return `windowsize ${raw} is not within 1..${ask.windowsize}`;
        windowsize = v;
        break;
      case 'tsize':
        if (!ask.tsize) return 'tsize was not asked for';
        if (!(v >= 0)) return `tsize ${raw} is not a size`;
        tsize = v;
        break;
      case 'timeout':
        if (ask.timeoutS === undefined) return 'timeout was not asked for';
        if (!(v >= 1 && v <= 255)) return `timeout ${raw} is not within 1..255`;
        timeoutS = v;
        break;
      default:
        return `option ${name} was not asked for`;
    }
  }
  return { blksize, windowsize, ...(tsize !== undefined ? { tsize } : {}), ...(timeoutS !== undefined ? { timeoutS } : {}) };
}

function samePeer(a: Peer, b: Peer): boolean {
  return a.port === b.port && a.address === b.address;
}
