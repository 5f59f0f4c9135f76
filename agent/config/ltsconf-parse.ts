// lts.conf reader with LTSP 5 getltscfg's lexical rules (client/getltscfg/lexer.l, parser.y):
//
//   STRING  a run of characters other than  = \n [ ] " ' #  with surrounding white space trimmed
//   QUOTED  "..." on one line, greedy to the LAST " of the line; the outer quotes are removed
//   #       comment to the end of the line, wherever it stands outside a quoted string
//   grammar file := (include | '[' name ']' (key '=' value)+)*      newlines are not significant
//
// On a valid file this yields exactly the sections and tuples getltscfg builds. Where getltscfg
// stops at the first syntax error (silently, its callers drop stderr), this parser reports the
// file:line and the reason, skips only the offending line and keeps every valid one.

import { LtspError, type Problem } from '../core/errors.ts';

export interface Declaration {
  /** As written (case kept); compare with asciiUpper(). */
  readonly key: string;
  readonly value: string;
  readonly line: number;
  readonly file: string;
}

export interface Section {
  readonly name: string;
  readonly line: number;
  readonly file: string;
  readonly declarations: Declaration[];
}

export interface ParsedConf {
  readonly file: string;
  readonly sections: Section[];
  readonly problems: Problem[];
  /** Bytes were not valid UTF-8 and were read as Latin-1 so that values round-trip byte for byte. */
  readonly latin1: boolean;
}

/** Larger files are refused: a real lts.conf with thousands of per-MAC sections is well under 4 MiB. */
export const MAX_LTSCONF_BYTES = 16 * 1024 * 1024;

/** What an include reader found: the file's bytes, the name to show and a unique identity. */
export type IncludeRead =
  | { readonly ok: true; readonly bytes: Buffer; readonly name: string; readonly id: string }
  | { readonly ok: false; readonly why: string };

/**
 * Reads an `include` target: `path` as written, `from` the name of the including file (the
 * rule for relative paths lives in ltsconf-load.ts), at most `maxBytes` bytes.
 */
export type IncludeReader = (path: string, from: string, maxBytes: number) => IncludeRead;

/** getltscfg allowed 10 included files; nested includes deeper than this are refused. */
export const MAX_INCLUDES = 10;
export const MAX_INCLUDE_DEPTH = 4;

type Token =
  | { t: 'lb' | 'rb' | 'eq'; line: number }
  | { t: 'str'; v: string; line: number; quoted: boolean }
  | { t: 'inc'; path: string; line: number }
  | { t: 'bad'; line: number; why: string };

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13); // C isspace()
const isStringChar = (c: number) =>
  c !== 61 /* = */ && c !== 10 && c !== 91 /* [ */ && c !== 93 /* ] */ && c !== 34 /* " */ && c !== 39 /* ' */ && c !== 35; /* # */

/** Control characters other than tab/CR never appear in a text lts.conf. */
function controlChar(s: string): number | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 13) || c === 127) return c;
  }
  return undefined;
}

