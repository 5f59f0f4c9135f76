// Byte-level fixtures for the X11 tests: what a server sends at setup, Xauthority entries.

/** A setup answer as a server would send it: one screen, one depth with one TrueColor visual. */
export function setupReply(): Buffer {
  const vendor = Buffer.from('Test X');
  const body = Buffer.alloc(32 + 8 + 8 + 40 + 8 + 24);
  body.writeUInt32LE(0x00400000, 4); // resource id base
  body.writeUInt32LE(0x001fffff, 8); // mask
  body.writeUInt16LE(vendor.length, 16);
  body.writeUInt16LE(65535, 18); // max request length
  body[20] = 1; // screens
  body[21] = 1; // formats
  body[26] = 8; // min keycode
  body[27] = 255;
  vendor.copy(body, 32);
  let o = 40;
  body[o] = 24; // format: depth 24, 32 bpp, pad 32
  body[o + 1] = 32;
  body[o + 2] = 32;
  o += 8;
  body.writeUInt32LE(0x123, o); // root
  body.writeUInt16LE(1280, o + 20);
  body.writeUInt16LE(800, o + 22);
  body.writeUInt32LE(0x21, o + 32); // root visual
  body[o + 38] = 24; // root depth
  body[o + 39] = 1; // depths
  o += 40;
  body[o] = 24;
  body.writeUInt16LE(1, o + 2);
  o += 8;
  body.writeUInt32LE(0x21, o);
  body[o + 4] = 4; // TrueColor
  body.writeUInt32LE(0xff0000, o + 8);
  body.writeUInt32LE(0xff00, o + 12);
  body.writeUInt32LE(0xff, o + 16);
  const head = Buffer.alloc(8);
  head[0] = 1;
  head.writeUInt16LE(11, 2);
  head.writeUInt16LE(body.length / 4, 6);
  return Buffer.concat([head, body]);
}

export function xauthEntry(family: number, address: string, number: string, name: string, data: Buffer): Buffer {
  const str = (s: Buffer) => {
    const b = Buffer.alloc(2 + s.length);
    b.writeUInt16BE(s.length);
    s.copy(b, 2);
    return b;
  };
  const f = Buffer.alloc(2);
  f.writeUInt16BE(family);
  return Buffer.concat([f, str(Buffer.from(address)), str(Buffer.from(number)), str(Buffer.from(name)), str(data)]);
}

