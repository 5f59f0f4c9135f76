// Byte layouts of the X11 requests, replies and events the greeter uses, DISPLAY parsing,
// and the Xauthority file format.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as X from '../../agent/login/x11/protocol.ts';
import { findCookie, parseDisplay, parseXauthority } from '../../agent/login/x11/display.ts';
import { setupReply, xauthEntry } from './greeter-x11-fixtures.ts';

test('setup request: little-endian, protocol 11.0, padded auth name and data', () => {
  const b = X.encodeSetupRequest('MIT-MAGIC-COOKIE-1', Buffer.alloc(16, 0xab));
  assert.equal(b.length, 12 + 20 + 16);
  assert.equal(b.toString('latin1', 0, 1), 'l');
  assert.deepEqual([b.readUInt16LE(2), b.readUInt16LE(4), b.readUInt16LE(6), b.readUInt16LE(8)], [11, 0, 18, 16]);
  assert.equal(b.toString('latin1', 12, 30), 'MIT-MAGIC-COOKIE-1');
  assert.equal(b[32], 0xab);
});

test('setup reply: ids, limits, keycodes, formats and the root visual', () => {
  const reply = setupReply();
  assert.equal(X.setupReplyLength(reply.subarray(0, 7)), undefined);
  assert.equal(X.setupReplyLength(reply), reply.length);
  const info = X.decodeSetupReply(reply);
  assert.equal(info.resourceIdBase, 0x00400000);
  assert.equal(info.maxRequestLength, 65535);
  assert.deepEqual([info.minKeycode, info.maxKeycode, info.vendor], [8, 255, 'Test X']);
  assert.deepEqual(info.formats, [{ depth: 24, bitsPerPixel: 32, scanlinePad: 32 }]);
  const s = info.screens[0]!;
  assert.deepEqual([s.root, s.width, s.height, s.rootDepth], [0x123, 1280, 800, 24]);
  assert.deepEqual(s.rootVisual, { id: 0x21, class: 4, redMask: 0xff0000, greenMask: 0xff00, blueMask: 0xff });
});

test('a refused connection reports the server reason', () => {
  const reason = Buffer.from('No protocol specified\n');
  const b = Buffer.alloc(8 + 24);
  b[1] = reason.length;
  reason.copy(b, 8);
  assert.throws(() => X.decodeSetupReply(b), /refused the connection: No protocol specified/);
});

test('requests: opcode, length in words, value lists in mask order', () => {
  const w = X.createWindow(0x400001, 0x123, { x: 0, y: 0, width: 1280, height: 800 }, new Map([[X.WindowAttr.EventMask, 0x8001], [X.WindowAttr.BackgroundPixel, 7]]));
  assert.equal(w[0], 1);
  assert.equal(w.readUInt16LE(2) * 4, w.length);
  assert.equal(w.readUInt32LE(28), X.WindowAttr.BackgroundPixel | X.WindowAttr.EventMask);
  assert.deepEqual([w.readUInt32LE(32), w.readUInt32LE(36)], [7, 0x8001]); // background first: lower bit
  const name = X.setProperty8(5, X.Atom.WM_NAME, X.Atom.STRING, Buffer.from('greeter'));
  assert.deepEqual([name[0], name.readUInt16LE(2), name[16], name.readUInt32LE(20), name.toString('latin1', 24, 31)], [18, 8, 8, 7, 'greeter']);
  const img = X.putImage(5, 6, { x: 1, y: 2, width: 3, height: 1 }, 24, Buffer.alloc(12));
  assert.deepEqual([img[0], img[1], img.readUInt16LE(2), img[21]], [72, 2, 6 + 3, 24]);
  assert.deepEqual([...X.getKeyboardMapping(8, 248)], [101, 0, 2, 0, 8, 248, 0, 0]);
});

