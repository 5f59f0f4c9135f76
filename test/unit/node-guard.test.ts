// dist/ltsp-agent checks its Node version before anything else, in code an old Node can parse
// (agent/node-guard.cjs, put first by build.mjs). Run here with a faked process.version: the
// guard's own text from the bundle, in a fresh V8 context.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runInNewContext } from 'node:vm';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(REPO, 'dist', 'ltsp-agent');

/** What the bundle runs before its programs: everything between the #! line and the programs' comment. */
function bundleHead(): string {
  const text = readFileSync(BUNDLE, 'latin1');
  const end = text.indexOf('\n/*LTSP-AGENT-PROGRAMS');
  assert.ok(text.startsWith('#!/usr/bin/env node\n') && end > 0, 'run npm run build first');
  return text.slice(text.indexOf('\n') + 1, end);
}

function runHead(version: string) {
  let stderr = '';
  let exitCode: number | undefined;
  const required: string[] = [];
  const fakeProcess = {
    version: `v${version}`,
    versions: { node: version },
    execPath: '/usr/bin/node',
    stderr: { write: (s: string) => (stderr += s) },
    exit: (c: number) => {
      exitCode = c;
      throw new Error('exit');
    },
  };
  // A require that records what the loader asks for and stops there: proof it was compiled and ran.
  const require = (id: string) => {
    required.push(id);
    throw new Error('stop');
  };
  try {
    runInNewContext(bundleHead(), { process: fakeProcess, require, exports: {}, module: { exports: {} }, __filename: BUNDLE, __dirname: dirname(BUNDLE) });
  } catch {
    /* exit or stop */
  }
  return { stderr, exitCode, required };
}

test('a Node older than 18 gets the message and exit status 69, and the loader is never compiled', () => {
  for (const v of ['10.24.0', '8.10.0', '16.20.2', '17.9.1']) {
    const r = runHead(v);
    assert.equal(r.exitCode, 69, v);
    assert.match(r.stderr, new RegExp(`^ltsp-agent needs Node\\.js 18 or later; this is v${v.replace(/\./g, '\\.')} \\(/usr/bin/node\\)`), v);
    assert.match(r.stderr, /apt-get install nodejs/);
    assert.match(r.stderr, /upgrade\.md/);
    assert.deepEqual(r.required, [], `${v}: nothing of the loader ran`);
  }
});

test('Node 18 and later go on to the loader', () => {
  for (const v of ['18.19.0', '20.19.2', '22.1.0']) {
    const r = runHead(v);
    assert.equal(r.exitCode, undefined, v);
    assert.equal(r.stderr, '');
    assert.ok(r.required.length > 0, `${v}: the loader ran (it asked for ${r.required.join(', ')})`);
  }
});

test('what runs before the check is ES5: the loader is only a string literal to it', () => {
  // Take out the one JSON string (the loader's code) and look for syntax Node 0.10..10 cannot
  // parse or that came after ES5.
  const head = bundleHead().replace(/"(?:[^"\\]|\\.)*"/g, '""');
  for (const [what, re] of [
    ['arrow function', /=>/],
    ['let/const', /\b(let|const)\s/],
    ['template literal', /`/],
    ['optional chaining or ??', /\?\.|\?\?/],
    ['class', /\bclass\s/],
    ['spread', /\.\.\./],
    ['async/await', /\basync\b|\bawait\b/],
  ] as const) {
    assert.doesNotMatch(head, re, `${what} in the code before the version check`);
  }
});
