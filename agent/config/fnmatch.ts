// fnmatch(3) as getltscfg calls it: fnmatch(section, identity, FNM_CASEFOLD), glibc, C locale
// (getltscfg never calls setlocale). Checked byte for byte against glibc 2.36 by differential
// fuzzing; the rules that matter:
//
//   * Matching is on BYTES: "?" matches one byte, so "caf??" matches the UTF-8 "café".
//     Callers pass byte strings (see byteString) when the text may be non-ASCII.
//   * No FNM_PATHNAME or FNM_PERIOD: "*" also matches "/" and leading dots.
//   * Case folding is ASCII only (tolower in the C locale), applied to pattern and subject
//     characters and to range ends; character classes test the subject byte UNfolded, so
//     "[[:upper:]]" matches "A" but not "a".
//   * "\" escapes the next character; a pattern ENDING in "\" never matches.
//   * "[" without its closing "]" is an ordinary character (older glibc instead failed when the
//     subject byte had already matched a member, e.g. "[9-z" against "[9-z"); "]" right after
//     "[" or "[!" is a member; "!" and "^" negate.
//   * "[:name:]" is a class only when the name is all lowercase a-y; a valid-looking name that is
//     not a class ("[[:foo:]]") makes the whole pattern fail; any other character in the name
//     ("[[:Digit:]]") makes "[" an ordinary member of the bracket.
//   * "[=c=]" and "[.c.]" with a single byte c stand for c (no case folding for "[=c=]").

const ASCII = /^[\x00-\x7f]*$/;