test('server messages: replies are as long as they say, events are 32 bytes', () => {
  const reply = Buffer.alloc(40);
  reply[0] = 1;
  reply.writeUInt16LE(7, 2);
  reply.writeUInt32LE(2, 4);
  assert.equal(X.messageLength(reply), 40);
  assert.equal(X.messageLength(reply.subarray(0, 31)), undefined);
  assert.deepEqual(X.decodeMessage(reply).type, 'reply');

  const key = Buffer.alloc(32);
  key[0] = 2 | 0x80; // sent with SendEvent: still a key press
  key[1] = 38;
  key.writeUInt32LE(0x400001, 12);
  key.writeUInt16LE(0x1 | 0x80, 28);
  assert.deepEqual(X.decodeEvent(key), { type: 'KeyPress', keycode: 38, time: 0, window: 0x400001, state: 0x81 });

  const expose = Buffer.alloc(32);
  expose[0] = 12;
  expose.writeUInt16LE(10, 8);
  expose.writeUInt16LE(20, 10);
  expose.writeUInt16LE(30, 12);
  expose.writeUInt16LE(40, 14);
  assert.deepEqual(X.decodeEvent(expose), { type: 'Expose', window: 0, x: 10, y: 20, width: 30, height: 40, count: 0 });

  const err = Buffer.alloc(32);
  err[1] = 3;
  err.writeUInt16LE(9, 2);
  err[10] = 8;
  assert.deepEqual(X.decodeMessage(err), { type: 'error', sequence: 9, code: 3, badValue: 0, majorOpcode: 8 });
});

test('keyboard and modifier mapping replies', () => {
  const kb = Buffer.alloc(32 + 16);
  kb[1] = 2;
  kb.writeUInt32LE(4, 4);
  [0x61, 0x41, 0x62, 0x42].forEach((k, i) => kb.writeUInt32LE(k, 32 + 4 * i));
  const m = X.decodeKeyboardMapping(kb);
  assert.equal(m.perKeycode, 2);
  assert.deepEqual([...m.keysyms], [0x61, 0x41, 0x62, 0x42]);
  const mods = Buffer.alloc(32 + 16);
  mods[1] = 2;
  mods[32] = 50; // Shift: keycodes 50, 62
  mods[33] = 62;
  mods[32 + 14] = 92; // Mod5: 92
  assert.deepEqual(X.decodeModifierMapping(mods), [[50, 62], [], [], [], [], [], [], [92]]);
});

test('DISPLAY: unix socket or TCP, with a screen number', () => {
  assert.deepEqual(parseDisplay(':7'), { socketPath: '/tmp/.X11-unix/X7', display: 7, screen: 0 });
  assert.deepEqual(parseDisplay('unix:0.1'), { socketPath: '/tmp/.X11-unix/X0', display: 0, screen: 1 });
  assert.deepEqual(parseDisplay('10.0.0.1:2'), { host: '10.0.0.1', port: 6002, display: 2, screen: 0 });
  assert.throws(() => parseDisplay('nonsense'), /cannot parse DISPLAY/);
});

test('Xauthority: the MIT cookie for this host and display, or a wildcard entry', () => {
  const mine = Buffer.alloc(16, 1);
  const other = Buffer.alloc(16, 2);
  const file = Buffer.concat([
    xauthEntry(256, 'otherhost', '7', 'MIT-MAGIC-COOKIE-1', other),
    xauthEntry(256, 'ltsp42', '6', 'MIT-MAGIC-COOKIE-1', other),
    xauthEntry(256, 'ltsp42', '7', 'MIT-MAGIC-COOKIE-1', mine),
    Buffer.from([0, 1, 0]), // a truncated entry at the end is ignored
  ]);
  const entries = parseXauthority(file);
  assert.equal(entries.length, 3);
  assert.deepEqual(findCookie(entries, parseDisplay(':7'), 'ltsp42'), mine);
  assert.equal(findCookie(entries, parseDisplay(':8'), 'ltsp42'), undefined);
  const wild = parseXauthority(xauthEntry(65535, '', '', 'MIT-MAGIC-COOKIE-1', mine));
  assert.deepEqual(findCookie(wild, parseDisplay(':3'), 'anyhost'), mine);
});