function trimC(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

const INCLUDE_RE = /[ \t]*include[ \t]+(?:"([^\n]*)"|([^=\n[\]"'#]*))[ \t]*/y;

function lex(text: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  let lineStart = true;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
      lineStart = true;
      continue;
    }
    if (lineStart) {
      lineStart = false;
      INCLUDE_RE.lastIndex = i;
      const m = INCLUDE_RE.exec(text);
      if (m) {
        // flex prefers the longest match; the plain STRING rule would match the same text at
        // most, and the include rule is listed first, so it wins ties.
        let stringEnd = i;
        while (stringEnd < n && isStringChar(text.charCodeAt(stringEnd))) stringEnd++;
        if (INCLUDE_RE.lastIndex >= stringEnd) {
          const raw = m[1] !== undefined ? m[1] : (m[2] ?? '');
          out.push({ t: 'inc', path: trimC(raw), line });
          i = INCLUDE_RE.lastIndex;
          continue;
        }
      }
    }
    if (c === 35 /* # */) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === 91) {
      out.push({ t: 'lb', line });
      i++;
      continue;
    }
    if (c === 93) {
      out.push({ t: 'rb', line });
      i++;
      continue;
    }
    if (c === 61) {
      out.push({ t: 'eq', line });
      i++;
      continue;
    }
    if (c === 34 /* " */) {
      let nl = text.indexOf('\n', i + 1);
      if (nl < 0) nl = n;
      const last = text.lastIndexOf('"', nl - 1);
      if (last > i) {
        const v = text.slice(i + 1, last);
        const cc = controlChar(v);
        out.push(cc === undefined ? { t: 'str', v, line, quoted: true } : badControl(cc, line));
        i = last + 1;
      } else {
        out.push({ t: 'bad', line, why: 'unterminated double quote: a quoted value must end on the same line' });
        i = nl;
      }
      continue;
    }
    if (c === 39 /* ' */) {
      out.push({
        t: 'bad',
        line,
        why: "single quote outside double quotes (LTSP 5's getltscfg printed it into its output); put the value in double quotes",
      });
      i++;
      continue;
    }
    // STRING rule. A run that is only white space is skipped (flex's whitespace rule, and CR of CRLF).
    let j = i;
    while (j < n && isStringChar(text.charCodeAt(j))) j++;
    const v = trimC(text.slice(i, j));
    if (v.length > 0) {
      const cc = controlChar(v);
      out.push(cc === undefined ? { t: 'str', v, line, quoted: false } : badControl(cc, line));
    }
    i = j;
  }
  return out;
}

function badControl(c: number, line: number): Token {
  return {
    t: 'bad',
    line,
    why: `binary data (byte 0x${c.toString(16).padStart(2, '0')}): lts.conf must be a text file`,
  };
}

export interface ParseOptions {
  /** Name shown in messages (the path, or "tftp://server/ltsp/i386/lts.conf"). */
  file: string;
  /** Reads `include` targets; without one, an include is reported and skipped. */
  readInclude?: IncludeReader;
  /** The including file's name for the reader (default `file`): /etc/lts.conf for a fetched copy. */
  includeFrom?: string;
  /** Identity of the file itself (device:inode), so that it cannot include itself. */
  id?: string;
}

/** Decode bytes as UTF-8 when they are valid UTF-8, otherwise as Latin-1 (byte for byte). */
export function decodeConf(bytes: Buffer): { text: string; latin1: boolean } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), latin1: false };
  } catch {
    return { text: bytes.toString('latin1'), latin1: true };
  }
}

export function parseLtsConf(bytes: Buffer | string, opts: ParseOptions): ParsedConf {
  const problems: Problem[] = [];
  const sections: Section[] = [];
  let latin1 = false;
  if (typeof bytes !== 'string' && bytes.length > MAX_LTSCONF_BYTES) {
    throw tooLarge(opts.file, bytes.length);
  }
  // One rule for every caller: at most MAX_INCLUDES files, MAX_INCLUDE_DEPTH deep, all files
  // together within MAX_LTSCONF_BYTES, each file once (by identity, as getltscfg's dev/inode
  // check). An included file's lines are never quoted in a message: `include /etc/shadow` must
  // not print the file as syntax errors.
  const seen = new Set<string>(opts.id !== undefined ? [opts.id] : []);
  let included = 0;
  let totalBytes = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  const parseOne = (input: Buffer | string, file: string, from: string, depth: number) => {
    let text: string;
    if (typeof input === 'string') text = input;
    else {
      const d = decodeConf(input);
      text = d.text;
      if (d.latin1) {
        latin1 = true;
        problems.push({
          code: 'LTSP_CONF_BINARY',
          severity: 'warning',
          message: 'the file is not valid UTF-8; values are kept byte for byte (read as Latin-1)',
          where: { file },
        });
      }
    }
    parseTokens(lex(text), file, depth === 0, sections, problems, (inc) => {
      const skip = (why: string, severity: 'error' | 'warning' = 'error') => problems.push(problem(file, inc.line, `include ${inc.path}: ${why}`, severity));
      if (!opts.readInclude) return skip('includes are not read here; the line is ignored');
      if (depth >= MAX_INCLUDE_DEPTH) return skip(`included files nest more than ${MAX_INCLUDE_DEPTH} deep; the line is ignored`);
      if (included >= MAX_INCLUDES) return skip(`more than ${MAX_INCLUDES} included files; the line is ignored`);
      const got = opts.readInclude(inc.path, from, MAX_LTSCONF_BYTES - totalBytes);
      if (!got.ok) return skip(`${got.why}; the line is ignored`);
      if (seen.has(got.id)) return skip('already read, skipped to avoid a loop', 'warning');
      seen.add(got.id);
      included++;
      totalBytes += got.bytes.length;
      problems.push(
        problem(
          file,
          inc.line,
          `include ${inc.path}: read in place (LTSP 5's getltscfg switched files mid-parse and could lose the rest of this file)`,
          'warning',
        ),
      );
      parseOne(got.bytes, got.name, got.name, depth + 1);
    });
  };
  parseOne(bytes, opts.file, opts.includeFrom ?? opts.file, 0);
  return { file: opts.file, sections, problems, latin1 };
}

