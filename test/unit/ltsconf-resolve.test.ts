// The linear LIKE resolution against getltscfg's literal chain (the former resolver, kept in
// ltsconf-resolve-naive.ts), and the graphs that made the literal chain explode.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLtsConf } from '../../agent/config/ltsconf-parse.ts';
import { resolveLtsConf, type Identity, type Resolution } from '../../agent/config/ltsconf-resolve.ts';
import { resolveNaive } from './ltsconf-resolve-naive.ts';
import { mulberry32 } from '../lab/random.ts';

const ID: Identity = { hostname: 'pc01', ip: '10.0.0.7', mac: '52:54:00:00:00:07' };

/** What getltscfg -a prints, and what each value's winning line is. */
function outcome(r: Pick<Resolution, 'values' | 'removed'>) {
  return {
    values: r.values.map((v) => `${v.key}=${v.value}@${v.from.line}`),
    removed: r.removed.map((v) => `${v.key}@${v.from.line}`),
  };
}


/**
 * A random lts.conf whose LIKEs only point to later sections (acyclic, as getltscfg needs to
 * terminate), with diamonds, repeated LIKEs, glob sections for each identity, [default] (also as
 * a LIKE target), keys set several times and NONE.
 */
function randomAcyclicConf(rnd: () => number): string {
  const n = 2 + Math.floor(rnd() * 9);
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    names.push(r < 0.12 ? 'pc01' : r < 0.2 ? 'pc*' : r < 0.28 ? '10.0.0.*' : r < 0.34 ? '52:54:*' : r < 0.4 ? '*' : r < 0.48 ? 'default' : `s${i}`);
  }
  const keys = ['A', 'B', 'c', 'D', 'E'];
  let text = '';
  for (let i = 0; i < n; i++) {
    text += `[${names[i]}]\n`;
    const lines = 1 + Math.floor(rnd() * 5);
    for (let l = 0; l < lines; l++) {
      const j = i + 1 + Math.floor(rnd() * (n - i - 1));
      // A LIKE reaches the FIRST section of its name: only to a name not used up to here.
      if (rnd() < 0.45 && j < n && names.indexOf(names[j]!) > i) {
        text += `LIKE=${names[j]}\n`;
      } else {
        const k = keys[Math.floor(rnd() * keys.length)]!;
        text += `${k}=${rnd() < 0.1 ? 'none' : `v${i}_${l}`}\n`;
      }
    }
  }
  return text;
}

test('linear resolution equals getltscfg\'s literal chain on random acyclic LIKE graphs', () => {
  const seed = Number(process.env['RESOLVE_SEED'] ?? 20240611);
  const rnd = mulberry32(seed);
  const identities: Identity[] = [ID, { hostname: 'pc01' }, { hostname: 'pc02', ip: '10.0.0.8', mac: '52:54:00:00:00:08' }, { hostname: 'zz' }];
  for (let n = 0; n < 3000; n++) {
    const text = randomAcyclicConf(rnd);
    const conf = parseLtsConf(text, { file: 'lts.conf' });
    for (const id of identities) {
      const fast = resolveLtsConf(conf, id);
      const slow = resolveNaive(conf, id);
      const msg = `seed ${seed} case ${n} identity ${JSON.stringify(id)}\n${text}`;
      assert.deepEqual(outcome(fast), outcome(slow), msg);
      // Each section once, in the order of its first copy in getltscfg's chain.
      const firsts = [...new Set(slow.chain.map((c) => c.section))];
      assert.deepEqual(fast.chain.map((c) => c.section), firsts, msg);
      // What a value overrode: the same declarations, each once (the literal chain also listed
      // the winning line itself when a section appeared twice).
      for (const v of fast.values) {
        const naive = slow.values.find((x) => x.key === v.key)!;
        assert.deepEqual(new Set(v.overridden), new Set(naive.overridden.filter((d) => d !== v.from)), msg);
        assert.equal(v.overridden.length, new Set(v.overridden).size, msg);
      }
    }
  }
});

