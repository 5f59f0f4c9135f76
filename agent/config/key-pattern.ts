// Key names and key families (MODULE_<any>, SCREEN_<01-12>_<KEY>): matching a concrete key such
// as SCREEN_07_XKBLAYOUT against a declared name. Names are compared upper-cased: getltscfg
// upper-cases every key it prints.

export type Slot =
  /** min/max absent: any digits (<n>); present: a range, with a fixed width when `width` is set. */
  | { readonly kind: 'index'; readonly min?: number; readonly max?: number; readonly width?: number }
  | { readonly kind: 'key' }
  | { readonly kind: 'text' };

export interface KeyPattern {
  /** The declared name, e.g. MODULE_<any>. */
  readonly name: string;
  /** Matches the shape; indexes are checked against their range by matchPattern. */
  readonly re: RegExp;
  readonly slots: readonly Slot[];
  /** Text before the first placeholder, and after the last one (for did-you-mean). */
  readonly head: string;
  readonly tail: string;
}

const PLACEHOLDER = /<([^<>]*)>/g;
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function isFamilyName(name: string): boolean {
  return name.includes('<');
}

const compiled = new Map<string, KeyPattern>();

/** The pattern of a declared name; compiled once per name (planners and the key table ask often). */
export function compilePattern(name: string): KeyPattern {
  let p = compiled.get(name);
  if (!p) compiled.set(name, (p = compile(name)));
  return p;
}

function compile(name: string): KeyPattern {
  const slots: Slot[] = [];
  let re = '^';
  let last = 0;
  for (const m of name.matchAll(PLACEHOLDER)) {
    re += reEscape(name.slice(last, m.index));
    last = m.index + m[0].length;
    const inner = m[1]!;
    const range = /^(\d+)-(\d+)$/.exec(inner);
    if (inner === 'n') {
      slots.push({ kind: 'index' });
      re += '(\\d+)';
    } else if (range) {
      const a = range[1]!;
      const b = range[2]!;
      const width = a.length > 1 && a.startsWith('0') ? a.length : undefined;
      slots.push(width === undefined ? { kind: 'index', min: +a, max: +b } : { kind: 'index', min: +a, max: +b, width });
      re += '(\\d+)';
    } else if (inner === 'KEY') {
      slots.push({ kind: 'key' });
      re += '(.+)';
    } else if (/^[A-Za-z]+$/.test(inner)) {
      slots.push({ kind: 'text' });
      re += '(.+)';
    } else {
      throw new Error(`key pattern ${name}: bad placeholder <${inner}>`);
    }
  }
  re += `${reEscape(name.slice(last))}$`;
  const first = name.indexOf('<');
  const end = name.lastIndexOf('>');
  return { name, re: new RegExp(re, 's'), slots, head: first < 0 ? name : name.slice(0, first), tail: first < 0 ? '' : name.slice(end + 1) };
}

export type PatternMatch =
  | { readonly ok: true; /** For <KEY> slots: the inner key text. */ readonly inner?: string }
  | { readonly ok: false; /** The shape fits but an index is out of range. */ readonly badIndex: string };

/** Whether `name` (upper-cased) is a member of the family; undefined when the shape does not fit. */
export function matchPattern(p: KeyPattern, name: string): PatternMatch | undefined {
  // The literal text around the placeholders settles most names without the expression.
  if (!name.startsWith(p.head) || !name.endsWith(p.tail) || name.length <= p.head.length + p.tail.length) return undefined;
  const m = p.re.exec(name);
  if (!m) return undefined;
  let inner: string | undefined;
  for (let i = 0; i < p.slots.length; i++) {
    const slot = p.slots[i]!;
    const text = m[i + 1]!;
    if (slot.kind === 'index') {
      if (slot.min === undefined || slot.max === undefined) continue; // <n>: any digits
      // LTSP 5 looped over fixed names (PRINTER_0 .. 2, SCREEN_01 .. 12): 013 or 7 never matched.
      const n = Number(text);
      const widthOk = slot.width === undefined ? text === String(n) : text.length === slot.width;
      if (n < slot.min || n > slot.max || !widthOk) return { ok: false, badIndex: text };
    } else if (slot.kind === 'key') {
      inner = text;
    }
  }
  return inner === undefined ? { ok: true } : { ok: true, inner };
}

/** One concrete member of a family, for tests and examples: MODULE_<any> -> MODULE_01. */
export function sampleName(name: string, keyFor: string = 'XKBLAYOUT'): string {
  return name.replace(/<([^<>]*)>/g, (_m, inner: string) => {
    const range = /^(\d+)-(\d+)$/.exec(inner);
    if (range) return range[1]!;
    if (inner === 'n') return '0';
    if (inner === 'KEY') return keyFor;
    if (inner === 'CONTROL') return 'PCM';
    return '01';
  });
}
