// A small PNG reader for the greeter theme's logo.png and bg.png (node's zlib does the
// inflating): 8-bit greyscale, RGB, palette, grey+alpha and RGBA, not interlaced, which is what
// LDM's themes ship. Anything else is refused with a reason; the greeter then goes without it.

import { deflateSync, inflateSync } from 'node:zlib';

export interface Image {
  readonly width: number;
  readonly height: number;
  /** 0xRRGGBB per pixel, row by row. */
  readonly rgb: Uint32Array;
  /** 0-255 per pixel. */
  readonly alpha: Uint8Array;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const MAX_PIXELS = 8192 * 8192;

export function decodePng(file: Buffer): Image {
  if (file.length < 33 || !file.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let at = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  let palette: Buffer | undefined;
  let paletteAlpha: Buffer | undefined;
  const data: Buffer[] = [];
  while (at + 12 <= file.length) {
    const len = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    const body = file.subarray(at + 8, at + 8 + len);
    if (body.length !== len) throw new Error('truncated PNG');
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const depth = body[8]!;
      colorType = body[9]!;
      if (depth !== 8) throw new Error(`PNG bit depth ${depth} (only 8 is read)`);
      if (body[12] !== 0) throw new Error('interlaced PNG');
      if (CHANNELS[colorType] === undefined) throw new Error(`PNG colour type ${colorType}`);
      if (width === 0 || height === 0 || width * height > MAX_PIXELS) throw new Error(`PNG size ${width}x${height}`);
    } else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') paletteAlpha = body;
    else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    at += 12 + len;
  }
  if (colorType < 0) throw new Error('PNG without IHDR');
  if (colorType === 3 && !palette) throw new Error('palette PNG without PLTE');
  const channels = CHANNELS[colorType]!;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(data));
  if (raw.length < (stride + 1) * height) throw new Error('PNG image data is short');
  const rgb = new Uint32Array(width * height);
  const alpha = new Uint8Array(width * height).fill(255);
  let prev = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels]! : 0;
      const b = prev[i]!;
      const c = i >= channels ? prev[i - channels]! : 0;
      let add = 0;
      if (filter === 1) add = a;
      else if (filter === 2) add = b;
      else if (filter === 3) add = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        add = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) throw new Error(`PNG filter ${filter}`);
      line[i] = (line[i]! + add) & 255;
    }
    for (let x = 0; x < width; x++) {
      const o = x * channels;
      const i = y * width + x;
      if (colorType === 0 || colorType === 4) {
        const g = line[o]!;
        rgb[i] = (g << 16) | (g << 8) | g;
        if (colorType === 4) alpha[i] = line[o + 1]!;
      } else if (colorType === 3) {
        const p = line[o]!;
        rgb[i] = ((palette![p * 3] ?? 0) << 16) | ((palette![p * 3 + 1] ?? 0) << 8) | (palette![p * 3 + 2] ?? 0);
        if (paletteAlpha && p < paletteAlpha.length) alpha[i] = paletteAlpha[p]!;
      } else {
        rgb[i] = (line[o]! << 16) | (line[o + 1]! << 8) | line[o + 2]!;
        if (colorType === 6) alpha[i] = line[o + 3]!;
      }
    }
    prev = line;
  }
  return { width, height, rgb, alpha };
}

/** A test and tooling helper: an RGBA PNG of the given pixels (no filtering, one IDAT). */
export function encodePng(img: Image): Buffer {
  const raw = Buffer.alloc((img.width * 4 + 1) * img.height);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = y * img.width + x;
      const o = y * (img.width * 4 + 1) + 1 + x * 4;
      raw[o] = (img.rgb[i]! >> 16) & 255;
      raw[o + 1] = (img.rgb[i]! >> 8) & 255;
      raw[o + 2] = img.rgb[i]! & 255;
      raw[o + 3] = img.alpha[i]!;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0);
  ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

function crc32(b: Buffer): number {
  let c = ~0;
  for (const byte of b) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}
