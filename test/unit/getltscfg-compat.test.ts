// Byte-for-byte compatibility of our getltscfg with LTSP 5's C getltscfg on valid lts.conf files.
//
// test/fixtures/getltscfg/corpus.json holds a few hundred lts.conf files (hand-written ones in the
// style of ltsp5-client.md §2.2-2.4 plus seeded random ones from generate.ts) with client
// identities and the exact stdout the real getltscfg printed, recorded by generate.ts (see
// there for how the oracle was built and run: hostname via a UTS namespace, IP/MAC via a veth
// in a private network namespace). Every case is replayed here in-process: machine identities
// go through io.identity, hostname-only runs through -n, exactly as recorded.
//
// The one intended difference on valid files: for `-a`, a value that would break, expand or execute
// code inside `eval "$(getltscfg -a)"` (a double quote, a backtick, a backslash, a "$" that starts
// an expansion such as "$(", "${", "$HOME") or a key that is not a shell name or is read-only in
// bash is not printed; both its KEY="..." line and its `export KEY` line go, and
// stderr names the key. Single-key lookups print such values unchanged.
//
// How the real getltscfg behaves on INVALID input (run against the oracle while building the
// corpus; exit status 0 unless said otherwise; a syntax error prints "\n<msg> in <file>, line=<n>\n\n"
// to stderr and keeps what was parsed before it):
//   * "[default]\nA=\nB=2\n"    syntax error, line=3. A takes the next token as its value and
//                               survives: stdout A="B". Everything after the error is dropped.
//   * "[default]\n[x]\nA=1\n"   empty section: syntax error at line 2; nothing parsed survives
//                               (the [default] tag had no declaration yet): stdout empty.
//   * "[default]\nA=1\n[x]\n"   empty LAST section: syntax error (line=4), A="1" kept.
//   * "[default]\nA=it's\n..."  the ' matches no lexer rule: flex echoes it to stdout, then a syntax
//                               error: stdout is "'A=\"it\"\nexport A\n" (corrupted, as the spec says).
//   * "[default]\nA=x '\nB=2\n" the same echo, but NO syntax error: stdout "'A=\"x\"\nB=..." — a
//                               stray ' corrupts the output silently.
//   * "A=\"unterminated\nB=2"   the lone " is echoed, "unterminated" becomes the value, no error.
//   * "[default]\nA=1 B=2\nC=3" "1 B" is one string, then "=" is a syntax error (line 2): A="1 B".
//   * "A=1\n[default]\n..."     a declaration before the first section: syntax error at line 1.
//   * "[]", "[ ]"               syntax error; but "[\"\"]" is a valid section with an empty name.
//   * a final "#" without newline: the comment rule needs "\n", so "#" is echoed into stdout, no
//                               error; "A=1 #c" without final newline: "#" echoed, then an error.
//   * "\r\n" line ends: "A=1\r" is trimmed like a space, but "[default]\r\n" leaves an empty
//                               string token after "]": syntax error (line 2). CRLF files fail.
//   * "include <file>" on a line of its own whose file cannot be opened: segmentation fault
//                               (validateinclude() calls fclose(NULL)), exit 139, no output.
//   * "[default]\nA=foo\ninclude = bar\n": "include " is lexed as a failed include whose token
//                               text is the previous string (stale yylval): stdout FOO="bar", no error.
//   * A LIKE cycle loops forever (not run; the generator only makes acyclic LIKEs).
// Our parser reports these with file:line and skips only the bad line (last test below, and
// ltsconf.test.ts); it reads the final-"#" and CRLF files as intended. None is in the corpus.
//
// Two more findings from building the oracle (details in generate.ts):
//   * With current libpopt, `getltscfg KEY` reads KEY after poptFreeContext() freed it (a
//     use-after-free in getltscfg.c); depending on the heap it printed ANOTHER key's value. The
//     oracle is linked with a no-op poptFreeContext, as old popt (pointers into argv) behaved.
//   * Glob sections go through the build machine's glibc fnmatch (2.36 here). Older glibc differs
//     only on malformed brackets such as "pc[9-z" (see agent/config/fnmatch.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { getltscfg } from '../../agent/cli/getltscfg.ts';
import { parseLtsConf } from '../../agent/config/ltsconf-parse.ts';
import type { Corpus, CorpusCase } from '../fixtures/getltscfg/generate.ts';

const corpus = JSON.parse(readFileSync(new URL('../fixtures/getltscfg/corpus.json', import.meta.url), 'utf8')) as Corpus;

