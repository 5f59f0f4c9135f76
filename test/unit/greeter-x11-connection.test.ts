// The X greeter against a fake X server on a TCP port: the handshake with the cookie from an
// Xauthority file, the keymap requests, key presses sent as events, and what happens when
// the cookie is wrong or the server goes away. No Xvfb needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X11Greeter, FONT_CANDIDATES } from '../../agent/login/greeter-x11.ts';
import { existsSync } from 'node:fs';
import type { GreeterSetup } from '../../agent/login/greeter.ts';
import { setupReply, xauthEntry } from './greeter-x11-fixtures.ts';

const COOKIE = Buffer.alloc(16, 0x5a);
const KEYS = { a: 38, Return: 36 };
const skip = FONT_CANDIDATES.some(([regular]) => existsSync(regular)) ? undefined : 'no TrueType font installed';

const setup: GreeterSetup = { title: { hostname: 'ltsp-test' }, servers: [{ host: 'server1' }], defaultServer: 'server1', sessions: [], languages: [], allowGuest: false };

/** Enough of an X server for the greeter: setup, keymap replies, and a way to press keys. */
class FakeX {
  client: Socket | undefined;
  private sequence = 0;
  readonly opcodes: number[] = [];
  private connected!: () => void;
  readonly ready = new Promise<void>((r) => (this.connected = r));

  constructor(readonly server: Server) {
    server.on('connection', (s) => {
      this.client = s;
      let buf = Buffer.alloc(0);
      let setupDone = false;
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (!setupDone) {
          if (buf.length < 12) return;
          const nameLen = buf.readUInt16LE(6);
          const dataLen = buf.readUInt16LE(8);
          const total = 12 + nameLen + ((4 - (nameLen % 4)) % 4) + dataLen + ((4 - (dataLen % 4)) % 4);
          if (buf.length < total) return;
          const dataAt = 12 + nameLen + ((4 - (nameLen % 4)) % 4);
          const ok = buf.toString('latin1', 12, 12 + nameLen) === 'MIT-MAGIC-COOKIE-1' && buf.subarray(dataAt, dataAt + dataLen).equals(COOKIE);
          buf = buf.subarray(total);
          setupDone = true;
          if (!ok) {
            const reason = Buffer.from('Invalid MIT-MAGIC-COOKIE-1 key');
            const fail = Buffer.alloc(8 + 32);
            fail[1] = reason.length;
            fail.writeUInt16LE(32 / 4, 6); // length of what follows the header, in words
            reason.copy(fail, 8);
            s.end(fail);
            return;
          }
          s.write(setupReply());
        }
        while (buf.length >= 4 && buf.length >= 4 * buf.readUInt16LE(2)) {
          const len = 4 * buf.readUInt16LE(2);
          this.request(buf[0]!, buf.subarray(0, len));
          buf = buf.subarray(len);
        }
      });
    });
  }

  private request(opcode: number, _req: Buffer): void {
    this.sequence++;
    this.opcodes.push(opcode);
    if (opcode === 101) {
      // GetKeyboardMapping: 2 keysyms per keycode 8..255; 'a'/'A' on 38, Return on 36.
      const count = 248 * 2;
      const r = this.reply(2, count);
      r.writeUInt32LE(0x61, 32 + 4 * 2 * (KEYS.a - 8));
      r.writeUInt32LE(0x41, 32 + 4 * (2 * (KEYS.a - 8) + 1));
      r.writeUInt32LE(0xff0d, 32 + 4 * 2 * (KEYS.Return - 8));
      this.client!.write(r);
    } else if (opcode === 119) {
      this.client!.write(this.reply(1, 2)); // GetModifierMapping: one (empty) keycode per modifier
    } else if (opcode === 43) {
      this.client!.write(this.reply(0, 0)); // GetInputFocus
    }
    if (opcode === 8) this.connected(); // MapWindow: the greeter is on screen
  }

  private reply(data: number, words: number): Buffer {
    const r = Buffer.alloc(32 + 4 * words);
    r[0] = 1;
    r[1] = data;
    r.writeUInt16LE(this.sequence & 0xffff, 2);
    r.writeUInt32LE(words, 4);
    return r;
  }

  press(keycode: number): void {
    const e = Buffer.alloc(32);
    e[0] = 2;
    e[1] = keycode;
    e.writeUInt16LE(this.sequence & 0xffff, 2);
    this.client!.write(e);
  }
}

async function withFakeX(work: (x: FakeX, display: string, xauthority: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-x-'));
  const server = createServer();
  const fake = new FakeX(server);
  try {
    // A display number whose port 6000+n is free.
    let n = 0;
    for (n = 100 + Math.floor(Math.random() * 800); ; n++) {
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(6000 + n, '127.0.0.1', () => resolve(true));
      });
      if (ok) break;
    }
    const xauthority = join(dir, 'Xauthority');
    writeFileSync(xauthority, xauthEntry(65535, '', '', 'MIT-MAGIC-COOKIE-1', COOKIE));
    await work(fake, `127.0.0.1:${n}`, xauthority);
  } finally {
    fake.client?.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

test('handshake with the cookie, keymap from the server, key events answer the login', { skip }, async () => {
  await withFakeX(async (x, display, xauthority) => {
    const g = await X11Greeter.open({ display, xauthority });
    const answer = g.ask(setup);
    await x.ready;
    x.press(KEYS.a);
    x.press(KEYS.Return); // to the password
    x.press(KEYS.a);
    x.press(KEYS.Return); // log in
    assert.deepEqual(await answer, { kind: 'login', username: 'a', password: 'a', server: 'server1', session: undefined, language: undefined });
    await g.drawn();
    assert.deepEqual(x.opcodes.slice(0, 4), [101, 119, 1, 55], 'keymap first, then CreateWindow and CreateGC');
    assert.ok(x.opcodes.includes(72), 'drawn with PutImage');
    await g.close();
  });
});

test('a wrong cookie: the server reason in the error', { skip }, async () => {
  await withFakeX(async (_x, display, xauthority) => {
    writeFileSync(xauthority, xauthEntry(65535, '', '', 'MIT-MAGIC-COOKIE-1', Buffer.alloc(16, 1)));
    await assert.rejects(X11Greeter.open({ display, xauthority }), /Invalid MIT-MAGIC-COOKIE-1 key/);
  });
});

test('the X server going away fails the waiting ask() and every later call', { skip }, async () => {
  await withFakeX(async (x, display, xauthority) => {
    const g = await X11Greeter.open({ display, xauthority });
    const answer = g.ask(setup);
    await x.ready;
    x.client!.end();
    await assert.rejects(answer, /closed the connection/);
    await assert.rejects(g.ask(setup), /closed the connection/);
    await g.close();
  });
});
