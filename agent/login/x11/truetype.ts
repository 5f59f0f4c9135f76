// A small TrueType reader and anti-aliased rasteriser, so the greeter can draw good text
// with the font files a client chroot already has (DejaVu and friends) instead of pulling
// in a toolkit. It reads the tables needed to draw (cmap, glyf/loca, hmtx) and ignores
// hinting and kerning: at greeter sizes unhinted outlines with grey-scale coverage look fine.
//
// Rasterising: each pixel row is cut into SUBROWS horizontal sample lines; on each line the
// outline's crossings are sorted and the spans inside (non-zero winding, as TrueType wants)
// add their exact horizontal overlap with every pixel. Coverage is thus exact across a row
// and sampled SUBROWS times down a column.

const SUBROWS = 6;

interface Point {
  x: number;
  y: number;
  onCurve: boolean;
}
type Contour = Point[];

export interface GlyphBitmap {
  /** Coverage 0..255, `width` x `height`, row by row. */
  readonly coverage: Uint8Array;
  readonly width: number;
  readonly height: number;
  /** Offset of the bitmap's left edge from the pen position, in pixels. */
  readonly left: number;
  /** Offset of the bitmap's top edge from the baseline, in pixels (negative: above). */
  readonly top: number;
  /** How far the pen moves, in pixels (fractional). */
  readonly advance: number;
}

export class TrueTypeFont {
  readonly unitsPerEm: number;
  readonly ascender: number;
  readonly descender: number;
  private readonly tables = new Map<string, { offset: number; length: number }>();
  private readonly cmap: (cp: number) => number;
  private readonly glyphIndexCache = new Map<number, number>();
  private readonly numGlyphs: number;
  private readonly numHMetrics: number;
  private readonly longLoca: boolean;

  constructor(private readonly b: Buffer) {
    const tag = b.readUInt32BE(0);
    if (tag !== 0x00010000 && tag !== 0x74727565 /* 'true' */) throw new Error('not a TrueType font (CFF and collections are not supported)');
    const count = b.readUInt16BE(4);
    for (let i = 0; i < count; i++) {
      const rec = 12 + 16 * i;
      this.tables.set(b.toString('latin1', rec, rec + 4), { offset: b.readUInt32BE(rec + 8), length: b.readUInt32BE(rec + 12) });
    }
    const head = this.table('head');
    this.unitsPerEm = b.readUInt16BE(head + 18);
    this.longLoca = b.readInt16BE(head + 50) === 1;
    const hhea = this.table('hhea');
    this.ascender = b.readInt16BE(hhea + 4);
    this.descender = b.readInt16BE(hhea + 6);
    this.numHMetrics = b.readUInt16BE(hhea + 34);
    this.numGlyphs = b.readUInt16BE(this.table('maxp') + 4);
    this.cmap = this.readCmap();
  }

  private table(tag: string): number {
    const t = this.tables.get(tag);
    if (!t) throw new Error(`font has no ${tag} table`);
    return t.offset;
  }

  /** Glyph index for a Unicode code point; 0 (the "missing" box) when the font lacks it. */
  glyphIndex(cp: number): number {
    let g = this.glyphIndexCache.get(cp);
    if (g === undefined) {
      g = this.cmap(cp);
      this.glyphIndexCache.set(cp, g);
    }
    return g;
  }

  /** Advance width in font units. */
  advance(glyph: number): number {
    const hmtx = this.table('hmtx');
    return this.b.readUInt16BE(hmtx + 4 * Math.min(glyph, this.numHMetrics - 1));
  }

  private readCmap(): (cp: number) => number {
    const b = this.b;
    const cmap = this.table('cmap');
    const subtables: { platform: number; encoding: number; offset: number }[] = [];
    for (let i = 0; i < b.readUInt16BE(cmap + 2); i++) {
      const r = cmap + 4 + 8 * i;
      subtables.push({ platform: b.readUInt16BE(r), encoding: b.readUInt16BE(r + 2), offset: cmap + b.readUInt32BE(r + 4) });
    }
    // Prefer the full-Unicode table (format 12), then the BMP one (format 4).
    const full = subtables.find((s) => b.readUInt16BE(s.offset) === 12 && (s.platform === 0 || (s.platform === 3 && s.encoding === 10)));
    if (full) {
      const groups = b.readUInt32BE(full.offset + 12);
      return (cp) => {
        for (let g = 0; g < groups; g++) {
          const r = full.offset + 16 + 12 * g;
          const start = b.readUInt32BE(r);
          if (cp >= start && cp <= b.readUInt32BE(r + 4)) return b.readUInt32BE(r + 8) + cp - start;
        }
        return 0;
      };
    }
    const bmp = subtables.find((s) => b.readUInt16BE(s.offset) === 4 && (s.platform === 0 || (s.platform === 3 && s.encoding === 1)));
    if (!bmp) throw new Error('font has no Unicode character map');
    const o = bmp.offset;
    const segments = b.readUInt16BE(o + 6) / 2;
    const ends = o + 14;
    const starts = ends + 2 * segments + 2;
    const deltas = starts + 2 * segments;
    const rangeOffsets = deltas + 2 * segments;
    return (cp) => {
      if (cp > 0xffff) return 0;
      for (let s = 0; s < segments; s++) {
        if (b.readUInt16BE(ends + 2 * s) < cp) continue;
        const start = b.readUInt16BE(starts + 2 * s);
        if (start > cp) return 0;
        const delta = b.readUInt16BE(deltas + 2 * s);
        const ro = b.readUInt16BE(rangeOffsets + 2 * s);
        if (ro === 0) return (cp + delta) & 0xffff;
        // idRangeOffset is relative to its own position in the file (a quirk of the format).
        const g = b.readUInt16BE(rangeOffsets + 2 * s + ro + 2 * (cp - start));
        return g === 0 ? 0 : (g + delta) & 0xffff;
      }
      return 0;
    };
  }