/**
 * Cases where we knowingly differ from the oracle on a valid file: reported, not failed.
 * Each entry: corpus file name, optionally the args (after -c FILE) as JSON (else every case of
 * the file), and why.
 */
// Empty: every case of the corpus must match the real getltscfg byte for byte. (A file whose
// LIKE lines double at each of 14 levels once differed: the chain limit is now 2^18 entries.)
const KNOWN_DIFFERENCES: ReadonlyArray<{ file: string; args?: string; why: string }> = [];

function fileBytes(i: number): Buffer {
  const f = corpus.files[i]!;
  return f.b64 !== undefined ? Buffer.from(f.b64, 'base64') : Buffer.from(f.text ?? '', 'utf8');
}

function expectedBytes(c: CorpusCase): Buffer {
  return c.stdoutB64 !== undefined ? Buffer.from(c.stdoutB64, 'base64') : Buffer.from(c.stdout ?? '', 'utf8');
}

/** Independent statement of what our getltscfg refuses to print for `eval "$(getltscfg -a)"`. */
function unsafe(key: string, value: string): boolean {
  const readOnlyInBash = ['UID', 'EUID', 'PPID', 'BASHOPTS', 'SHELLOPTS', 'BASH_VERSINFO'];
  // A double quote, backtick or backslash, or a "$" that starts an expansion ($(, ${, $[, $NAME, $1, $@ ...).
  return !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || readOnlyInBash.includes(key) || /["`\\]|\$[({[A-Za-z0-9_@*#?$!-]/.test(value);
}

/**
 * The oracle's `-a` output minus the unsafe entries. Output is N `KEY="value"` lines followed by
 * N `export KEY` lines in the same order, so line i's key is export line i's key (keys may
 * contain "=" or spaces, values may contain anything but a newline). Works on bytes via latin1.
 */
function filterUnsafe(oracle: Buffer, utf8: boolean): { expected: Buffer; refused: string[] } {
  const text = oracle.toString('latin1');
  if (text === '') return { expected: oracle, refused: [] };
  const lines = text.replace(/\n$/, '').split('\n');
  assert.equal(lines.length % 2, 0, `odd -a output: ${JSON.stringify(text)}`);
  const n = lines.length / 2;
  const keep: boolean[] = [];
  const refused: string[] = [];
  for (let i = 0; i < n; i++) {
    const exp = lines[n + i]!;
    assert.ok(exp.startsWith('export '), `unexpected -a line ${JSON.stringify(exp)}`);
    const key = exp.slice('export '.length);
    const line = lines[i]!;
    assert.ok(line.startsWith(`${key}="`) && line.endsWith('"'), `unexpected -a line ${JSON.stringify(line)}`);
    const decode = (s: string) => Buffer.from(s, 'latin1').toString(utf8 ? 'utf8' : 'latin1');
    const bad = unsafe(decode(key), decode(line.slice(key.length + 2, -1)));
    keep.push(!bad);
    if (bad) refused.push(decode(key));
  }
  const out = [...lines.slice(0, n).filter((_, i) => keep[i]), ...lines.slice(n).filter((_, i) => keep[i])];
  return { expected: Buffer.from(out.map((l) => `${l}\n`).join(''), 'latin1'), refused };
}

interface Outcome {
  c: CorpusCase;
  expected: Buffer;
  actual: Buffer;
  stderr: string;
  refused: string[];
}

function runAll(): Outcome[] {
  const dir = mkdtempSync(join(tmpdir(), 'getltscfg-compat-'));
  try {
    const paths = corpus.files.map((f, i) => {
      const p = join(dir, f.name);
      writeFileSync(p, fileBytes(i));
      return p;
    });
    return corpus.cases.map((c) => {
      const chunks: Buffer[] = [];
      let stderr = '';
      const status = getltscfg(['-c', paths[c.file]!, ...c.args], {
        stdout: (b) => chunks.push(b),
        stderr: (s) => {
          stderr += s;
        },
        identity: () => {
          assert.ok(c.identity, 'a -n run must not ask for the machine identity');
          return { ...c.identity };
        },
      });
      assert.equal(status, 0, `${corpus.files[c.file]!.name} ${JSON.stringify(c.args)}: exit status ${status}\n${stderr}`);
      const oracle = expectedBytes(c);
      const { expected, refused } = c.args.includes('-a')
        ? filterUnsafe(oracle, corpus.files[c.file]!.b64 === undefined)
        : { expected: oracle, refused: [] };
      return { c, expected, actual: Buffer.concat(chunks), stderr, refused };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const outcomes = runAll();

function describe(o: Outcome): string {
  const f = corpus.files[o.c.file]!;
  const who = o.c.identity ? `identity ${JSON.stringify(o.c.identity)}` : 'no identity';
  return (
    `${f.name} args ${JSON.stringify(o.c.args)} ${who}\n` +
    `  expected ${JSON.stringify(o.expected.toString('latin1'))}\n` +
    `  actual   ${JSON.stringify(o.actual.toString('latin1'))}`
  );
}

function isKnown(o: Outcome): string | undefined {
  const name = corpus.files[o.c.file]!.name;
  return KNOWN_DIFFERENCES.find((k) => k.file === name && (k.args === undefined || k.args === JSON.stringify(o.c.args)))?.why;
}

test('corpus is present and substantial', () => {
  assert.ok(corpus.files.length >= 250, `${corpus.files.length} files`);
  assert.ok(corpus.cases.length >= 2000, `${corpus.cases.length} cases`);
  assert.ok(corpus.cases.some((c) => c.identity && c.identity.ip === ''), 'a run with no interface up');
  assert.ok(corpus.cases.some((c) => c.args[0] === '-n'), 'hostname-only runs');
  assert.ok(outcomes.some((o) => o.refused.length > 0), 'some cases exercise refused values');
});

test('stdout is byte-identical to LTSP 5 getltscfg on every corpus case (minus refused values)', (t) => {
  const failures: string[] = [];
  const known: string[] = [];
  for (const o of outcomes) {
    if (o.actual.equals(o.expected)) continue;
    const why = isKnown(o);
    if (why) known.push(`${describe(o)}\n  known: ${why}`);
    else failures.push(describe(o));
  }
  // One line per known difference: how many cases, and the first of them.
  const byFile = new Map<string, string[]>();
  for (const k of known) {
    const name = k.slice(0, k.indexOf(' '));
    byFile.set(name, [...(byFile.get(name) ?? []), k]);
  }
  for (const [name, ks] of byFile) t.diagnostic(`KNOWN DIFFERENCE in ${ks.length} case(s) of ${name}, first: ${ks[0]}`);
  assert.equal(failures.length, 0, `${failures.length} of ${outcomes.length} cases differ:\n${failures.slice(0, 20).join('\n')}`);
});

test('every refused -a entry is named on stderr', () => {
  const missing: string[] = [];
  for (const o of outcomes) {
    for (const key of o.refused) {
      if (!o.stderr.includes(`${key}: not printed`)) missing.push(`${describe(o)}\n  key ${JSON.stringify(key)} not named in stderr ${JSON.stringify(o.stderr)}`);
    }
  }
  assert.equal(missing.length, 0, missing.slice(0, 10).join('\n'));
});

test('no stderr about refused values when nothing was refused', () => {
  const noisy = outcomes.filter((o) => o.refused.length === 0 && o.stderr.includes('not printed'));
  assert.equal(noisy.length, 0, noisy.slice(0, 5).map(describe).join('\n'));
});

test('the invalid inputs listed above are reported with their line; the rest of the file still counts', () => {
  const cases: Array<[text: string, errorLine: number]> = [
    ['[default]\nA=\nB=2\n', 2],
    ['[default]\n[x]\nA=1\n', 1],
    ['[default]\nA=1\n[x]\n', 3],
    ["[default]\nA=it's\nB=2\n", 2],
    ["[default]\nA=x '\nB=2\n", 2],
    ['[default]\nA="unterminated\nB=2\n', 2],
    ['[default]\nA=1 B=2\nC=3\n', 2],
    ['A=1\n[default]\nB=2\n', 1],
    ['[]\nA=1\n', 1],
    ['[ ]\nA=1\n', 1],
    ['[default]\nA=foo\ninclude = bar\n', 3],
  ];
  for (const [text, line] of cases) {
    const conf = parseLtsConf(text, { file: 'lts.conf' });
    const errors = conf.problems.filter((p) => p.severity !== 'warning');
    assert.ok(errors.some((p) => p.where.line === line), `${JSON.stringify(text)}: expected an error at line ${line}, got ${JSON.stringify(errors)}`);
  }
  // Where getltscfg misbehaved without a syntax error we simply read the file: a final comment
  // without newline (getltscfg echoed "#" into stdout), CRLF line ends (getltscfg: syntax error
  // after the first "]"), and the valid but odd empty section name [""].
  for (const text of ['[default]\nA=1\n#', '[default]\nA=1 #c', '[default]\r\nA=1\r\nB=2\r\n', '[""]\nA=1\n']) {
    const conf = parseLtsConf(text, { file: 'lts.conf' });
    assert.deepEqual(conf.problems.filter((p) => p.severity !== 'warning'), [], JSON.stringify(text));
  }
});