export function asciiLower(s: string): string {
  if (!/[A-Z]/.test(s)) return s;
  if (ASCII.test(s)) return s.toLowerCase(); // the same on ASCII, without a callback per run
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function asciiUpper(s: string): string {
  if (!/[a-z]/.test(s)) return s;
  if (ASCII.test(s)) return s.toUpperCase();
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/**
 * The bytes of s, one character per byte (code units 0-255), as C code sees them. Text decoded
 * from UTF-8 is re-encoded; text that was read as Latin-1 (one char per byte) is already bytes.
 */
export function byteString(s: string, latin1 = false): string {
  if (latin1 || /^[\x00-\x7f]*$/.test(s)) return s;
  return Buffer.from(s, 'utf8').toString('latin1');
}

export function hasGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

/** glibc fnmatch(pattern, subject, FNM_CASEFOLD) == 0, both given as byte strings (see byteString). */
export function fnmatchCasefold(pattern: string, subject: string): boolean {
  if (!hasGlob(pattern)) return asciiLower(pattern) === asciiLower(subject);
  return new Matcher(pattern, subject).match(0, 0);
}

const fold = (c: string): string => (c >= 'A' && c <= 'Z' ? c.toLowerCase() : c);

/** C-locale ctype classes (bytes >= 0x80 belong to none). */
const CLASSES: Record<string, (code: number) => boolean> = {
  alnum: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  blank: (c) => c === 32 || c === 9,
  cntrl: (c) => c < 32 || c === 127,
  digit: (c) => c >= 48 && c <= 57,
  graph: (c) => c >= 33 && c <= 126,
  lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 32 && c <= 126,
  punct: (c) => c >= 33 && c <= 126 && !CLASSES.alnum!(c),
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  upper: (c) => c >= 65 && c <= 90,
  xdigit: (c) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

/** Result of reading one bracket expression at the subject position. */
type Bracket = { kind: 'member' | 'nonmember'; end: number } | { kind: 'literal' } | { kind: 'fail' };

class Matcher {
  /** (pattern index, subject index) pairs known not to match, for "*" backtracking. */
  private readonly failed = new Set<number>();
  constructor(
    private readonly p: string,
    private readonly s: string,
  ) {}

  match(pi: number, si: number): boolean {
    const { p, s } = this;
    while (pi < p.length) {
      const c = fold(p[pi]!);
      if (c === '?') {
        if (si >= s.length) return false;
        pi++;
        si++;
        continue;
      }
      if (c === '\\') {
        if (pi + 1 >= p.length) return false; // a trailing backslash never matches
        if (si >= s.length || fold(p[pi + 1]!) !== fold(s[si]!)) return false;
        pi += 2;
        si++;
        continue;
      }
      if (c === '*') {
        while (pi < p.length && p[pi] === '*') pi++;
        if (pi >= p.length) return true;
        const memo = pi * (s.length + 1);
        for (let k = si; k <= s.length; k++) {
          if (this.failed.has(memo + k)) continue;
          if (this.match(pi, k)) return true;
          this.failed.add(memo + k);
        }
        return false;
      }
      if (c === '[') {
        if (si >= s.length) return false;
        const b = this.bracket(pi + 1, s[si]!);
        if (b.kind === 'fail' || b.kind === 'nonmember') return false;
        if (b.kind === 'member') {
          pi = b.end;
          si++;
          continue;
        }
        // unterminated: "[" is an ordinary character (falls through)
      }
      if (si >= s.length || c !== fold(s[si]!)) return false;
      pi++;
      si++;
    }
    return si === s.length;
  }

  /**
   * Reads the bracket expression whose "[" is just before p[start] against subject byte ch.
   * member/nonmember: whether ch is accepted (negation applied), end = index after the "]".
   */
  private bracket(start: number, ch: string): Bracket {
    const p = this.p;
    let i = start;
    const negate = p[i] === '!' || p[i] === '^';
    if (negate) i++;
    const fn = fold(ch);
    const code = ch.charCodeAt(0);
    const at = (k: number): string => p[k] ?? ''; // '' plays C's terminating NUL
    let matched = false;
    let c = at(i++);
    for (;;) {
      let cold: string; // the single character just read, start of a possible range
      let escaped = false;
      if (c === '\\') {
        if (at(i) === '') return { kind: 'fail' };
        c = fold(at(i++));
        escaped = true;
      }
      if (!escaped && c === '[' && at(i) === ':') {
        const close = this.className(i);
        if (close === 'fail') return { kind: 'fail' };
        if (close !== undefined) {
          i = close.end;
          if (CLASSES[close.name]!(code)) {
            matched = true;
            break;
          }
          c = at(i++);
          if (c === ']') break;
          continue;
        }
        // not a class name: "[" is an ordinary member, reading resumes at the ":"
      } else if (!escaped && c === '[' && at(i) === '=' && at(i + 1) !== '' && at(i + 2) === '=' && at(i + 3) === ']') {
        if (ch === at(i + 1)) {
          matched = true;
          i += 4;
          break;
        }
        i += 4;
        c = at(i++);
        if (c === ']') break;
        continue;
      } else if (!escaped && c === '') {
        return { kind: 'literal' };
      }
      let isRange: boolean;
      if (!escaped && c === '[' && at(i) === '.') {
        // collating symbol: only a single character is known in the C locale
        const close = p.indexOf('.]', i + 1);
        if (close !== i + 2) return { kind: 'fail' }; // unclosed, or more than one character
        cold = at(i + 1);
        i = close + 2;
        isRange = at(i) === '-' && at(i + 1) !== '';
        if (!isRange && ch === cold) {
          matched = true;
          break;
        }
      } else {
        if (!escaped) c = fold(c);
        isRange = at(i) === '-' && at(i + 1) !== '' && at(i + 1) !== ']';
        if (!isRange && c === fn) {
          matched = true;
          break;
        }
        cold = c;
      }
      c = at(i++);
      if (c === '-' && at(i) !== ']') {
        let cend = at(i++);
        if (cend === '[' && at(i) === '.') {
          const close = p.indexOf('.]', i + 1);
          if (close !== i + 2) return { kind: 'fail' };
          cend = at(i + 1);
          i = close + 2;
        } else {
          if (cend === '\\') cend = at(i++);
          if (cend === '') return { kind: 'fail' };
          cend = fold(cend);
        }
        if (cold <= fn && fn <= cend) {
          matched = true;
          break;
        }
        c = at(i++);
      }
      if (c === ']') break;
    }
    if (!matched) return { kind: negate ? 'member' : 'nonmember', end: i };
    // Skip the rest of a bracket that already matched; malformed rests fail.
    for (;;) {
      const d = at(i++);
      if (d === ']') break;
      if (d === '') return { kind: 'literal' }; // unterminated after all (current glibc)
      if (d === '\\') {
        if (at(i) === '') return { kind: 'fail' };
        i++;
      } else if (d === '[' && at(i) === ':') {
        const close = this.skipClassName(i);
        i = close;
      } else if (d === '[' && at(i) === '=') {
        if (at(i + 1) === '' || at(i + 2) !== '=' || at(i + 3) !== ']') return { kind: 'fail' };
        i += 4;
      } else if (d === '[' && at(i) === '.') {
        const close = p.indexOf('.]', i + 1);
        if (close < 0) return { kind: 'fail' };
        i = close + 2;
      }
    }
    return { kind: negate ? 'nonmember' : 'member', end: i };
  }

  /**
   * At p[colon] === ':' after "[": a class name of letters a-y closed by ":]" -> its name and the
   * index after ":]"; an unknown name -> 'fail'; any other character -> undefined (not a class).
   */
  private className(colon: number): { name: string; end: number } | 'fail' | undefined {
    const p = this.p;
    let name = '';
    for (let k = colon + 1; ; k++) {
      const c = p[k] ?? '';
      if (c === ':' && p[k + 1] === ']') {
        return CLASSES[name] ? { name, end: k + 2 } : 'fail';
      }
      if (c < 'a' || c >= 'z') return undefined;
      name += c;
    }
  }

  /** The skip loop's (slightly different) reading of "[:...:]": index to resume at. */
  private skipClassName(colon: number): number {
    const p = this.p;
    for (let k = colon + 1; ; k++) {
      const c = p[k] ?? '';
      if (c === ':' && p[k + 1] === ']') return k + 2;
      if (c < 'a' || c >= 'z') return colon;
    }
  }
}
