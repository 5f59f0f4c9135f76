// An off-screen RGB picture the greeter paints into, and its conversion to the bytes a
// PutImage request carries for the server's visual. Painting in our own memory (instead of
// with X drawing requests) gives anti-aliased text and rounded corners on any X server,
// including 16-bit ones, with one code path.

import type { ScaledFont } from './truetype.ts';

/** 0xRRGGBB */
export type Color = number;

export const rgb = (r: number, g: number, b: number): Color => ((r & 255) << 16) | ((g & 255) << 8) | (b & 255);

export function mix(a: Color, b: Color, t: number): Color {
  const u = 1 - t;
  const r = (((a >> 16) & 255) * u + ((b >> 16) & 255) * t + 0.5) | 0;
  const g = (((a >> 8) & 255) * u + ((b >> 8) & 255) * t + 0.5) | 0;
  const bl = ((a & 255) * u + (b & 255) * t + 0.5) | 0;
  return (r << 16) | (g << 8) | bl;
}

export class Canvas {
  readonly pixels: Uint32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint32Array(width * height);
  }

  /** Blend `color` into one pixel with coverage `alpha` (0..1). */
  blend(x: number, y: number, color: Color, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || alpha <= 0) return;
    const i = y * this.width + x;
    this.pixels[i] = alpha >= 1 ? color : mix(this.pixels[i]!, color, alpha);
  }

  fillRect(x: number, y: number, w: number, h: number, color: Color): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let row = y0; row < y1; row++) this.pixels.fill(color, row * this.width + x0, row * this.width + x1);
  }

  /** Rectangle with anti-aliased round corners of radius `r`, blended with `alpha`. */
  fillRoundRect(x: number, y: number, w: number, h: number, r: number, color: Color, alpha = 1): void {
    r = Math.min(r, w / 2, h / 2);
    const inner0 = Math.ceil(x + r);
    const inner1 = Math.floor(x + w - r);
    for (let row = Math.floor(y); row < Math.ceil(y + h); row++) {
      if (row < 0 || row >= this.height) continue;
      // Only the columns near the left and right edges need the coverage math; the span
      // between them is either fully inside (rows away from the corners) or computed too.
      const nearCorner = row + 1 > y + h - r || row < y + r;
      for (let col = Math.floor(x); col < Math.ceil(x + w); col++) {
        if (!nearCorner && col >= inner0 && col < inner1) {
          this.blendSpan(row, col, inner1, color, alpha);
          col = inner1 - 1;
          continue;
        }
        this.blend(col, row, color, roundRectCoverage(col + 0.5, row + 0.5, x, y, w, h, r) * alpha);
      }
    }
  }

  private blendSpan(row: number, from: number, to: number, color: Color, alpha: number): void {
    const a = Math.max(0, from);
    const b = Math.min(this.width, to);
    if (a >= b) return;
    const base = row * this.width;
    if (alpha >= 1) this.pixels.fill(color, base + a, base + b);
    else for (let i = base + a; i < base + b; i++) this.pixels[i] = mix(this.pixels[i]!, color, alpha);
  }

  /** A rounded frame `thickness` wide: what the outer shape covers and the inner one does not. */
  strokeRoundRect(x: number, y: number, w: number, h: number, r: number, thickness: number, color: Color): void {
    const t = thickness;
    const ir = Math.max(0, r - t);
    for (let row = Math.floor(y); row < Math.ceil(y + h); row++) {
      const nearCorner = row + 1 > y + h - r - t || row < y + r + t;
      for (let col = Math.floor(x); col < Math.ceil(x + w); col++) {
        // Away from the corners and edges the frame covers nothing: skip the inside.
        if (!nearCorner && col > x + t + 1 && col < x + w - t - 2) {
          col = Math.floor(x + w - t - 2);
          continue;
        }
        const outer = roundRectCoverage(col + 0.5, row + 0.5, x, y, w, h, r);
        const inner = roundRectCoverage(col + 0.5, row + 0.5, x + t, y + t, w - 2 * t, h - 2 * t, ir);
        this.blend(col, row, color, outer - inner);
      }
    }
  }

  /** Draw `text` with its baseline at y; returns the x after the last glyph. */
  text(x: number, baseline: number, text: string, font: ScaledFont, color: Color): number {
    let pen = x;
    for (const ch of text) {
      const g = font.glyph(ch.codePointAt(0)!);
      const gx = Math.round(pen) + g.left;
      const gy = Math.round(baseline) + g.top;
      for (let row = 0; row < g.height; row++) {
        for (let col = 0; col < g.width; col++) {
          const c = g.coverage[row * g.width + col]!;
          if (c > 0) this.blend(gx + col, gy + row, color, c / 255);
        }
      }
      pen += g.advance;
    }
    return pen;
  }

  /** Copy rows [y, y+h) of another canvas of the same width (used to restore the background). */
  copyRowsFrom(src: Canvas, y: number, h: number): void {
    this.pixels.set(src.pixels.subarray(y * src.width, (y + h) * src.width), y * this.width);
  }
}

