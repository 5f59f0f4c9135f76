// Keycodes to keysyms to characters, with whatever layout the X server has loaded (us, de,
// fr, ...): the server sends keycodes; the table from GetKeyboardMapping says which keysyms
// each key carries, and GetModifierMapping says which modifier bit is AltGr, Mode_switch or
// Num_Lock on this server. The selection follows the core protocol's rules (X11 protocol
// §5, "Keyboards") plus the XKB convention that level 3 (AltGr) sits in columns 5 and 6.

export const Keysym = {
  BackSpace: 0xff08,
  Tab: 0xff09,
  ISO_Left_Tab: 0xfe20,
  Return: 0xff0d,
  KP_Enter: 0xff8d,
  Escape: 0xff1b,
  Delete: 0xffff,
  Home: 0xff50,
  Left: 0xff51,
  Up: 0xff52,
  Right: 0xff53,
  Down: 0xff54,
  End: 0xff57,
  KP_Left: 0xff96,
  KP_Up: 0xff97,
  KP_Right: 0xff98,
  KP_Down: 0xff99,
  Mode_switch: 0xff7e,
  Num_Lock: 0xff7f,
  ISO_Level3_Shift: 0xfe03,
} as const;

export const Mod = { Shift: 0x1, Lock: 0x2, Control: 0x4, Mod1: 0x8 } as const;

/** What a key press means: its keysym, the text it types (if any), and the modifiers held. */
export interface KeyInput {
  readonly keysym: number;
  readonly text: string;
  readonly shift: boolean;
  readonly control: boolean;
  readonly alt: boolean;
}

export class Keymap {
  private readonly modeSwitchMask: number;
  private readonly level3Mask: number;
  /** The modifier bit(s) Num_Lock sets on this server (0: none). */
  readonly numLockMask: number;

  /**
   * @param minKeycode the first keycode the keysym table describes
   * @param perKeycode keysyms per keycode in the table
   * @param keysyms the GetKeyboardMapping table
   * @param modifiers for each of the 8 modifier bits, the keycodes that set it
   */
  constructor(
    private readonly minKeycode: number,
    private readonly perKeycode: number,
    private readonly keysyms: Uint32Array,
    modifiers: readonly (readonly number[])[],
  ) {
    const maskOf = (keysym: number): number =>
      modifiers.reduce((mask, codes, bit) => (codes.some((c) => this.column(c, 0) === keysym || this.column(c, 1) === keysym) ? mask | (1 << bit) : mask), 0);
    this.modeSwitchMask = maskOf(Keysym.Mode_switch);
    this.level3Mask = maskOf(Keysym.ISO_Level3_Shift);
    this.numLockMask = maskOf(Keysym.Num_Lock);
  }

  private column(keycode: number, col: number): number {
    if (col >= this.perKeycode) return 0;
    return this.keysyms[(keycode - this.minKeycode) * this.perKeycode + col] ?? 0;
  }

  /** The keysym a key press with modifier `state` produces. */
  keysym(keycode: number, state: number): number {
    const shift = (state & Mod.Shift) !== 0;
    const lock = (state & Mod.Lock) !== 0;
    const first = (state & this.level3Mask) !== 0 ? 4 : (state & this.modeSwitchMask) !== 0 ? 2 : 0;
    let [lower, upper] = [this.column(keycode, first), this.column(keycode, first + 1)];
    if (first > 0 && lower === 0 && upper === 0) [lower, upper] = [this.column(keycode, 0), this.column(keycode, 1)];
    if (upper === 0) [lower, upper] = caseVariants(lower);
    if ((state & this.numLockMask) !== 0 && isKeypad(upper)) return shift ? lower : upper;
    if (!shift && !lock) return lower;
    if (!shift && lock) return caseVariants(lower)[1];
    return upper; // Shift (with or without Caps Lock, which Shift cancels for letters in most layouts)
  }

  lookup(keycode: number, state: number): KeyInput {
    const keysym = this.keysym(keycode, state);
    const control = (state & Mod.Control) !== 0;
    return { keysym, text: control ? '' : keysymToText(keysym), shift: (state & Mod.Shift) !== 0, control, alt: (state & Mod.Mod1) !== 0 };
  }
}

// Dead keys (French ^ and ¨, German ´ and `, ...) put an accent on the next letter. The
// accent is a Unicode combining mark; NFC normalisation composes it with the letter when a
// precomposed character exists (ê, ñ, ç), as X input methods do.
const DEAD_KEYS: Readonly<Record<number, { combining: string; spacing: string }>> = {
  0xfe50: { combining: '\u0300', spacing: '`' }, // dead_grave
  0xfe51: { combining: '\u0301', spacing: '´' }, // dead_acute
  0xfe52: { combining: '\u0302', spacing: '^' }, // dead_circumflex
  0xfe53: { combining: '\u0303', spacing: '~' }, // dead_tilde
  0xfe54: { combining: '\u0304', spacing: '¯' }, // dead_macron
  0xfe55: { combining: '\u0306', spacing: '˘' }, // dead_breve
  0xfe56: { combining: '\u0307', spacing: '˙' }, // dead_abovedot
  0xfe57: { combining: '\u0308', spacing: '¨' }, // dead_diaeresis
  0xfe58: { combining: '\u030a', spacing: '°' }, // dead_abovering
  0xfe59: { combining: '\u030b', spacing: '˝' }, // dead_doubleacute
  0xfe5a: { combining: '\u030c', spacing: 'ˇ' }, // dead_caron
  0xfe5b: { combining: '\u0327', spacing: '¸' }, // dead_cedilla
  0xfe5c: { combining: '\u0328', spacing: '˛' }, // dead_ogonek
};

