// The X greeter's form (focus, editing, choices, countdown, prompt) and its painting,
// without an X server: keys go in, answers come out.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { LoginForm, languageOption } from '../../agent/login/x11/greeter-form.ts';
import { GreeterPainter } from '../../agent/login/x11/greeter-paint.ts';
import { Keysym, keysymToText, type KeyInput } from '../../agent/login/x11/keyboard.ts';
import { ScaledFont, TrueTypeFont } from '../../agent/login/x11/truetype.ts';
import { Canvas, encodeImage } from '../../agent/login/x11/canvas.ts';
import { FONT_CANDIDATES } from '../../agent/login/greeter-x11.ts';
import type { GreeterSetup } from '../../agent/login/greeter.ts';

const setup: GreeterSetup = {
  title: { hostname: 'ltsp-test', ip: '10.0.0.2' },
  servers: [{ host: 'server1', rating: 90 }, { host: 'server2', down: true }],
  defaultServer: 'server1',
  sessions: [{ name: 'Xfce', command: '/usr/bin/startxfce4' }],
  languages: ['de_DE.UTF-8'],
  allowGuest: true,
  loginTimeoutS: 3,
};

const key = (keysym: number, mods: Partial<KeyInput> = {}): KeyInput => ({ keysym, text: keysymToText(keysym), shift: false, control: false, alt: false, ...mods });
const typeInto = (f: LoginForm, s: string) => {
  for (const ch of s) f.key({ keysym: 0, text: ch, shift: false, control: false, alt: false });
};

test('Enter moves from the user name to the password, and from there logs in', () => {
  const f = new LoginForm(setup);
  f.startLogin();
  typeInto(f, 'alicx');
  f.key(key(Keysym.BackSpace));
  typeInto(f, 'e');
  assert.equal(f.key(key(Keysym.Return)), undefined);
  assert.equal(f.focus, 'password');
  typeInto(f, 'pw');
  assert.deepEqual(f.key(key(Keysym.Return)), {
    kind: 'answer',
    answer: { kind: 'login', username: 'alice', password: 'pw', server: 'server1', session: undefined, language: undefined },
  });
  assert.equal(f.mode, 'busy');
  assert.equal(f.key(key(0x61)), undefined, 'busy: keys are ignored');
});

test('Tab order, choices cycled with arrows, an empty user name refused', () => {
  const f = new LoginForm(setup);
  f.startLogin();
  assert.deepEqual(f.fields(), ['user', 'password', 'server', 'session', 'language', 'login', 'guest', 'reboot', 'shutdown']);
  f.key(key(Keysym.Tab));
  f.key(key(Keysym.Tab));
  f.key(key(Keysym.Right));
  assert.equal(f.selected('server'), 'server2');
  f.key(key(Keysym.Tab));
  f.key(key(Keysym.Left)); // wraps to the last session: failsafe
  assert.equal(f.selected('session'), '/usr/bin/xterm');
  assert.equal(f.key(key(Keysym.Return)), undefined);
  assert.equal(f.focus, 'user');
  assert.equal(f.message?.kind, 'error');
  f.key(key(Keysym.Tab, { shift: true }));
  assert.equal(f.focus, 'shutdown');
  assert.deepEqual(f.key(key(0x20)), { kind: 'answer', answer: { kind: 'shutdown' } });
});

test('line editing: cursor movement, Delete, Ctrl-U, Escape', () => {
  const f = new LoginForm(setup);
  f.startLogin();
  typeInto(f, 'bb');
  f.key(key(Keysym.Home));
  typeInto(f, 'ä');
  f.key(key(Keysym.End));
  f.key(key(Keysym.Left));
  f.key(key(Keysym.Delete));
  assert.equal(f.user.text, 'äb');
  f.key(key(0x75, { control: true, text: '' }));
  assert.equal(f.user.text, '');
  typeInto(f, 'x');
  f.key(key(Keysym.Escape));
  assert.equal(f.user.text, '');
});