  /** The glyph's contours in font units (y up), composites resolved. */
  outline(glyph: number, depth = 0): Contour[] {
    if (glyph >= this.numGlyphs || depth > 8) return [];
    const b = this.b;
    const loca = this.table('loca');
    const at = (i: number) => (this.longLoca ? b.readUInt32BE(loca + 4 * i) : 2 * b.readUInt16BE(loca + 2 * i));
    const start = at(glyph);
    if (at(glyph + 1) === start) return []; // empty glyph (space)
    const g = this.table('glyf') + start;
    const contours = b.readInt16BE(g);
    return contours >= 0 ? this.simpleOutline(g, contours) : this.compositeOutline(g, depth);
  }

  private simpleOutline(g: number, contourCount: number): Contour[] {
    const b = this.b;
    const ends: number[] = [];
    for (let i = 0; i < contourCount; i++) ends.push(b.readUInt16BE(g + 10 + 2 * i));
    const pointCount = contourCount > 0 ? ends[contourCount - 1]! + 1 : 0;
    let o = g + 10 + 2 * contourCount;
    o += 2 + b.readUInt16BE(o); // skip instructions
    const flags: number[] = [];
    while (flags.length < pointCount) {
      const f = b[o++]!;
      flags.push(f);
      if (f & 8) for (let r = b[o++]!; r > 0; r--) flags.push(f); // repeated flag
    }
    const coords = (shortBit: number, sameBit: number): number[] => {
      const out: number[] = [];
      let v = 0;
      for (const f of flags) {
        if (f & shortBit) {
          const d = b[o++]!;
          v += f & sameBit ? d : -d;
        } else if (!(f & sameBit)) {
          v += b.readInt16BE(o);
          o += 2;
        }
        out.push(v);
      }
      return out;
    };
    const xs = coords(2, 0x10);
    const ys = coords(4, 0x20);
    const result: Contour[] = [];
    let first = 0;
    for (const end of ends) {
      const c: Contour = [];
      for (let i = first; i <= end; i++) c.push({ x: xs[i]!, y: ys[i]!, onCurve: (flags[i]! & 1) !== 0 });
      result.push(c);
      first = end + 1;
    }
    return result;
  }

  private compositeOutline(g: number, depth: number): Contour[] {
    const b = this.b;
    const result: Contour[] = [];
    let o = g + 10;
    for (;;) {
      const flags = b.readUInt16BE(o);
      const component = b.readUInt16BE(o + 2);
      o += 4;
      let dx: number, dy: number;
      if (flags & 1) {
        dx = b.readInt16BE(o);
        dy = b.readInt16BE(o + 2);
        o += 4;
      } else {
        dx = b.readInt8(o);
        dy = b.readInt8(o + 1);
        o += 2;
      }
      if (!(flags & 2)) dx = dy = 0; // point-matching placement: rare in text fonts, approximated
      const f2dot14 = (at: number) => b.readInt16BE(at) / 16384;
      let [xx, xy, yx, yy] = [1, 0, 0, 1];
      if (flags & 0x8) {
        xx = yy = f2dot14(o);
        o += 2;
      } else if (flags & 0x40) {
        xx = f2dot14(o);
        yy = f2dot14(o + 2);
        o += 4;
      } else if (flags & 0x80) {
        [xx, xy, yx, yy] = [f2dot14(o), f2dot14(o + 2), f2dot14(o + 4), f2dot14(o + 6)];
        o += 8;
      }
      for (const c of this.outline(component, depth + 1)) {
        result.push(c.map((p) => ({ x: xx * p.x + yx * p.y + dx, y: xy * p.x + yy * p.y + dy, onCurve: p.onCurve })));
      }
      if (!(flags & 0x20)) return result; // no more components
    }
  }
}

interface Edge {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** A font at one pixel size, with a glyph cache. */
export class ScaledFont {
  readonly ascent: number;
  readonly descent: number;
  private readonly scale: number;
  private readonly cache = new Map<number, GlyphBitmap>();

  constructor(
    readonly font: TrueTypeFont,
    readonly pixelSize: number,
  ) {
    this.scale = pixelSize / font.unitsPerEm;
    this.ascent = Math.round(font.ascender * this.scale);
    this.descent = Math.round(-font.descender * this.scale);
  }

