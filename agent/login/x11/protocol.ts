// The X11 core protocol, as far as the greeter needs it: the connection handshake, a dozen
// requests, and the events and replies they produce. Pure encoding and decoding: no sockets
// here, so every byte layout can be checked by a unit test.
//
// We always speak little-endian ('l'), so every multi-byte field below is LE whatever the
// server's own byte order is. Lengths in request headers count 4-byte units.

export const pad4 = (n: number): number => (4 - (n % 4)) % 4;

// ---------------------------------------------------------------- connection setup

export function encodeSetupRequest(authName: string, authData: Buffer): Buffer {
  const name = Buffer.from(authName, 'latin1');
  const b = Buffer.alloc(12 + name.length + pad4(name.length) + authData.length + pad4(authData.length));
  b.write('l', 0, 'latin1');
  b.writeUInt16LE(11, 2); // protocol major
  b.writeUInt16LE(0, 4); // protocol minor
  b.writeUInt16LE(name.length, 6);
  b.writeUInt16LE(authData.length, 8);
  name.copy(b, 12);
  authData.copy(b, 12 + name.length + pad4(name.length));
  return b;
}

export interface Visual {
  readonly id: number;
  readonly class: number;
  readonly redMask: number;
  readonly greenMask: number;
  readonly blueMask: number;
}

export interface Screen {
  readonly root: number;
  readonly defaultColormap: number;
  readonly whitePixel: number;
  readonly blackPixel: number;
  readonly width: number;
  readonly height: number;
  readonly rootDepth: number;
  readonly rootVisual: Visual;
}

export interface PixmapFormat {
  readonly depth: number;
  readonly bitsPerPixel: number;
  readonly scanlinePad: number;
}

export interface ServerInfo {
  readonly resourceIdBase: number;
  readonly resourceIdMask: number;
  /** In 4-byte units: the longest request this server accepts. */
  readonly maxRequestLength: number;
  /** 0 = least significant byte first. */
  readonly imageByteOrder: number;
  readonly minKeycode: number;
  readonly maxKeycode: number;
  readonly vendor: string;
  readonly formats: readonly PixmapFormat[];
  readonly screens: readonly Screen[];
}

/** Total size of the server's setup answer, or undefined while its 8-byte header is incomplete. */
export function setupReplyLength(b: Buffer): number | undefined {
  return b.length < 8 ? undefined : 8 + 4 * b.readUInt16LE(6);
}

/** Decodes the server's answer to the setup request; throws with the server's reason on refusal. */
export function decodeSetupReply(b: Buffer): ServerInfo {
  const status = b[0];
  if (status !== 1) {
    const reason = status === 0 ? b.toString('latin1', 8, 8 + b[1]!) : b.toString('latin1', 8).replace(/\0+$/, '');
    throw new Error(`X server refused the connection: ${reason.trim() || 'no reason given'}`);
  }
  const vendorLength = b.readUInt16LE(24);
  const screenCount = b[28]!;
  const formatCount = b[29]!;
  let o = 40 + vendorLength + pad4(vendorLength);
  const formats: PixmapFormat[] = [];
  for (let i = 0; i < formatCount; i++, o += 8) formats.push({ depth: b[o]!, bitsPerPixel: b[o + 1]!, scanlinePad: b[o + 2]! });
  const screens: Screen[] = [];
  for (let s = 0; s < screenCount; s++) {
    const rootVisualId = b.readUInt32LE(o + 32);
    const depthCount = b[o + 39]!;
    const fixed = {
      root: b.readUInt32LE(o),
      defaultColormap: b.readUInt32LE(o + 4),
      whitePixel: b.readUInt32LE(o + 8),
      blackPixel: b.readUInt32LE(o + 12),
      width: b.readUInt16LE(o + 20),
      height: b.readUInt16LE(o + 22),
      rootDepth: b[o + 38]!,
    };
    o += 40;
    let rootVisual: Visual | undefined;
    for (let d = 0; d < depthCount; d++) {
      const visualCount = b.readUInt16LE(o + 2);
      o += 8;
      for (let v = 0; v < visualCount; v++, o += 24) {
        const id = b.readUInt32LE(o);
        if (id === rootVisualId) {
          rootVisual = { id, class: b[o + 4]!, redMask: b.readUInt32LE(o + 8), greenMask: b.readUInt32LE(o + 12), blueMask: b.readUInt32LE(o + 16) };
        }
      }
    }
    if (!rootVisual) throw new Error('X server setup: the root visual is not described');
    screens.push({ ...fixed, rootVisual });
  }
  return {
    resourceIdBase: b.readUInt32LE(12),
    resourceIdMask: b.readUInt32LE(16),
    maxRequestLength: b.readUInt16LE(26),
    imageByteOrder: b[30]!,
    minKeycode: b[34]!,
    maxKeycode: b[35]!,
    vendor: b.toString('latin1', 40, 40 + vendorLength),
    formats,
    screens,
  };
}

