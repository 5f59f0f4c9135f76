// TFTP packets on the wire (RFC 1350, options RFC 2347): encode what a reading client sends,
// decode everything a server (or anyone else on the LAN) may send. Decoding never throws:
// a packet that does not parse comes back as `malformed` with the reason, because on UDP a
// garbage datagram is an event to ignore, not an error.

export const OP = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 / 2347 error codes the client sends or recognises. */
export const ERR = {
  UNDEFINED: 0,
  NOT_FOUND: 1,
  ACCESS: 2,
  DISK_FULL: 3,
  ILLEGAL_OP: 4,
  UNKNOWN_TID: 5,
  EXISTS: 6,
  NO_USER: 7,
  OPTION_REFUSED: 8,
} as const;

/** Largest datagram anyone can send us: a DATA packet at the largest blksize (RFC 2348). */
export const MAX_BLKSIZE = 65464;
export const MIN_BLKSIZE = 8;
export const DEFAULT_BLKSIZE = 512;
export const MAX_WINDOWSIZE = 65535;

export type Packet =
  | { readonly op: 'RRQ' | 'WRQ'; readonly file: string; readonly mode: string; readonly options: ReadonlyMap<string, string> }
  | { readonly op: 'DATA'; readonly block: number; readonly data: Buffer }
  | { readonly op: 'ACK'; readonly block: number }
  | { readonly op: 'ERROR'; readonly code: number; readonly message: string }
  | { readonly op: 'OACK'; readonly options: ReadonlyMap<string, string> }
  | { readonly op: 'malformed'; readonly why: string };

/** Option names are case-insensitive (RFC 2347); we keep them lowercased. */
export function encodeRequest(op: 'RRQ' | 'WRQ', file: string, mode: string, options: ReadonlyMap<string, string> = new Map()): Buffer {
  const parts: string[] = [file, mode];
  for (const [k, v] of options) parts.push(k.toLowerCase(), v);
  const strings = Buffer.from(parts.map((p) => p + '\0').join(''), 'utf8');
  const out = Buffer.allocUnsafe(2 + strings.length);
  out.writeUInt16BE(OP[op], 0);
  strings.copy(out, 2);
  return out;
}

export function encodeAck(block: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt16BE(OP.ACK, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  return out;
}

export function encodeData(block: number, data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + data.length);
  out.writeUInt16BE(OP.DATA, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  data.copy(out, 4);
  return out;
}

export function encodeError(code: number, message: string): Buffer {
  const msg = Buffer.from(message.replace(/\0/g, '') + '\0', 'utf8');
  const out = Buffer.allocUnsafe(4 + msg.length);
  out.writeUInt16BE(OP.ERROR, 0);
  out.writeUInt16BE(code & 0xffff, 2);
  msg.copy(out, 4);
  return out;
}

export function encodeOack(options: ReadonlyMap<string, string>): Buffer {
  const parts: string[] = [];
  for (const [k, v] of options) parts.push(k, v);
  const strings = Buffer.from(parts.map((p) => p + '\0').join(''), 'utf8');
  const out = Buffer.allocUnsafe(2 + strings.length);
  out.writeUInt16BE(OP.OACK, 0);
  strings.copy(out, 2);
  return out;
}

export function decode(buf: Buffer): Packet {
  if (buf.length < 2) return { op: 'malformed', why: `${buf.length}-byte datagram` };
  const op = buf.readUInt16BE(0);
  switch (op) {
    case OP.DATA:
      if (buf.length < 4) return { op: 'malformed', why: 'DATA without a block number' };
      if (buf.length > 4 + MAX_BLKSIZE) return { op: 'malformed', why: `DATA of ${buf.length - 4} bytes` };
      return { op: 'DATA', block: buf.readUInt16BE(2), data: buf.subarray(4) };
    case OP.ACK:
      if (buf.length < 4) return { op: 'malformed', why: 'ACK without a block number' };
      return { op: 'ACK', block: buf.readUInt16BE(2) };
    case OP.ERROR: {
      if (buf.length < 4) return { op: 'malformed', why: 'ERROR without a code' };
      // Servers are sloppy about the terminating NUL; take what is there, printable only.
      const end = buf.indexOf(0, 4);
      const raw = buf.subarray(4, end === -1 ? buf.length : end).toString('utf8');
      return { op: 'ERROR', code: buf.readUInt16BE(2), message: printable(raw).slice(0, 200) };
    }
    case OP.OACK: {
      const strings = nulStrings(buf.subarray(2));
      if (strings === undefined || strings.length % 2 !== 0) return { op: 'malformed', why: 'OACK options are not name/value pairs' };
      return { op: 'OACK', options: pairs(strings) };
    }
    case OP.RRQ:
    case OP.WRQ: {
      const strings = nulStrings(buf.subarray(2));
      if (strings === undefined || strings.length < 2 || strings.length % 2 !== 0) return { op: 'malformed', why: 'request without file name and mode' };
      return { op: op === OP.RRQ ? 'RRQ' : 'WRQ', file: strings[0]!, mode: strings[1]!.toLowerCase(), options: pairs(strings.slice(2)) };
    }
    default:
      return { op: 'malformed', why: `unknown opcode ${op}` };
  }
}

/** NUL-terminated strings; undefined when the last one is not terminated. */
function nulStrings(b: Buffer): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  while (start < b.length) {
    const end = b.indexOf(0, start);
    if (end === -1) return undefined;
    out.push(b.subarray(start, end).toString('utf8'));
    start = end + 1;
  }
  return out;
}

function pairs(strings: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < strings.length; i += 2) m.set(strings[i]!.toLowerCase(), strings[i + 1]!);
  return m;
}

/** A server's error text goes to a terminal and to logs: no control characters. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
