// Keycodes to keysyms to text with the core protocol's rules, for a US and a German-like
// keyboard table: Shift, Caps Lock, AltGr (level 3), Num Lock, legacy keysym charsets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeadKeyComposer, Keymap, Keysym, keysymToText, type KeyInput } from '../../agent/login/x11/keyboard.ts';

const MIN = 8;
const PER = 6;
// keycode -> up to 6 keysyms: group 1 level 1/2, group 2 level 1/2, level 3/4 (XKB's core view)
const table: Record<number, number[]> = {
  24: [0x71, 0x51, 0x71, 0x51, 0x40, 0x7d9], // q Q . . @ Greek_OMEGA
  38: [0x61], // a, second column empty: the protocol derives A
  47: [0xf6, 0xd6], // odiaeresis Odiaeresis
  50: [0xffe1], // Shift_L
  66: [0xffe5], // Caps_Lock
  77: [Keysym.Num_Lock],
  87: [0xff9c, 0xffb1], // KP_End / KP_1
  92: [Keysym.ISO_Level3_Shift],
  26: [0x65, 0x45, 0x65, 0x45, 0x20ac], // e E . . EuroSign
};

function keymap(): Keymap {
  const keysyms = new Uint32Array((255 - MIN + 1) * PER);
  for (const [code, syms] of Object.entries(table)) syms.forEach((s, i) => (keysyms[(Number(code) - MIN) * PER + i] = s));
  // Shift, Lock, Control, Mod1, Mod2 (Num Lock), Mod3, Mod4, Mod5 (AltGr)
  return new Keymap(MIN, PER, keysyms, [[50], [66], [], [], [77], [], [], [92]]);
}

const SHIFT = 0x1;
const LOCK = 0x2;
const MOD2 = 0x10;
const MOD5 = 0x80;

test('plain, Shift, Caps Lock: a letter whose upper case the table leaves out', () => {
  const k = keymap();
  assert.equal(k.lookup(38, 0).text, 'a');
  assert.equal(k.lookup(38, SHIFT).text, 'A');
  assert.equal(k.lookup(38, LOCK).text, 'A');
  assert.equal(k.lookup(47, 0).text, 'ö');
  assert.equal(k.lookup(47, LOCK).text, 'Ö');
});

test('AltGr is found in the modifier map and selects level 3', () => {
  const k = keymap();
  assert.equal(k.lookup(24, MOD5).text, '@');
  assert.equal(k.lookup(24, MOD5 | SHIFT).text, 'Ω');
  assert.equal(k.lookup(26, MOD5).text, '€');
  assert.equal(k.lookup(47, MOD5).text, 'ö', 'no level 3 on this key: level 1');
});

test('Num Lock turns keypad keys into digits; Control types nothing', () => {
  const k = keymap();
  assert.equal(k.lookup(87, 0).text, '');
  assert.equal(k.lookup(87, MOD2).text, '1');
  const ctrl = k.lookup(38, 0x4);
  assert.deepEqual([ctrl.keysym, ctrl.text, ctrl.control], [0x61, '', true]);
});

test('keysyms to text: Latin-1, Unicode, and the legacy 8-bit blocks', () => {
  assert.equal(keysymToText(0x41), 'A');
  assert.equal(keysymToText(0xdf), 'ß');
  assert.equal(keysymToText(0x1000000 | 0x20ac), '€');
  assert.equal(keysymToText(0x1b1), 'ą'); // aogonek, Latin-2
  assert.equal(keysymToText(0x6c1), 'а'); // Cyrillic_a
  assert.equal(keysymToText(0x7c1), 'Α'); // Greek_ALPHA
  assert.equal(keysymToText(0x13bd), 'œ');
  assert.equal(keysymToText(Keysym.Return), '');
});

test('dead keys compose with the next letter (ê, ñ), type the accent before space or twice', () => {
  const c = new DeadKeyComposer();
  const k = (keysym: number): KeyInput => ({ keysym, text: keysymToText(keysym), shift: false, control: false, alt: false });
  const typed = (...keysyms: number[]) => keysyms.map((s) => c.feed(k(s)).text).join('');
  const circumflex = 0xfe52;
  const tilde = 0xfe53;
  assert.equal(typed(circumflex, 0x65), 'ê');
  assert.equal(typed(tilde, 0x4e), 'Ñ');
  assert.equal(typed(circumflex, 0xffe1 /* Shift_L: no text */, 0x45), 'Ê');
  assert.equal(typed(circumflex, 0x20), '^');
  assert.equal(typed(circumflex, circumflex), '^');
  assert.equal(typed(circumflex, 0x71), '^q', 'no ^q character: both are typed');
  assert.equal(typed(0x61), 'a');
});