  has(cp: number): boolean {
    return this.font.glyphIndex(cp) !== 0;
  }

  measure(text: string): number {
    let w = 0;
    for (const ch of text) w += this.font.advance(this.font.glyphIndex(ch.codePointAt(0)!)) * this.scale;
    return Math.round(w);
  }

  glyph(cp: number): GlyphBitmap {
    const index = this.font.glyphIndex(cp);
    let g = this.cache.get(index);
    if (!g) {
      g = this.rasterise(index);
      this.cache.set(index, g);
    }
    return g;
  }

  private rasterise(index: number): GlyphBitmap {
    const advance = this.font.advance(index) * this.scale;
    const edges = this.edges(this.font.outline(index));
    if (edges.length === 0) return { coverage: new Uint8Array(0), width: 0, height: 0, left: 0, top: 0, advance };
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const e of edges) {
      minX = Math.min(minX, e.x0, e.x1);
      maxX = Math.max(maxX, e.x0, e.x1);
      minY = Math.min(minY, e.y0, e.y1);
      maxY = Math.max(maxY, e.y0, e.y1);
    }
    const left = Math.floor(minX);
    const top = Math.floor(minY);
    const width = Math.ceil(maxX) - left + 1;
    const height = Math.ceil(maxY) - top + 1;
    const acc = new Float32Array(width * height);
    const crossings: { x: number; dir: number }[] = [];
    for (let row = 0; row < height; row++) {
      for (let s = 0; s < SUBROWS; s++) {
        const y = top + row + (s + 0.5) / SUBROWS;
        crossings.length = 0;
        for (const e of edges) {
          if ((y >= e.y0 && y < e.y1) || (y >= e.y1 && y < e.y0)) {
            crossings.push({ x: e.x0 + ((y - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0) - left, dir: e.y1 > e.y0 ? 1 : -1 });
          }
        }
        crossings.sort((a, b) => a.x - b.x);
        let winding = 0;
        let spanStart = 0;
        for (const c of crossings) {
          const before = winding;
          winding += c.dir;
          if (before === 0 && winding !== 0) spanStart = c.x;
          else if (before !== 0 && winding === 0) addSpan(acc, row * width, width, spanStart, c.x, 1 / SUBROWS);
        }
      }
    }
    const coverage = new Uint8Array(width * height);
    for (let i = 0; i < acc.length; i++) coverage[i] = Math.min(255, Math.round(acc[i]! * 255));
    return { coverage, width, height, left, top, advance };
  }

  /** Outline to straight edges in pixel space (y down), curves flattened. */
  private edges(contours: readonly Contour[]): Edge[] {
    const s = this.scale;
    const edges: Edge[] = [];
    for (const contour of contours) {
      if (contour.length < 2) continue;
      const pts = contour.map((p) => ({ x: p.x * s, y: -p.y * s, on: p.onCurve }));
      // Between two off-curve points lies an implied on-curve point at their midpoint.
      const full: { x: number; y: number; on: boolean }[] = [];
      pts.forEach((p, i) => {
        const next = pts[(i + 1) % pts.length]!;
        full.push(p);
        if (!p.on && !next.on) full.push({ x: (p.x + next.x) / 2, y: (p.y + next.y) / 2, on: true });
      });
      const startAt = full.findIndex((p) => p.on);
      const ring = [...full.slice(startAt), ...full.slice(0, startAt)];
      let pen = ring[0]!;
      const lineTo = (x: number, y: number) => {
        if (pen.y !== y) edges.push({ x0: pen.x, y0: pen.y, x1: x, y1: y });
        pen = { x, y, on: true };
      };
      for (let i = 1; i <= ring.length; i++) {
        const p = ring[i % ring.length]!;
        if (p.on) {
          lineTo(p.x, p.y);
          continue;
        }
        const end = ring[(i + 1) % ring.length]!;
        const from = pen;
        const steps = Math.min(16, Math.max(2, Math.ceil((Math.hypot(p.x - from.x, p.y - from.y) + Math.hypot(end.x - p.x, end.y - p.y)) / 2)));
        for (let k = 1; k <= steps; k++) {
          const t = k / steps;
          const u = 1 - t;
          lineTo(u * u * from.x + 2 * u * t * p.x + t * t * end.x, u * u * from.y + 2 * u * t * p.y + t * t * end.y);
        }
        i++; // the curve consumed its end point
      }
    }
    return edges;
  }
}

/** Add `weight` times the overlap of [x0, x1) with each pixel of one bitmap row. */
function addSpan(acc: Float32Array, rowStart: number, width: number, x0: number, x1: number, weight: number): void {
  const a = Math.max(0, x0);
  const b = Math.min(width, x1);
  for (let px = Math.floor(a); px < b; px++) {
    const overlap = Math.min(b, px + 1) - Math.max(a, px);
    if (overlap > 0) acc[rowStart + px] = acc[rowStart + px]! + overlap * weight;
  }
}
