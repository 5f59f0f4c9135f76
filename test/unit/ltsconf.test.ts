import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLtsConf, MAX_LTSCONF_BYTES } from '../../agent/config/ltsconf-parse.ts';
import { resolveLtsConf, type Identity } from '../../agent/config/ltsconf-resolve.ts';
import { fnmatchCasefold } from '../../agent/config/fnmatch.ts';
import { getltscfg } from '../../agent/cli/getltscfg.ts';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import * as fsMod from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

const ID: Identity = { hostname: 'pc01', ip: '192.168.67.20', mac: '00:1e:68:c2:ff:ee' };

function resolve(text: string, id: Identity = ID) {
  const conf = parseLtsConf(text, { file: 'lts.conf' });
  const res = resolveLtsConf(conf, id);
  return { conf, res, values: Object.fromEntries(res.values.map((v) => [v.key, v.value])) };
}

function errors(text: string) {
  return parseLtsConf(text, { file: 'lts.conf' }).problems.filter((p) => p.severity !== 'warning');
}

test('default section applies to everyone, case-insensitive name', () => {
  assert.deepEqual(resolve('[Default]\nSOUND=True\n').values, { SOUND: 'True' });
});

test('exact section wins over default; first identity that matches stops the search', () => {
  const text = `[default]\nA=def\nB=def\n[00:1E:68:C2:FF:EE]\nA=mac\n[pc01]\nB=host\n`;
  // hostname is tried first: only [pc01] is the exact section, the MAC section is ignored.
  assert.deepEqual(resolve(text).values, { A: 'def', B: 'host' });
  assert.deepEqual(resolve(text, { ...ID, hostname: 'other' }).values, { A: 'mac', B: 'def' });
});

test('LIKE is transitive and below the section that uses it', () => {
  const text = `[default]\nX=d\n[lab]\nX=lab\nY=lab\nLIKE=base\n[base]\nZ=base\nY=base\n[pc01]\nLIKE=lab\nX=pc\n`;
  assert.deepEqual(resolve(text).values, { X: 'pc', Y: 'lab', Z: 'base' });
});

test('glob sections apply below exact and LIKE, in hostname, IP, MAC order', () => {
  const text = `[default]\nA=d\n[192.168.67.*]\nA=net\nB=net\n[pc*]\nB=pcglob\nC=pcglob\n[pc01]\nC=exact\n`;
  assert.deepEqual(resolve(text).values, { A: 'net', B: 'pcglob', C: 'exact' });
});

test('quirk: the exact section\'s LIKE targets are re-appended after a glob and override it', () => {
  const text = `[default]\nK=d\n[tmpl]\nK=tmpl\n[192.168.*]\nK=glob\n[pc01]\nLIKE=tmpl\n`;
  // getltscfg chain: pc01, tmpl, 192.168.*, tmpl, default -> tmpl beats the glob.
  assert.deepEqual(resolve(text).values, { K: 'tmpl' });
});

test('a glob section equal to the identity is not also taken as its glob match', () => {
  const text = `[pc01]\nA=exact\n[pc0?]\nA=glob\nB=glob\n`;
  assert.deepEqual(resolve(text).values, { A: 'exact', B: 'glob' });
});

test('NONE (any case) removes an inherited value', () => {
  const { values, res } = resolve(`[default]\nX_CONF=/etc/x.conf\nSOUND=True\n[pc01]\nX_CONF=none\n`);
  assert.deepEqual(values, { SOUND: 'True' });
  assert.equal(res.removed[0]?.key, 'X_CONF');
});

test('output order is first appearance walking from [default] upwards; keys uppercased', () => {
  const text = `[pc01]\nzeta=1\nalpha=2\n[default]\nalpha=0\nBeta=0\n`;
  assert.deepEqual(resolve(text).res.values.map((v) => v.key), ['ALPHA', 'BETA', 'ZETA']);
});

test('quoting: greedy to the last quote of the line, nothing unescaped, = and # allowed inside', () => {
  const { values } = resolve(`[default]\nA="x=1 # not a comment"\nB = spaced value   # comment\nC="a"b"\nD=""\n`);
  assert.deepEqual(values, { A: 'x=1 # not a comment', B: 'spaced value', C: 'a"b', D: '' });
});

