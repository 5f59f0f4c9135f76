// X11 forwarding with OpenSSH's cookie discipline (ssh -X/-Y): the server gets a random fake
// cookie; every forwarded X connection must present exactly that fake cookie in its setup
// request, which is then swapped for the display's real cookie before the first byte reaches
// the X server. The real cookie never leaves the client. ssh2 alone would hand the real
// cookie to the server, where any process of the user's could read it.

import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { MIT_COOKIE, displaySocket } from './xauth.ts';

export interface X11Forwarder {
  /** Goes to the server in the x11-req (hex, as ssh2 wants it). */
  readonly fakeCookieHex: string;
  /** Handle one forwarded connection (ssh2 'x11' event's accepted channel). */
  handle(channel: Duplex): void;
  /** Close every forwarded connection (logout). */
  closeAll(): void;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** Parse an X11 setup request header; undefined while incomplete. */
export function parseSetup(b: Buffer): { size: number; name: string; dataOff: number; dataLen: number } | 'bad' | undefined {
  if (b.length < 12) return undefined;
  const le = b[0] === 0x6c; // 'l'
  if (!le && b[0] !== 0x42) return 'bad'; // 'B'
  const u16 = (o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const nameLen = u16(6);
  const dataLen = u16(8);
  const dataOff = 12 + nameLen + pad4(nameLen);
  const size = dataOff + dataLen + pad4(dataLen);
  if (b.length < size) return undefined;
  return { size, name: b.subarray(12, 12 + nameLen).toString('latin1'), dataOff, dataLen };
}

export function createX11Forwarder(display: number, realCookie: Buffer | undefined, socketPath = displaySocket(display)): X11Forwarder {
  const fake = randomBytes(16);
  const open = new Set<{ destroy(): void }>();
  return {
    fakeCookieHex: fake.toString('hex'),
    handle(channel) {
      let head = Buffer.alloc(0);
      let x: Socket | undefined;
      open.add(channel);
      const end = () => {
        channel.destroy();
        x?.destroy();
        open.delete(channel);
        if (x) open.delete(x);
      };
      const onData = (d: Buffer) => {
        head = Buffer.concat([head, d]);
        if (head.length > 65536) return end();
        const s = parseSetup(head);
        if (s === undefined) return;
        channel.removeListener('data', onData);
        if (s === 'bad' || s.name !== MIT_COOKIE || s.dataLen !== 16 || !timingSafeEqual(head.subarray(s.dataOff, s.dataOff + 16), fake)) {
          return end(); // not our fake cookie: refused, as OpenSSH does
        }
        const out = Buffer.from(head);
        if (realCookie) realCookie.copy(out, s.dataOff);
        x = connect(socketPath);
        open.add(x);
        x.on('error', end);
        x.on('close', end);
        x.write(out);
        channel.pipe(x).pipe(channel);
      };
      channel.on('data', onData);
      channel.on('error', end);
      channel.on('close', end);
    },
    closeAll() {
      for (const s of open) s.destroy();
      open.clear();
    },
  };
}
