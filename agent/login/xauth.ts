// X authorization without xauth(1): the Xauthority file format (Xau, libXau's AuFileName/
// XauReadAuth: family u16, then address, display number, auth name and data, each a u16
// length + bytes, all big-endian) and the MIT-MAGIC-COOKIE-1 cookie. Doing it in-process keeps
// the cookie out of every argv (LDM's `xauth add ... $MCOOKIE` showed it in /proc) and needs
// no mcookie/xauth in the image.

import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export const MIT_COOKIE = 'MIT-MAGIC-COOKIE-1';
export const FAMILY_INTERNET = 0;
export const FAMILY_LOCAL = 256;
export const FAMILY_WILD = 65535;

export interface XauthEntry {
  readonly family: number;
  readonly address: Buffer;
  /** Display number as text ("7"). */
  readonly number: string;
  readonly name: string;
  readonly data: Buffer;
}

export function newCookie(): Buffer {
  return randomBytes(16);
}

export function encodeXauth(entries: readonly XauthEntry[]): Buffer {
  const parts: Buffer[] = [];
  const field = (b: Buffer) => {
    const len = Buffer.alloc(2);
    len.writeUInt16BE(b.length);
    parts.push(len, b);
  };
  for (const e of entries) {
    const fam = Buffer.alloc(2);
    fam.writeUInt16BE(e.family);
    parts.push(fam);
    field(e.address);
    field(Buffer.from(e.number, 'latin1'));
    field(Buffer.from(e.name, 'latin1'));
    field(e.data);
  }
  return Buffer.concat(parts);
}

export function decodeXauth(buf: Buffer): XauthEntry[] {
  const out: XauthEntry[] = [];
  let o = 0;
  const field = (): Buffer | undefined => {
    if (o + 2 > buf.length) return undefined;
    const n = buf.readUInt16BE(o);
    if (o + 2 + n > buf.length) return undefined;
    const b = buf.subarray(o + 2, o + 2 + n);
    o += 2 + n;
    return b;
  };
  while (o + 2 <= buf.length) {
    const family = buf.readUInt16BE(o);
    o += 2;
    const address = field();
    const number = field();
    const name = field();
    const data = field();
    if (!address || !number || !name || !data) break; // truncated file: keep what was whole
    out.push({ family, address: Buffer.from(address), number: number.toString('latin1'), name: name.toString('latin1'), data: Buffer.from(data) });
  }
  return out;
}

/** The entries LDM's screen script added (`:n`, `hostname:n`), as one local + one wildcard entry. */
export function localEntries(display: number, hostname: string, cookie: Buffer): XauthEntry[] {
  const number = String(display);
  return [
    { family: FAMILY_LOCAL, address: Buffer.from(hostname, 'latin1'), number, name: MIT_COOKIE, data: cookie },
    { family: FAMILY_WILD, address: Buffer.alloc(0), number, name: MIT_COOKIE, data: cookie },
  ];
}

/** An entry for a TCP display `ip:n` (LDM_DIRECTX: what S01-setup-xauth added on the server). */
export function inetEntry(ipv4: string, display: number, cookie: Buffer): XauthEntry {
  return { family: FAMILY_INTERNET, address: Buffer.from(ipv4.split('.').map(Number)), number: String(display), name: MIT_COOKIE, data: cookie };
}

/** The MIT cookie for display n from an Xauthority file's entries (local or wildcard first). */
export function findCookie(entries: readonly XauthEntry[], display: number, hostname?: string): Buffer | undefined {
  const mine = entries.filter((e) => e.number === String(display) && e.name === MIT_COOKIE);
  const score = (e: XauthEntry) =>
    e.family === FAMILY_LOCAL && hostname !== undefined && e.address.toString('latin1') === hostname ? 0 : e.family === FAMILY_WILD ? 1 : 2;
  return mine.sort((a, b) => score(a) - score(b))[0]?.data;
}

export function displaySocket(display: number): string {
  return `/tmp/.X11-unix/X${display}`;
}

/** "Display :7", "localhost:7.0" -> 7. */
export function parseDisplay(s: string): number | undefined {
  const m = /^[^:]*:(\d+)(?:\.\d+)?$/.exec(s.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * The X11 connection-setup request a client sends first (X11 protocol, "Connection Setup"):
 * little-endian byte order, protocol 11.0, the authorization name and data padded to 4.
 */
export function setupRequest(authName: string, authData: Buffer): Buffer {
  const pad = (n: number) => (4 - (n % 4)) % 4;
  const name = Buffer.from(authName, 'latin1');
  const head = Buffer.alloc(12);
  head.write('l', 0, 'latin1');
  head.writeUInt16LE(11, 2);
  head.writeUInt16LE(0, 4);
  head.writeUInt16LE(name.length, 6);
  head.writeUInt16LE(authData.length, 8);
  return Buffer.concat([head, name, Buffer.alloc(pad(name.length)), authData, Buffer.alloc(pad(authData.length))]);
}

export type ProbeResult = 'ok' | 'refused' | 'absent';

/**
 * Connect to display n's socket and do the X setup handshake with the cookie: 'ok' means the
 * server is up and accepts this cookie, 'refused' that it answers but rejects it, 'absent'
 * that nothing listens yet.
 */
export function probeDisplay(display: number, cookie: Buffer | undefined, timeoutMs = 2000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = connect(displaySocket(display));
    let settled = false;
    const done = (r: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done('absent'), timeoutMs);
    sock.on('connect', () => sock.write(cookie ? setupRequest(MIT_COOKIE, cookie) : setupRequest('', Buffer.alloc(0))));
    sock.once('data', (b: Buffer) => done(b[0] === 1 ? 'ok' : 'refused'));
    sock.on('error', () => done('absent'));
    sock.on('close', () => done('absent'));
  });
}