// ---------------------------------------------------------------- requests

/** A request: opcode, the header's data byte, and the body after the 4-byte header. */
function request(opcode: number, data: number, body: Buffer): Buffer {
  const total = 4 + body.length + pad4(body.length);
  const b = Buffer.alloc(total);
  b[0] = opcode;
  b[1] = data;
  b.writeUInt16LE(total / 4, 2);
  body.copy(b, 4);
  return b;
}

function words(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, 4 * i));
  return b;
}

/** Value lists are sent in bit order of their mask: sort the entries by bit. */
function valueList(values: ReadonlyMap<number, number>): { mask: number; list: Buffer } {
  const bits = [...values.keys()].sort((a, b) => a - b);
  return { mask: bits.reduce((m, bit) => m | bit, 0), list: words(...bits.map((bit) => values.get(bit)!)) };
}

export const EventMask = {
  KeyPress: 0x1,
  ButtonPress: 0x4,
  Exposure: 0x8000,
} as const;

export const WindowAttr = {
  BackgroundPixel: 0x2,
  OverrideRedirect: 0x200,
  EventMask: 0x800,
  Cursor: 0x4000,
} as const;

/** Atoms every X server predefines. */
export const Atom = { STRING: 31, WM_NAME: 39 } as const;

export const GCAttr = { GraphicsExposures: 0x10000 } as const;

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function createWindow(wid: number, parent: number, r: Rect, attrs: ReadonlyMap<number, number>): Buffer {
  const { mask, list } = valueList(attrs);
  const head = Buffer.alloc(24);
  head.writeUInt32LE(wid, 0);
  head.writeUInt32LE(parent, 4);
  head.writeInt16LE(r.x, 8);
  head.writeInt16LE(r.y, 10);
  head.writeUInt16LE(r.width, 12);
  head.writeUInt16LE(r.height, 14);
  head.writeUInt16LE(0, 16); // border width
  head.writeUInt16LE(1, 18); // InputOutput
  head.writeUInt32LE(0, 20); // visual: CopyFromParent
  return request(1, 0 /* depth: CopyFromParent */, Buffer.concat([head, words(mask), list]));
}

export function changeWindowAttributes(wid: number, attrs: ReadonlyMap<number, number>): Buffer {
  const { mask, list } = valueList(attrs);
  return request(2, 0, Buffer.concat([words(wid, mask), list]));
}

export const destroyWindow = (wid: number): Buffer => request(4, 0, words(wid));
export const mapWindow = (wid: number): Buffer => request(8, 0, words(wid));

/** Raise to the top of the stacking order (ConfigureWindow stack-mode Above). */
export function raiseWindow(wid: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(wid, 0);
  b.writeUInt16LE(0x40, 4); // stack-mode
  b.writeUInt32LE(0, 8); // Above
  return request(12, 0, b);
}

/** ChangeProperty, mode Replace, 8-bit data (strings such as WM_NAME). */
export function setProperty8(wid: number, property: number, type: number, data: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(wid, 0);
  head.writeUInt32LE(property, 4);
  head.writeUInt32LE(type, 8);
  head[12] = 8; // format: 8-bit items
  head.writeUInt32LE(data.length, 16);
  return request(18, 0, Buffer.concat([head, data]));
}