/** Turns a dead key and the key after it into one character; everything else passes through. */
export class DeadKeyComposer {
  private pending: (typeof DEAD_KEYS)[number] | undefined;

  feed(k: KeyInput): KeyInput {
    const dead = DEAD_KEYS[k.keysym];
    if (dead) {
      // The same dead key twice types the accent itself.
      const twice = this.pending === dead;
      this.pending = twice ? undefined : dead;
      return { ...k, text: twice ? dead.spacing : '' };
    }
    const accent = this.pending;
    if (!accent || k.text === '') return k; // modifiers and function keys keep the accent waiting
    this.pending = undefined;
    if (k.text === ' ') return { ...k, text: accent.spacing };
    const composed = (k.text + accent.combining).normalize('NFC');
    return { ...k, text: [...composed].length === 1 ? composed : accent.spacing + k.text };
  }
}

const isKeypad = (k: number): boolean => k >= 0xff80 && k <= 0xffbd;

/** (lower, upper) for a keysym whose second column is empty, per the protocol's rule. */
function caseVariants(keysym: number): [number, number] {
  const text = keysymToText(keysym);
  if (text.length === 0) return [keysym, keysym];
  const lower = text.toLowerCase();
  const upper = text.toUpperCase();
  if (lower === upper || [...upper].length !== 1) return [keysym, keysym];
  return [textToKeysym(lower), textToKeysym(upper)];
}

function textToKeysym(ch: string): number {
  const cp = ch.codePointAt(0)!;
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) ? cp : 0x01000000 | cp;
}

// Legacy keysym blocks that are byte-for-byte an 8-bit charset (the X11 keysym tables were
// built from them): 0x1a1-0x1ff is ISO 8859-2 0xa1-0xff, and so on.
const LEGACY_BLOCKS: readonly { readonly block: number; readonly from: number; readonly encoding: string }[] = [
  { block: 0x100, from: 0xa1, encoding: 'iso-8859-2' }, // Latin-2: cs, pl, hu, ...
  { block: 0x200, from: 0xa1, encoding: 'iso-8859-3' }, // Latin-3
  { block: 0x300, from: 0xa2, encoding: 'iso-8859-4' }, // Latin-4
  { block: 0x600, from: 0xa1, encoding: 'koi8-u' }, // Cyrillic keysyms follow KOI8
  { block: 0x700, from: 0xc1, encoding: 'iso-8859-7' }, // Greek letters
];

const KEYPAD_TEXT: Readonly<Record<number, string>> = { 0xff80: ' ', 0xffaa: '*', 0xffab: '+', 0xffac: ',', 0xffad: '-', 0xffae: '.', 0xffaf: '/', 0xffbd: '=' };

const LATIN9: Readonly<Record<number, string>> = { 0x13bc: 'Œ', 0x13bd: 'œ', 0x13be: 'Ÿ', 0x20ac: '€' };

const decoders = new Map<string, TextDecoder | null>();
function decodeByte(encoding: string, byte: number): string {
  if (!decoders.has(encoding)) {
    try {
      decoders.set(encoding, new TextDecoder(encoding));
    } catch {
      decoders.set(encoding, null); // a Node without full ICU: these keys type nothing
    }
  }
  const d = decoders.get(encoding);
  return d ? d.decode(Uint8Array.of(byte)).replace('\ufffd', '') : '';
}

/** The text a keysym types, or '' for function keys and keysyms we do not know. */
export function keysymToText(keysym: number): string {
  if ((keysym >= 0x20 && keysym <= 0x7e) || (keysym >= 0xa0 && keysym <= 0xff)) return String.fromCharCode(keysym);
  if ((keysym & 0xff000000) === 0x01000000) {
    const cp = keysym & 0x00ffffff;
    return cp <= 0x10ffff && cp >= 0x20 ? String.fromCodePoint(cp) : '';
  }
  if (keysym >= 0xffb0 && keysym <= 0xffb9) return String(keysym - 0xffb0);
  const special = KEYPAD_TEXT[keysym] ?? LATIN9[keysym];
  if (special) return special;
  for (const { block, from, encoding } of LEGACY_BLOCKS) {
    const byte = keysym - block;
    if (byte >= from && byte <= 0xff) return decodeByte(encoding, byte);
  }
  return '';
}