/** `atLeast`: the reading stopped at the limit, so the real size is unknown (a device, a growing file). */
export function tooLarge(file: string, size: number, atLeast = false): LtspError {
  return new LtspError(
    'LTSP_CONF_TOO_LARGE',
    `lts.conf is ${atLeast ? 'more than ' : ''}${formatBytes(size)}, over the ${formatBytes(MAX_LTSCONF_BYTES)} limit; refused`,
    { file },
    'check that the right file is served: a real lts.conf is a few kilobytes',
  );
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) ? 1 : 0)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}

function problem(file: string, line: number, message: string, severity: 'error' | 'warning' = 'error'): Problem {
  return { code: 'LTSP_CONF_SYNTAX', severity, message, where: { file, line } };
}

const FROM_HERE = "LTSP 5's getltscfg stops reading the file here; ltsp-agent skips only this line";

/** A token for a message; `echo` false (an included file): never its text. */
function describeToken(t: Token, echo: boolean): string {
  switch (t.t) {
    case 'lb':
      return '"["';
    case 'rb':
      return '"]"';
    case 'eq':
      return '"="';
    case 'str':
      return echo ? `"${t.v}"` : 'a word';
    case 'inc':
      return echo ? `include ${t.path}` : 'an include line';
    case 'bad':
      return 'an invalid character';
  }
}

