// fnmatch(3) as getltscfg calls it: fnmatch(section, identity, FNM_CASEFOLD). No FNM_PATHNAME
// or FNM_PERIOD, so "*" also matches "/" and leading dots; backslash escapes the next
// character; an unclosed "[" is an ordinary character. Case folding is ASCII (C locale).

const cache = new Map<string, RegExp | null>();

export function hasGlob(pattern: string): boolean {
  return /[*?[\\]/.test(pattern);
}

export function fnmatchCasefold(pattern: string, subject: string): boolean {
  let re = cache.get(pattern);
  if (re === undefined) {
    re = hasGlob(pattern) ? compile(pattern) : null;
    if (cache.size > 10000) cache.clear();
    cache.set(pattern, re);
  }
  if (re === null) return asciiLower(pattern) === asciiLower(subject);
  return re.test(asciiLower(subject));
}

export function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

const CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9A-Fa-f',
  cntrl: '\\x00-\\x1f\\x7f',
  print: ' -~',
  graph: '!-~',
};

const escapeRe = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

function compile(pattern: string): RegExp {
  const p = asciiLower(pattern);
  let out = '^';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\') {
      i++;
      out += i < p.length ? escapeRe(p[i]!) : '\\\\';
    } else if (c === '[') {
      const parsed = bracket(p, i);
      if (parsed) {
        out += parsed.re;
        i = parsed.end;
      } else out += '\\[';
    } else out += escapeRe(c);
  }
  return new RegExp(out + '$');
}

/** Parses a bracket expression starting at p[start] === '['; undefined when it is not closed. */
function bracket(p: string, start: number): { re: string; end: number } | undefined {
  let i = start + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  while (i < p.length) {
    const c = p[i]!;
    if (c === ']' && !first) return { re: `[${negate ? '^' : ''}${body}]`, end: i };
    first = false;
    if (c === '[' && p[i + 1] === ':') {
      const close = p.indexOf(':]', i + 2);
      const name = close > 0 ? p.slice(i + 2, close) : '';
      if (close > 0 && CLASSES[name] !== undefined) {
        body += name === 'upper' || name === 'lower' ? 'a-z' : CLASSES[name];
        i = close + 2;
        continue;
      }
    }
    if (c === '\\' && i + 1 < p.length) {
      body += escapeRe(p[i + 1]!);
      i += 2;
      continue;
    }
    if (p[i + 1] === '-' && p[i + 2] !== undefined && p[i + 2] !== ']') {
      const lo = c;
      const hi = p[i + 2]!;
      if (lo <= hi) body += `${escapeRe(lo)}-${escapeRe(hi)}`;
      i += 3;
      continue;
    }
    body += escapeRe(c);
    i++;
  }
  return undefined;
}
