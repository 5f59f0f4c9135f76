// `getltscfg -a` is eval'd by shell scripts: `eval "$(getltscfg -a)"`, and LTSP 5's own
// `eval $(getltscfg -a)` (unquoted, with set -f). Here its output for hostile and random values
// is eval'd by the real bash, dash and busybox sh, plain and under `set -eu`: nothing may run
// (a marker file the values try to create must not appear), nothing may stop the script, and
// every printed variable must hold exactly its lts.conf value.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getltscfg } from '../../agent/cli/getltscfg.ts';

const SHELLS: Array<[name: string, argv: string[]]> = [
  ['bash', ['bash']],
  ['dash', ['dash']],
  ['busybox sh', ['busybox', 'sh']],
];

function hostileValues(marker: string): string[] {
  const t = `touch ${marker}`;
  return [
    `$(${t})`,
    `\`${t}\``,
    `\${X:a[$(${t})]}`, // bash: substring offset is arithmetic, the subscript runs the command
    `\${X:a[\`${t}\`]}`,
    `$((a[$(${t})]))`,
    `$[a[$(${t})]]`,
    `\${PATH:$(${t})}`,
    `\${x:y}`, // dash: "Bad substitution" stops the script
    `\${x?stop}`,
    `\${x=assigned}`,
    `\${x@P}`,
    `\${!x}`,
    `$((1/0))`,
    `$[1/0]`,
    '$UNSET_BY_LTSCONF_TEST', // stops a script under set -u
    '$1',
    '$@',
    'x$',
    'US$ 5',
    'a $ b',
    'ends with backslash\\',
    `a" ; ${t} ; "b`, // a quoted value with a quote inside (greedy to the last quote of the line)
    `x\\"; ${t}; "`,
    `'; ${t}; '`,
    `; ${t} ;`,
    `| ${t}`,
    `&& ${t}`,
    `> ${marker}`,
    `< /dev/null ${t}`,
    '*',
    '/*',
    '~root',
    '!',
    '%s %n',
    '[ ] = #',
    'tab\there',
    'two  spaces',
    'cr\rhere',
    'ÄÖÜ façade ✓',
    '$\'x\'',
    '{a,b}',
    '(x)',
    'a=b',
    '-n',
    '',
  ];
}

/** Random values from the characters shells care about. */
function randomValues(seed: number, n: number, marker: string): string[] {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const alphabet = ['$', '(', ')', '{', '}', '[', ']', '`', '\\', "'", ';', '|', '&', '<', '>', '*', '?', '~', '!', ':', '@', '#', '=', ' ', '\t', 'a', 'x', '1', '0', '-', '+', '/', '%', '^', `touch ${marker}`, 'X', '_', ','];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let v = '';
    const len = Math.floor(rnd() * 12);
    for (let j = 0; j < len; j++) v += alphabet[Math.floor(rnd() * alphabet.length)];
    out.push(v);
  }
  return out;
}

/** An lts.conf setting V<i> to each value (quoted), plus read-only and odd keys. */
function confFor(values: string[]): string {
  return '[pc01]\n' + values.map((v, i) => `V${i}="${v}"\n`).join('') + 'UID="0"\nSHELLOPTS="x"\nPLAIN=ok\n';
}

function printedAll(conf: string): { out: string; printed: Map<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'getltscfg-eval-conf-'));
  try {
    writeFileSync(join(dir, 'lts.conf'), conf);
    let out = '';
    const code = getltscfg(['-c', join(dir, 'lts.conf'), '-n', 'pc01', '-a'], { stdout: (b) => (out += b.toString('utf8')), stderr: () => undefined });
    assert.equal(code, 0);
    const printed = new Map<string, string>();
    for (const line of out.split('\n')) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)="(.*)"$/s.exec(line);
      if (m) printed.set(m[1]!, m[2]!);
    }
    return { out, printed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function evalEverywhere(values: string[], marker: string, what: string): void {
  const { out, printed } = printedAll(confFor(values));
  assert.ok(printed.has('PLAIN'));
  assert.ok(!printed.has('UID') && !printed.has('SHELLOPTS'), 'read-only variables are not assigned');
  // Every value printed is exactly the lts.conf value (nothing rewritten or escaped).
  values.forEach((v, i) => {
    if (printed.has(`V${i}`)) assert.equal(printed.get(`V${i}`), v);
  });
  const dir = mkdtempSync(join(tmpdir(), 'getltscfg-eval-'));
  try {
    const outFile = join(dir, 'out');
    writeFileSync(outFile, out);
    const keys = [...printed.keys()];
    // One NUL-separated dump of every printed variable, read back byte for byte.
    const show = keys.map((k) => `printf '%s\\0' "$${k}"`).join('\n');
    for (const [name, argv] of SHELLS) {
      for (const [form, evalLine] of [
        ['eval "$(...)"', `eval "$(cat '${outFile}')"`],
        ['set -f; eval $(...)', `set -f; eval $(cat '${outFile}')`],
      ] as const) {
        for (const strict of ['', 'set -eu']) {
          const script = `${strict}\n${evalLine}\n${show}\necho >&2 reached-the-end\n`;
          const r = spawnSync(argv[0]!, [...argv.slice(1), '-c', script], { cwd: dir, timeout: 20_000 });
          const where = `${what}: ${name}, ${form}${strict ? ', set -eu' : ''}`;
          assert.equal(existsSync(marker), false, `${where}: a value ran a command`);
          assert.equal(r.status, 0, `${where}: exit ${r.status}: ${r.stderr}`);
          assert.match(r.stderr.toString(), /reached-the-end\n$/, `${where}: stopped early`);
          const got = r.stdout.toString('utf8').split('\0').slice(0, -1);
          assert.equal(got.length, keys.length, where);
          keys.forEach((k, i) => {
            const want = printed.get(k)!;
            // The unquoted form splits on white space and eval joins with one space (LTSP 5 did so too).
            const expect = form.startsWith('set -f') ? want.replace(/[ \t\n]+/g, ' ') : want;
            assert.equal(got[i], expect, `${where}: ${k}`);
          });
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('getltscfg -a: hostile values run nothing and stop nothing in bash, dash and busybox sh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'getltscfg-marker-'));
  try {
    const marker = join(dir, 'ran');
    const values = hostileValues(marker);
    evalEverywhere(values, marker, 'hostile');
    // Plain values still print, byte for byte (the rest of LTSP 5 compatibility is the corpus test).
    const { printed } = printedAll(confFor(values));
    for (const plain of ['x$', 'US$ 5', 'a $ b', '*', '~root', '[ ] = #', 'tab\there', 'two  spaces', 'cr\rhere', 'ÄÖÜ façade ✓', "$'x'", '{a,b}', '(x)', '-n', '', "'; touch " + marker + "; '"]) {
      assert.ok([...printed.values()].includes(plain), `plain value not printed: ${JSON.stringify(plain)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('getltscfg -a: random shell-special values, the same guarantees', () => {
  const seed = Number(process.env['EVAL_SEED'] ?? 1312);
  const dir = mkdtempSync(join(tmpdir(), 'getltscfg-marker-'));
  try {
    const marker = join(dir, 'ran');
    evalEverywhere(randomValues(seed, 400, marker), marker, `random seed ${seed}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