function parseTokens(
  toks: Token[],
  file: string,
  /** Quote the file's text in messages (not for included files, which may be anything). */
  echo: boolean,
  sections: Section[],
  problems: Problem[],
  onInclude: (t: Extract<Token, { t: 'inc' }>) => void,
): void {
  let current: Section | undefined;
  /** The current section got its tag but no declaration yet. */
  let needsDeclaration = false;
  let i = 0;
  /** A key or a KEY=value line as shown in messages. */
  const K = (k: string) => (echo ? k : 'KEY');
  const KV = (k: string, v: string) => (echo ? `${k}=${v}` : 'a KEY=value line');
  const desc = (t: Token) => describeToken(t, echo);

  const fail = (line: number, message: string) => {
    problems.push(problem(file, line, `${message}; ${FROM_HERE}`));
    // Drop whatever this line contributed, then resume at the first token of a later line.
    if (current) {
      while (current.declarations.length > 0 && current.declarations[current.declarations.length - 1]!.line === line) {
        current.declarations.pop();
      }
    }
    while (i < toks.length && toks[i]!.line <= line) i++;
  };

  const endSectionIfEmpty = () => {
    if (current && needsDeclaration) {
      problems.push({
        code: 'LTSP_CONF_SYNTAX',
        severity: 'error',
        message: `${echo ? `section [${current.name}]` : 'the section that starts here'} has no KEY=value lines; LTSP 5's getltscfg stops reading the file after it`,
        where: { file, line: current.line },
        hint: 'remove the empty section or add its settings',
      });
      needsDeclaration = false;
    }
  };

  while (i < toks.length) {
    const t = toks[i]!;
    if (t.t === 'bad') {
      fail(t.line, t.why);
      continue;
    }
    if (t.t === 'inc') {
      if (needsDeclaration) endSectionIfEmpty();
      i++;
      onInclude(t);
      // An included file's sections are appended; declarations after the include belong
      // to whatever section the included file ended in, as in getltscfg.
      current = sections[sections.length - 1];
      continue;
    }
    if (t.t === 'lb') {
      const name = toks[i + 1];
      const close = toks[i + 2];
      if (name?.t === 'str' && name.line === t.line && close?.t === 'rb' && close.line === t.line) {
        endSectionIfEmpty();
        current = { name: name.v, line: t.line, file, declarations: [] };
        sections.push(current);
        needsDeclaration = true;
        i += 3;
        // Junk after the header on the same line that is not a declaration is reported
        // by the declaration rules below.
        continue;
      }
      if (name?.t === 'str' && close?.t === 'rb') {
        // Valid for getltscfg even across lines, though odd: keep it.
        endSectionIfEmpty();
        current = { name: name.v, line: t.line, file, declarations: [] };
        sections.push(current);
        needsDeclaration = true;
        i += 3;
        continue;
      }
      if (name?.t === 'rb') fail(t.line, 'empty section name "[]"');
      else if (name?.t === 'str') fail(t.line, `section header ${echo ? `[${name.v} ` : ''}is not closed with "]"`);
      else fail(t.line, 'section header "[" without a name');
      continue;
    }
    if (t.t === 'str') {
      const eq = toks[i + 1];
      const val = toks[i + 2];
      if (eq?.t !== 'eq') {
        if (eq === undefined || eq.line > t.line) fail(t.line, `${echo ? `"${t.v}" is` : 'the line is'} not a KEY=value line (missing "=")`);
        else fail(t.line, `expected "=" after ${echo ? t.v : 'a key'}, found ${desc(eq)}`);
        continue;
      }
      if (val?.t !== 'str') {
        if (val === undefined || val.line > eq.line) {
          fail(t.line, `${K(t.v)}= has no value (write ${K(t.v)}="" for an empty value)`);
        } else if (val.t === 'bad') {
          fail(val.line, val.why);
        } else {
          fail(t.line, `${K(t.v)}= is followed by ${desc(val)}; quote values that contain = [ ] # or '`);
        }
        continue;
      }
      if (val.line > eq.line) {
        // "KEY=" at the end of a line: getltscfg takes the next token as the value. When that
        // token starts the next declaration, the admin meant an empty value.
        const after = toks[i + 3];
        if (after?.t === 'eq' && after.line === val.line) {
          problems.push({
            ...problem(file, t.line, `${K(t.v)}= has no value (write ${K(t.v)}="" for an empty value); ${FROM_HERE}`),
            where: { file, line: t.line, ...(echo ? { key: t.v.toUpperCase() } : {}) },
          });
          i += 2; // resume at the next line's key
          continue;
        }
        problems.push(
          problem(file, t.line, `the value of ${K(t.v)} is on line ${val.line}; getltscfg accepts this, but it is easy to misread`, 'warning'),
        );
      }
      if (!current) {
        fail(t.line, `${KV(t.v, val.v)} stands before the first [section]`);
        continue;
      }
      const after = toks[i + 3];
      if (after && after.line === val.line && (after.t === 'eq' || after.t === 'rb' || after.t === 'bad')) {
        // e.g. "A=1 B=2" or "A=x=y" (the value ran into another "="), or A=it's
        i += 3;
        fail(
          val.line,
          after.t === 'bad'
            ? after.why
            : `unexpected ${desc(after)} after ${KV(t.v, val.v)}; one KEY=value per line, and quote values that contain = [ ] # or '`,
        );
        continue;
      }
      current.declarations.push({ key: t.v, value: val.v, line: t.line, file });
      needsDeclaration = false;
      i += 3;
      continue;
    }
    // A stray "]" or "=".
    fail(t.line, `unexpected ${desc(t)}`);
  }
  endSectionIfEmpty();
}