test('a declaration may span lines (valid for getltscfg), with a warning', () => {
  const { values, conf } = resolve(`[default]\nKEY=\n  value\n`);
  assert.deepEqual(values, { KEY: 'value' });
  assert.equal(conf.problems.filter((p) => p.severity === 'warning').length, 1);
});

test('empty file and comment-only file are valid', () => {
  assert.deepEqual(resolve('').values, {});
  assert.deepEqual(resolve('# nothing\n\n   # here\n').values, {});
  assert.equal(errors('# x\n').length, 0);
});

test('fnmatch: *, ?, brackets, negation, escapes, case folding, unclosed bracket', () => {
  assert.ok(fnmatchCasefold('00:1E:*', '00:1e:68:c2:ff:ee'));
  assert.ok(fnmatchCasefold('pc0?', 'PC07'));
  assert.ok(fnmatchCasefold('pc[0-3]*', 'pc21'));
  assert.ok(!fnmatchCasefold('pc[!0-3]*', 'pc21'));
  assert.ok(fnmatchCasefold('a\\*b', 'a*b'));
  assert.ok(!fnmatchCasefold('a\\*b', 'axb'));
  assert.ok(fnmatchCasefold('x[y', 'x[y'));
  assert.ok(fnmatchCasefold('*', 'a/b'));
});

// ---- bad input: a clear message naming the line, and the valid rest still resolves ----

test('KEY= without a value: error at that line, the next line still counts', () => {
  const { values, conf } = resolve(`[default]\nA=\nB=2\nC=3\n`);
  assert.deepEqual(values, { B: '2', C: '3' });
  const e = conf.problems.find((p) => p.where.line === 2);
  assert.match(e!.message, /A= has no value/);
});

test('unterminated quote: that line is reported and skipped', () => {
  const { values, conf } = resolve(`[default]\nA="open\nB=ok\n`);
  assert.deepEqual(values, { B: 'ok' });
  assert.match(conf.problems[0]!.message, /unterminated double quote/);
  assert.equal(conf.problems[0]!.where.line, 2);
});

test("stray single quote is refused with the line", () => {
  const { values, conf } = resolve(`[default]\nA=it's\nB=ok\n`);
  assert.deepEqual(values, { B: 'ok' });
  assert.equal(conf.problems[0]!.where.line, 2);
  assert.match(conf.problems[0]!.message, /single quote/);
});

test('section header with junk: reported, following sections still parse', () => {
  const { values, conf } = resolve(`[default\nA=1\n[pc01]]\nB=2\n[default]\nC=3\n`, { hostname: 'x', ip: '', mac: '' });
  assert.ok(conf.problems.some((p) => p.where.line === 1 && /not closed/.test(p.message)));
  assert.ok(conf.problems.some((p) => p.where.line === 3));
  assert.deepEqual(values, { C: '3' });
});

test('two declarations run together on one line are refused', () => {
  const { values, conf } = resolve(`[default]\nA=1 B=2\nC=3\n`);
  assert.deepEqual(values, { C: '3' });
  assert.equal(conf.problems[0]!.where.line, 2);
});

test('lines before the first section and empty sections are reported', () => {
  const { values, conf } = resolve(`A=1\n[empty]\n[default]\nB=2\n`);
  assert.deepEqual(values, { B: '2' });
  assert.ok(conf.problems.some((p) => p.where.line === 1 && /before the first/.test(p.message)));
  assert.ok(conf.problems.some((p) => p.where.line === 2 && /no KEY=value/.test(p.message)));
});

test('binary garbage: lines with control bytes are reported, text lines kept', () => {
  const garbage = Buffer.concat([
    Buffer.from('[default]\nGOOD=1\nBAD=\x00\x01\x02zz\n'),
    Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37, 0x0a]),
    Buffer.from('ALSO=2\n'),
  ]);
  const conf = parseLtsConf(garbage, { file: 'g.conf' });
  const res = resolveLtsConf(conf, ID);
  assert.deepEqual(Object.fromEntries(res.values.map((v) => [v.key, v.value])), { GOOD: '1', ALSO: '2' });
  assert.ok(conf.problems.some((p) => p.where.line === 3 && /binary data/.test(p.message)));
  assert.ok(conf.problems.some((p) => p.where.line === 4));
});