/** SetInputFocus with revert-to Parent; time CurrentTime. */
export const setInputFocus = (wid: number): Buffer => request(42, 2, words(wid, 0));
/** GetInputFocus: used as a cheap round trip to know the server has handled everything before. */
export const getInputFocus = (): Buffer => request(43, 0, Buffer.alloc(0));

export function openFont(fid: number, name: string): Buffer {
  const n = Buffer.from(name, 'latin1');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(fid, 0);
  head.writeUInt16LE(n.length, 4);
  return request(45, 0, Buffer.concat([head, n]));
}

export function createGC(gc: number, drawable: number, values: ReadonlyMap<number, number>): Buffer {
  const { mask, list } = valueList(values);
  return request(55, 0, Buffer.concat([words(gc, drawable, mask), list]));
}

/** PutImage in ZPixmap format; `data` holds `height` scanlines already padded as the server wants. */
export function putImage(drawable: number, gc: number, r: Rect, depth: number, data: Buffer): Buffer {
  const head = Buffer.alloc(20);
  head.writeUInt32LE(drawable, 0);
  head.writeUInt32LE(gc, 4);
  head.writeUInt16LE(r.width, 8);
  head.writeUInt16LE(r.height, 10);
  head.writeInt16LE(r.x, 12);
  head.writeInt16LE(r.y, 14);
  head[16] = 0; // left pad
  head[17] = depth;
  return request(72, 2 /* ZPixmap */, Buffer.concat([head, data]));
}

/** A cursor from the standard "cursor" font: glyph `shape`, its mask is the next glyph. */
export function createGlyphCursor(cid: number, cursorFont: number, shape: number, fg: [number, number, number], bg: [number, number, number]): Buffer {
  const b = Buffer.alloc(28);
  b.writeUInt32LE(cid, 0);
  b.writeUInt32LE(cursorFont, 4);
  b.writeUInt32LE(cursorFont, 8);
  b.writeUInt16LE(shape, 12);
  b.writeUInt16LE(shape + 1, 14);
  [...fg, ...bg].forEach((c, i) => b.writeUInt16LE(c, 16 + 2 * i));
  return request(94, 0, b);
}

export function getKeyboardMapping(first: number, count: number): Buffer {
  return request(101, 0, Buffer.from([first, count, 0, 0]));
}

export const getModifierMapping = (): Buffer => request(119, 0, Buffer.alloc(0));

// ---------------------------------------------------------------- what the server sends

/** Every server message is 32 bytes, except replies, which carry `length` more 4-byte units. */
export function messageLength(b: Buffer): number | undefined {
  if (b.length < 32) return undefined;
  return b[0] === 1 ? 32 + 4 * b.readUInt32LE(4) : 32;
}

export type ServerMessage =
  | { type: 'reply'; sequence: number; data: Buffer }
  | { type: 'error'; sequence: number; code: number; badValue: number; majorOpcode: number }
  | { type: 'event'; event: XEvent };

export type XEvent =
  | { type: 'KeyPress'; keycode: number; state: number; time: number; window: number }
  | { type: 'ButtonPress'; button: number; x: number; y: number; state: number; window: number }
  | { type: 'Expose'; window: number; x: number; y: number; width: number; height: number; count: number }
  | { type: 'MappingNotify'; request: 'modifier' | 'keyboard' | 'pointer' }
  | { type: 'other'; code: number };

export const ErrorNames: Readonly<Record<number, string>> = {
  1: 'BadRequest', 2: 'BadValue', 3: 'BadWindow', 4: 'BadPixmap', 5: 'BadAtom', 6: 'BadCursor',
  7: 'BadFont', 8: 'BadMatch', 9: 'BadDrawable', 10: 'BadAccess', 11: 'BadAlloc', 13: 'BadGC',
  14: 'BadIDChoice', 15: 'BadName', 16: 'BadLength', 17: 'BadImplementation',
};

export function decodeMessage(b: Buffer): ServerMessage {
  const sequence = b.readUInt16LE(2);
  if (b[0] === 0) return { type: 'error', sequence, code: b[1]!, badValue: b.readUInt32LE(4), majorOpcode: b[10]! };
  if (b[0] === 1) return { type: 'reply', sequence, data: b };
  return { type: 'event', event: decodeEvent(b) };
}