/** Levels 0..depth-1 of two sections each LIKE-ing both sections of the next level. */
function diamond(depth: number): string {
  let text = '[pc01]\nLIKE=a0\nLIKE=b0\nTOP=1\n';
  for (let i = 0; i < depth; i++) {
    for (const s of ['a', 'b']) {
      text += `[${s}${i}]\n${s.toUpperCase()}=${i}\nK${i}=${s}\n`;
      if (i + 1 < depth) text += `LIKE=a${i + 1}\nLIKE=b${i + 1}\n`;
    }
  }
  return text + '[default]\nDEF=1\nA=def\n';
}

test('a LIKE diamond: each section once, same result as the literal chain while it is small', () => {
  for (const depth of [1, 2, 5, 9]) {
    const conf = parseLtsConf(diamond(depth), { file: 'lts.conf' });
    assert.deepEqual(outcome(resolveLtsConf(conf, ID)), outcome(resolveNaive(conf, ID)), `depth ${depth}`);
  }
  // Depth 18: the literal chain would hold 2^19 entries (getltscfg's took 36 minutes here).
  const conf = parseLtsConf(diamond(18), { file: 'lts.conf' });
  const r = resolveLtsConf(conf, ID);
  assert.equal(r.chain.length, 1 + 2 * 18 + 1);
  assert.equal(new Set(r.chain.map((c) => c.section)).size, r.chain.length);
  const v = Object.fromEntries(r.values.map((x) => [x.key, x.value]));
  assert.equal(v['A'], '0');
  assert.equal(v['K17'], 'a');
  assert.equal(v['TOP'], '1');
  assert.equal(r.problems.length, 0);
});

test('a 40,000-section LIKE chain resolves, deepest values lowest', () => {
  const n = 40_000;
  const parts = ['[pc01]\nLIKE=s0\nX=top\n'];
  for (let i = 0; i < n; i++) parts.push(`[s${i}]\nV${i % 7}=${i}\nX=${i}\n${i + 1 < n ? `LIKE=s${i + 1}\n` : ''}`);
  const conf = parseLtsConf(parts.join(''), { file: 'lts.conf' });
  const r = resolveLtsConf(conf, ID);
  assert.equal(r.chain.length, n + 1);
  const v = Object.fromEntries(r.values.map((x) => [x.key, x.value]));
  assert.equal(v['X'], 'top');
  for (let k = 0; k < 7; k++) assert.equal(v[`V${k}`], String(k));
  // Output order: the deepest section's keys first (getltscfg walks its chain from the end).
  assert.equal(r.values[0]!.key, `V${(n - 1) % 7}`);
  assert.equal(r.values.find((x) => x.key === 'X')!.overridden.length, n);
});

test('LIKE cycles are broken once each, in a ring and in a complete graph', () => {
  const ring = parseLtsConf('[pc01]\nLIKE=r0\n' + Array.from({ length: 1000 }, (_, i) => `[r${i}]\nLIKE=r${(i + 1) % 1000}\nR${i}=1\n`).join(''), { file: 'f' });
  const r = resolveLtsConf(ring, ID);
  assert.equal(r.chain.length, 1001);
  const cyc = r.problems.filter((p) => p.code === 'LTSP_CONF_LIKE_CYCLE');
  assert.equal(cyc.length, 1);
  assert.match(cyc[0]!.message, /^LIKE cycle \[r0\] -> \[r1\] -> \[r2\] -> \[r3\] -> \.\.\. 993 more \.\.\. -> \[r997\] -> \[r998\] -> \[r999\] -> \[r0\];/);
  assert.equal(cyc[0]!.where.line, 3 * 999 + 4); // [r999]'s LIKE
  // Every section LIKEs every section: n*(n+1)/2 LIKEs close cycles; reports are bounded.
  const n = 300;
  const all = Array.from({ length: n }, (_, i) => `[k${i}]\n` + Array.from({ length: n }, (_, j) => `LIKE=k${j}\n`).join('') + `K${i}=${i}\n`).join('');
  const k = resolveLtsConf(parseLtsConf(`[pc01]\nLIKE=k0\n${all}`, { file: 'f' }), ID);
  assert.equal(k.chain.length, n + 1);
  const reports = k.problems.filter((p) => p.code === 'LTSP_CONF_LIKE_CYCLE');
  assert.equal(reports.length, 21);
  assert.match(reports[20]!.message, new RegExp(`^${(n * (n + 1)) / 2 - 20} more LIKE lines close cycles`));
  assert.equal(k.values.length, n);
});