/**
 * How much of the pixel centred at (px, py) a rounded rectangle covers, 0..1: one minus its
 * distance outside the shape, which gives a one-pixel anti-aliased edge.
 */
function roundRectCoverage(px: number, py: number, x: number, y: number, w: number, h: number, r: number): number {
  if (w <= 0 || h <= 0) return 0;
  r = Math.min(r, w / 2, h / 2);
  const dx = Math.max(x + r - px, 0, px - (x + w - r));
  const dy = Math.max(y + r - py, 0, py - (y + h - r));
  const outside = dx > 0 && dy > 0 ? Math.hypot(dx, dy) - r : Math.max(x - px, px - (x + w), y - py, py - (y + h));
  return Math.min(1, Math.max(0, 0.5 - outside));
}

/** How the server wants pixels: from its root visual and the pixmap format of its depth. */
export interface PixelFormat {
  readonly bitsPerPixel: number;
  readonly scanlinePad: number;
  readonly redMask: number;
  readonly greenMask: number;
  readonly blueMask: number;
  /** 0: least significant byte first. */
  readonly byteOrder: number;
}

/** Where a channel sits in a pixel: e.g. 5 bits at bit 11 for 16-bit red. */
function channel(mask: number): { shift: number; bits: number } {
  if (mask === 0) return { shift: 0, bits: 0 };
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  return { shift, bits };
}

// A 4x4 ordered-dither matrix: with 5 or 6 bits a channel, smooth gradients would show
// bands; adding a position-dependent fraction of one step before truncating hides them.
const BAYER = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map((v) => (v + 0.5) / 16);

function pack(v: number, ch: { shift: number; bits: number }, dither: number): number {
  if (ch.bits === 0) return 0;
  const levels = (1 << ch.bits) - 1;
  const q = Math.min(levels, Math.floor((v / 255) * levels + dither));
  return (q << ch.shift) >>> 0;
}

/** Bytes of a ZPixmap image of the rectangle, `rows` scanlines starting at `y`. */
export function encodeImage(c: Canvas, x: number, y: number, w: number, rows: number, fmt: PixelFormat): Buffer {
  const bytesPerPixel = fmt.bitsPerPixel / 8;
  if (![2, 4].includes(bytesPerPixel)) throw new Error(`unsupported X pixel size: ${fmt.bitsPerPixel} bits`);
  const stride = Math.ceil((w * fmt.bitsPerPixel) / fmt.scanlinePad) * (fmt.scanlinePad / 8);
  const out = Buffer.alloc(stride * rows);
  const [r, g, b] = [channel(fmt.redMask), channel(fmt.greenMask), channel(fmt.blueMask)];
  const fast = fmt.redMask === 0xff0000 && fmt.greenMask === 0xff00 && fmt.blueMask === 0xff;
  if (fast && bytesPerPixel === 4 && fmt.byteOrder === 0 && stride === 4 * w && out.byteOffset % 4 === 0) {
    // The common 24-bit little-endian case: our 0xRRGGBB words are already the pixels.
    const words = new Uint32Array(out.buffer, out.byteOffset, w * rows);
    for (let row = 0; row < rows; row++) words.set(c.pixels.subarray((y + row) * c.width + x, (y + row) * c.width + x + w), row * w);
    return out;
  }
  for (let row = 0; row < rows; row++) {
    let o = row * stride;
    let i = (y + row) * c.width + x;
    for (let col = 0; col < w; col++, i++, o += bytesPerPixel) {
      const p = c.pixels[i]!;
      const d = BAYER[((y + row) & 3) * 4 + ((x + col) & 3)]!;
      const v = fast ? p : pack((p >> 16) & 255, r, d) | pack((p >> 8) & 255, g, d) | pack(p & 255, b, d);
      if (bytesPerPixel === 4) {
        if (fmt.byteOrder === 0) out.writeUInt32LE(v >>> 0, o);
        else out.writeUInt32BE(v >>> 0, o);
      } else if (fmt.byteOrder === 0) out.writeUInt16LE(v & 0xffff, o);
      else out.writeUInt16BE(v & 0xffff, o);
    }
  }
  return out;
}