export function decodeEvent(b: Buffer): XEvent {
  const code = b[0]! & 0x7f; // the top bit only says "sent by SendEvent"
  switch (code) {
    case 2:
      return { type: 'KeyPress', keycode: b[1]!, time: b.readUInt32LE(4), window: b.readUInt32LE(12), state: b.readUInt16LE(28) };
    case 4:
      return { type: 'ButtonPress', button: b[1]!, window: b.readUInt32LE(12), x: b.readInt16LE(24), y: b.readInt16LE(26), state: b.readUInt16LE(28) };
    case 12:
      return {
        type: 'Expose',
        window: b.readUInt32LE(4),
        x: b.readUInt16LE(8),
        y: b.readUInt16LE(10),
        width: b.readUInt16LE(12),
        height: b.readUInt16LE(14),
        count: b.readUInt16LE(16),
      };
    case 34:
      return { type: 'MappingNotify', request: (['modifier', 'keyboard', 'pointer'] as const)[b[4]!] ?? 'pointer' };
    default:
      return { type: 'other', code };
  }
}

/** GetKeyboardMapping reply: `perKeycode` keysyms for each keycode from the requested first. */
export function decodeKeyboardMapping(reply: Buffer): { perKeycode: number; keysyms: Uint32Array } {
  const perKeycode = reply[1]!;
  const count = reply.readUInt32LE(4);
  const keysyms = new Uint32Array(count);
  for (let i = 0; i < count; i++) keysyms[i] = reply.readUInt32LE(32 + 4 * i);
  return { perKeycode, keysyms };
}

/** GetModifierMapping reply: for each of the 8 modifiers (Shift, Lock, Control, Mod1..Mod5) its keycodes. */
export function decodeModifierMapping(reply: Buffer): number[][] {
  const perModifier = reply[1]!;
  const mods: number[][] = [];
  for (let m = 0; m < 8; m++) {
    const codes: number[] = [];
    for (let k = 0; k < perModifier; k++) {
      const code = reply[32 + m * perModifier + k]!;
      if (code !== 0) codes.push(code);
    }
    mods.push(codes);
  }
  return mods;
}

// ---------------------------------------------------------------- extensions and state

/** QueryExtension: is the named extension present, and under which major opcode. */
export function queryExtension(name: string): Buffer {
  const n = Buffer.from(name, 'latin1');
  const head = Buffer.alloc(4);
  head.writeUInt16LE(n.length, 0);
  return request(98, 0, Buffer.concat([head, n]));
}

export function decodeQueryExtension(reply: Buffer): { present: boolean; majorOpcode: number } {
  return { present: reply[8] === 1, majorOpcode: reply[9]! };
}

/** QueryPointer on a window: its reply carries the modifier state (locked modifiers included). */
export const queryPointer = (wid: number): Buffer => request(38, 0, words(wid));

/** The key-and-button mask of a QueryPointer reply. */
export const decodeQueryPointerMask = (reply: Buffer): number => reply.readUInt16LE(24);

/** XKB's UseExtension (minor 0): required before any other XKB request; asks for XKB 1.0. */
export function xkbUseExtension(majorOpcode: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16LE(1, 0);
  b.writeUInt16LE(0, 2);
  return request(majorOpcode, 0, b);
}

export const decodeXkbUseExtension = (reply: Buffer): boolean => reply[1] === 1;

/**
 * XKB's LatchLockState (minor 5) on the core keyboard: lock (or unlock) the modifiers in
 * `affect`, as pressing and releasing a lock key would, without a key event.
 */
export function xkbLockModifiers(majorOpcode: number, affect: number, locks: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(0x100, 0); // XkbUseCoreKbd
  b[2] = affect; // affectModLocks
  b[3] = locks; // modLocks
  b[4] = 0; // lockGroup: no
  b[5] = 0; // groupLock
  b[6] = 0; // affectModLatches
  b[7] = 0; // modLatches (a pad byte follows)
  b[9] = 0; // latchGroup: no
  b.writeInt16LE(0, 10); // groupLatch
  return request(majorOpcode, 5, b);
}