test('the guest countdown runs while the user field is empty and restarts on a key', () => {
  const f = new LoginForm(setup);
  f.startLogin();
  assert.equal(f.tick(), undefined);
  f.key(key(Keysym.Tab)); // a key restarts the count
  assert.equal(f.guestIn, 3);
  f.tick();
  f.tick();
  assert.deepEqual(f.tick(), { kind: 'answer', answer: { kind: 'guest', server: 'server1', session: undefined, language: undefined } });
  const g = new LoginForm(setup);
  g.startLogin();
  typeInto(g, 'a');
  for (let i = 0; i < 5; i++) assert.equal(g.tick(), undefined, 'a typed user name stops it');
});

test('a prompt takes one answer; a new ask keeps the user name and focuses the password', () => {
  const f = new LoginForm(setup);
  f.startLogin();
  typeInto(f, 'bob');
  f.startPrompt('New password:', false);
  assert.deepEqual(f.fields(), ['answer']);
  typeInto(f, 'n3w');
  assert.deepEqual(f.key(key(Keysym.KP_Enter)), { kind: 'prompt-answer', text: 'n3w' });
  f.startLogin();
  assert.equal(f.focus, 'password');
  assert.equal(f.user.text, 'bob');
  f.cycle('server', 1);
  const next = new LoginForm(setup);
  next.keepFrom(f);
  next.startLogin();
  assert.deepEqual([next.user.text, next.password.text, next.selected('server'), next.focus], ['bob', '', 'server2', 'password']);
});

test('forced session and language hide those choices; one server hides the server choice', () => {
  const f = new LoginForm({ ...setup, servers: [{ host: 'only' }], defaultServer: 'only', forcedSession: 'gnome', forcedLanguage: 'de_DE.UTF-8', allowGuest: false });
  f.startLogin();
  assert.deepEqual(f.fields(), ['user', 'password', 'login', 'reboot', 'shutdown']);
  assert.equal(languageOption('xx_YY.UTF-8').value, 'xx_YY.UTF-8');
});

const fontFile = FONT_CANDIDATES.map(([regular]) => regular).find(existsSync);

test('TrueType text is rasterised with grey levels, and the painted greeter answers clicks', { skip: fontFile ? undefined : 'no TrueType font installed' }, () => {
  const font = new TrueTypeFont(readFileSync(fontFile!));
  const s = new ScaledFont(font, 16);
  const a = s.glyph(0x41);
  assert.ok(a.width > 5 && a.height > 8);
  const levels = new Set(a.coverage);
  assert.ok(levels.has(255) && levels.size > 10, 'solid and anti-aliased pixels');
  assert.ok(s.measure('WWW') > s.measure('iii'));
  assert.equal(s.glyph(0x20).width, 0);

  const fonts = { regular: (px: number) => new ScaledFont(font, px), bold: (px: number) => new ScaledFont(font, px) };
  const painter = new GreeterPainter(1024, 768, fonts);
  const f = new LoginForm(setup);
  f.startLogin();
  const dirty = painter.paint(f, new Date(2026, 0, 1, 12, 0));
  assert.ok(dirty.every((r) => r.x >= 0 && r.y >= 0 && r.x + r.width <= 1024 && r.y + r.height <= 768));
  // Find the login button by scanning the card's middle column, then click it.
  let login: ReturnType<GreeterPainter['hitTest']>;
  for (let y = 0; y < 768 && !login; y += 4) if (painter.hitTest(512, y)?.field === 'login') login = painter.hitTest(512, y);
  assert.ok(login);
  assert.equal(f.click('login'), undefined, 'no user name yet');
  assert.equal(painter.hitTest(2, 2), undefined);
});

test('pixels for a 16-bit server: channels packed into the visual masks', () => {
  const c = new Canvas(2, 1);
  c.pixels.set([0xff0000, 0x00ff00]);
  const b = encodeImage(c, 0, 0, 2, 1, { bitsPerPixel: 16, scanlinePad: 32, redMask: 0xf800, greenMask: 0x07e0, blueMask: 0x001f, byteOrder: 0 });
  assert.deepEqual([b.length, b.readUInt16LE(0), b.readUInt16LE(2)], [4, 0xf800, 0x07e0]);
  const w = encodeImage(c, 0, 0, 2, 1, { bitsPerPixel: 32, scanlinePad: 32, redMask: 0xff0000, greenMask: 0xff00, blueMask: 0xff, byteOrder: 0 });
  assert.deepEqual([w.readUInt32LE(0), w.readUInt32LE(4)], [0xff0000, 0x00ff00]);
});
