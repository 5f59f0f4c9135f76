// One connection to an X server over node:net: the handshake, request sequence numbers,
// replies matched to the requests that asked for them, and events handed to one listener.
// Requests are written without waiting: X processes a client's requests in order, so only
// requests with a reply need a promise.

import { connect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { findCookie, parseDisplay, parseXauthority, type DisplayAddress } from './display.ts';
import {
  decodeMessage,
  decodeSetupReply,
  encodeSetupRequest,
  ErrorNames,
  messageLength,
  setupReplyLength,
  type ServerInfo,
  type XEvent,
} from './protocol.ts';

export class X11Error extends Error {
  override readonly name = 'X11Error';
}

export interface ConnectOptions {
  /** Default: $DISPLAY. */
  display?: string;
  /** Default: $XAUTHORITY, then ~/.Xauthority. A missing file means: connect without a cookie. */
  xauthority?: string;
}

interface Pending {
  resolve(reply: Buffer): void;
  reject(e: Error): void;
}

export class X11Connection {
  /** What the server told us at setup, including its screens. */
  readonly info: ServerInfo;
  private sequence = 0;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private buffered: Buffer = Buffer.alloc(0);
  private closed = false;
  private eventListener: (e: XEvent) => void = () => undefined;
  private errorListener: (e: X11Error) => void = () => undefined;
  private lostListener: (e: X11Error) => void = () => undefined;

  private constructor(
    private readonly socket: Socket,
    info: ServerInfo,
    rest: Buffer,
  ) {
    this.info = info;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => this.lost(new X11Error('the X server closed the connection')));
    socket.on('error', (e) => this.lost(new X11Error(`X connection: ${e.message}`)));
    if (rest.length > 0) this.receive(rest);
  }

  static async open(opts: ConnectOptions = {}): Promise<X11Connection> {
    const spec = opts.display ?? process.env['DISPLAY'];
    if (!spec) throw new X11Error('no X display given and DISPLAY is not set');
    const addr = parseDisplay(spec);
    const cookie = await readCookie(addr, opts.xauthority ?? process.env['XAUTHORITY'] ?? `${homedir()}/.Xauthority`);
    const socket = await openSocket(addr);
    socket.write(encodeSetupRequest(cookie ? 'MIT-MAGIC-COOKIE-1' : '', cookie ?? Buffer.alloc(0)));
    const { reply, rest } = await readSetupReply(socket);
    let info: ServerInfo;
    try {
      info = decodeSetupReply(reply);
    } catch (e) {
      socket.destroy();
      throw new X11Error(`${spec}: ${(e as Error).message}`);
    }
    if (info.screens.length <= addr.screen) {
      socket.destroy();
      throw new X11Error(`${spec}: the X server has no screen ${addr.screen}`);
    }
    return new X11Connection(socket, info, rest);
  }

  get screen() {
    return this.info.screens[0]!;
  }

  onEvent(listener: (e: XEvent) => void): void {
    this.eventListener = listener;
  }

  /** Errors for requests without a reply arrive asynchronously; they are reported here. */
  onError(listener: (e: X11Error) => void): void {
    this.errorListener = listener;
  }

  /** The connection broke (X server gone) without our close(). */
  onLost(listener: (e: X11Error) => void): void {
    this.lostListener = listener;
  }

  /** A fresh resource id (window, GC, font, cursor) from the range the server gave us. */
  newId(): number {
    const mask = this.info.resourceIdMask;
    const step = mask & -mask; // lowest set bit of the mask
    const id = this.nextId;
    this.nextId += step;
    if ((id & mask) !== id) throw new X11Error('out of X resource ids');
    return (this.info.resourceIdBase | id) >>> 0;
  }

  /** Send a request that has no reply. */
  send(req: Buffer): void {
    if (this.closed) return;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.socket.write(req);
  }

  /** Send a request and wait for its reply. */
  request(req: Buffer): Promise<Buffer> {
    if (this.closed) return Promise.reject(new X11Error('X connection is closed'));
    this.send(req);
    const seq = this.sequence;
    return new Promise((resolve, reject) => this.pending.set(seq, { resolve, reject }));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.end();
    this.rejectPending(new X11Error('X connection is closed'));
  }

  private lost(e: X11Error): void {
    if (this.closed) return;
    this.closed = true;
    this.rejectPending(e);
    this.lostListener(e);
  }

  private rejectPending(e: X11Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    for (;;) {
      const len = messageLength(this.buffered);
      if (len === undefined || this.buffered.length < len) return;
      const raw = this.buffered.subarray(0, len);
      this.buffered = this.buffered.subarray(len);
      this.dispatch(raw);
    }
  }

  private dispatch(raw: Buffer): void {
    const m = decodeMessage(raw);
    if (m.type === 'event') {
      this.eventListener(m.event);
      return;
    }
    const waiting = this.pending.get(m.sequence);
    this.pending.delete(m.sequence);
    if (m.type === 'reply') {
      waiting?.resolve(Buffer.from(m.data));
      return;
    }
    const err = new X11Error(`${ErrorNames[m.code] ?? `X error ${m.code}`} in request ${m.majorOpcode} (value ${m.badValue})`);
    if (waiting) waiting.reject(err);
    else this.errorListener(err);
  }
}

async function readCookie(addr: DisplayAddress, file: string): Promise<Buffer | undefined> {
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch {
    return undefined; // no file: the server may not require one (xhost, -ac)
  }
  return findCookie(parseXauthority(content), addr);
}

function openSocket(addr: DisplayAddress): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = addr.socketPath !== undefined ? connect(addr.socketPath) : connect(addr.port!, addr.host!);
    s.once('connect', () => {
      s.removeListener('error', onError);
      resolve(s);
    });
    const onError = (e: Error) => reject(new X11Error(`cannot reach the X server at ${addr.socketPath ?? `${addr.host}:${addr.port}`}: ${e.message}`));
    s.once('error', onError);
  });
}

function readSetupReply(socket: Socket): Promise<{ reply: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const len = setupReplyLength(got);
      if (len === undefined || got.length < len) return;
      cleanup();
      resolve({ reply: got.subarray(0, len), rest: got.subarray(len) });
    };
    const onEnd = () => {
      cleanup();
      reject(new X11Error('the X server closed the connection during setup'));
    };
    const cleanup = () => {
      socket.removeListener('data', onData);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onEnd);
    };
    socket.on('data', onData);
    socket.on('close', onEnd);
    socket.on('error', onEnd);
  });
}