test('random bytes never crash the parser or resolver', () => {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const alphabet = '[]="\'#\n \tabcAB=_01:.*?!\\\r\x00\xff';
  for (let n = 0; n < 2000; n++) {
    const len = Math.floor(rnd() * 200);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    const conf = parseLtsConf(Buffer.from(s, 'latin1'), { file: 'f' });
    resolveLtsConf(conf, ID);
  }
});

test('LIKE cycle: an error naming the cycle, values still resolve', () => {
  const { values, res } = resolve(`[default]\nD=1\n[a]\nLIKE=b\nA=a\n[b]\nLIKE=a\nB=b\n[pc01]\nLIKE=a\n`);
  assert.deepEqual(values, { D: '1', B: 'b', A: 'a' });
  const p = res.problems.find((x) => x.code === 'LTSP_CONF_LIKE_CYCLE');
  assert.match(p!.message, /\[a\] -> \[b\] -> \[a\]/);
});

test('LIKE naming a missing section is a warning with the line', () => {
  const { res } = resolve(`[pc01]\nLIKE=nothere\nA=1\n`);
  const p = res.problems.find((x) => x.code === 'LTSP_CONF_LIKE_MISSING');
  assert.equal(p!.where.line, 2);
});

test('a file over the size bound is refused before it is read whole', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsconf-'));
  try {
    const big = join(dir, 'big.conf');
    // A sparse 200 MB file: refused by size, never loaded.
    writeFileSync(big, '');
    const fd = fsMod.openSync(big, 'r+');
    fsMod.ftruncateSync(fd, 200 * 1024 * 1024);
    fsMod.closeSync(fd);
    let err = '';
    const code = getltscfg(['-c', big, '-a'], { stdout: () => undefined, stderr: (s) => (err += s) });
    assert.equal(code, 2);
    assert.match(err, /200 MiB, over the 16 MiB limit/);
    assert.throws(() => parseLtsConf(Buffer.alloc(MAX_LTSCONF_BYTES + 1), { file: 'x' }), /over the 16 MiB limit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('non-UTF-8 bytes round-trip byte for byte through getltscfg -a', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsconf-'));
  try {
    const f = join(dir, 'l1.conf');
    writeFileSync(f, Buffer.concat([Buffer.from('[default]\nNAME="caf'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    const chunks: Buffer[] = [];
    getltscfg(['-c', f, '-n', 'x', '-a'], { stdout: (b) => chunks.push(b), stderr: () => undefined });
    assert.deepEqual(Buffer.concat(chunks), Buffer.concat([Buffer.from('NAME="caf'), Buffer.from([0xe9]), Buffer.from('"\nexport NAME\n')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('getltscfg -a refuses values that would break or run code in eval, and names them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsconf-'));
  try {
    const f = join(dir, 'e.conf');
    writeFileSync(f, '[default]\nOK=fine\nBAD="a"b"\nRUN=$(reboot)\nTICK="`id`"\n');
    let out = '';
    let err = '';
    assert.equal(getltscfg(['-c', f, '-n', 'x', '-a'], { stdout: (b) => (out += b.toString()), stderr: (s) => (err += s) }), 0);
    assert.equal(out, 'OK="fine"\nexport OK\n');
    assert.match(err, /BAD: not printed/);
    assert.match(err, /RUN: not printed/);
    assert.match(err, /TICK: not printed/);
    // A single key is printed as is: it is not eval'd by LTSP 5's callers.
    out = '';
    getltscfg(['-c', f, '-n', 'x', 'run'], { stdout: (b) => (out += b.toString()), stderr: () => undefined });
    assert.equal(out, '$(reboot)\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('getltscfg usage errors exit 1 as LTSP 5 did; missing file exits 2', () => {
  const io = { stdout: () => undefined, stderr: () => undefined };
  assert.equal(getltscfg([], io), 1);
  assert.equal(getltscfg(['-c', '/nonexistent/lts.conf', '-a'], io), 2);
});

test('include reads the file in place', () => {
  const conf = parseLtsConf('[default]\nA=1\ninclude "/x.conf"\n[pc01]\nC=3\n', {
    file: 'main',
    readInclude: (p) => (p === '/x.conf' ? { ok: true, bytes: Buffer.from('[default2]\nB=2\n'), name: p, id: p } : { ok: false, why: 'no such file' }),
  });
  assert.deepEqual(conf.sections.map((s) => s.name), ['default', 'default2', 'pc01']);
});

