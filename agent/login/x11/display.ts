// Where the X server is and how to prove we may talk to it: the DISPLAY string and the
// MIT-MAGIC-COOKIE-1 entry of an Xauthority file (the file LTSP's screen script fills with
// `xauth add`). Parsing is pure; reading the file is the caller's one fs call.

import { hostname } from 'node:os';

export interface DisplayAddress {
  /** Unix socket path, or undefined for TCP. */
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly display: number;
  readonly screen: number;
}

/** ":0", ":1.0", "unix:2", "host:0" (TCP port 6000+n). */
export function parseDisplay(spec: string): DisplayAddress {
  const m = /^([^:]*):(\d+)(?:\.(\d+))?$/.exec(spec.trim());
  if (!m) throw new Error(`cannot parse DISPLAY "${spec}" (expected for example ":0" or "host:0")`);
  const host = m[1]!;
  const display = Number(m[2]);
  const screen = m[3] !== undefined ? Number(m[3]) : 0;
  if (host === '' || host === 'unix') return { socketPath: `/tmp/.X11-unix/X${display}`, display, screen };
  return { host, port: 6000 + display, display, screen };
}

export interface XauthEntry {
  readonly family: number;
  readonly address: string;
  readonly number: string;
  readonly name: string;
  readonly data: Buffer;
}

const FamilyLocal = 256;
const FamilyWild = 65535;

/** The Xauthority format: entries of family (16 bit) and four length-prefixed strings, big-endian. */
export function parseXauthority(b: Buffer): XauthEntry[] {
  const entries: XauthEntry[] = [];
  let o = 0;
  const field = (): Buffer => {
    const n = b.readUInt16BE(o);
    const v = b.subarray(o + 2, o + 2 + n);
    if (v.length !== n) throw new RangeError('truncated');
    o += 2 + n;
    return v;
  };
  while (o + 2 <= b.length) {
    try {
      const family = b.readUInt16BE(o);
      o += 2;
      const address = field().toString('latin1');
      const number = field().toString('latin1');
      const name = field().toString('latin1');
      entries.push({ family, address, number, name, data: Buffer.from(field()) });
    } catch {
      break; // a truncated last entry: keep what was complete, as libXau does
    }
  }
  return entries;
}

/**
 * The cookie for this display: a local entry for this host or a wildcard entry, whose
 * display number matches (an empty number matches any display). Only MIT-MAGIC-COOKIE-1.
 */
export function findCookie(entries: readonly XauthEntry[], addr: DisplayAddress, localHost = hostname()): Buffer | undefined {
  const wantedHost = addr.socketPath !== undefined ? localHost : addr.host;
  const match = entries.find(
    (e) =>
      e.name === 'MIT-MAGIC-COOKIE-1' &&
      (e.number === '' || e.number === String(addr.display)) &&
      (e.family === FamilyWild || (e.family === FamilyLocal && (e.address === wantedHost || (addr.socketPath === undefined && e.address === localHost)))),
  );
  return match?.data;
}
