// The one lts.conf loader: the include rule (relative to the including file; client paths
// beneath --root), its bounds, never quoting an included file, and bounded reads that refuse
// what is not a regular file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadLtsConf, parseLtsConfAt, readBounded } from '../../agent/config/ltsconf-load.ts';
import { MAX_INCLUDE_DEPTH, MAX_INCLUDES, MAX_LTSCONF_BYTES } from '../../agent/config/ltsconf-parse.ts';
import { resolveLtsConf } from '../../agent/config/ltsconf-resolve.ts';
import { resolveBeneath } from '../../agent/core/beneath.ts';
import { getltscfg } from '../../agent/cli/getltscfg.ts';
import { formatProblem } from '../../agent/core/errors.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'ltsconf-load-'));
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    if (content.startsWith('-> ')) symlinkSync(content.slice(3), join(dir, rel));
    else writeFileSync(join(dir, rel), content);
  }
  return dir;
}

const values = (conf: ReturnType<typeof loadLtsConf>, hostname = 'pc01') =>
  Object.fromEntries(resolveLtsConf(conf, { hostname }).values.map((v) => [v.key, v.value]));
const messages = (conf: ReturnType<typeof loadLtsConf>) => conf.problems.map((p) => formatProblem(p)).join('\n');

test('include: relative to the including file, nested, absolute; the same from any working directory', () => {
  const dir = tree({
    'etc/lts.conf': '[default]\nA=1\ninclude ltsp/lab.conf\n',
    'etc/ltsp/lab.conf': '[lab]\nB=2\ninclude "sub/deeper.conf"\n',
    'etc/ltsp/sub/deeper.conf': '[deeper]\nC=3\ninclude ../../abs-target.conf\n',
    'etc/abs-target.conf': '[pc01]\nLIKE=lab\nLIKE=deeper\n',
  });
  try {
    writeFileSync(join(dir, 'etc/ltsp/sub/deeper.conf'), `[deeper]\nC=3\ninclude ${join(dir, 'etc/abs-target.conf')}\n`);
    const conf = loadLtsConf({ kind: 'host', path: join(dir, 'etc/lts.conf') });
    assert.deepEqual(conf.sections.map((s) => s.name), ['default', 'lab', 'deeper', 'pc01']);
    assert.deepEqual(values(conf), { A: '1', B: '2', C: '3' });
    assert.equal(conf.sections[1]!.file, join(dir, 'etc/ltsp/lab.conf'));
    // getltscfg -c with a relative path, run from elsewhere: still relative to the file.
    const cwd = process.cwd();
    process.chdir(join(dir, 'etc'));
    try {
      assert.deepEqual(values(loadLtsConf({ kind: 'host', path: 'lts.conf' })), { A: '1', B: '2', C: '3' });
    } finally {
      process.chdir(cwd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('include under --root: client paths beneath the root, symlinks never lead out of it', () => {
  const outside = tree({ 'secret.conf': '[default]\nLEAKED=outside\n' });
  const root = tree({
    'etc/lts.conf': `[default]\nA=1\ninclude ltsp/a.conf\ninclude /etc/ltsp/b.conf\ninclude escape.conf\ninclude ../../../../${outside.slice(1)}/secret.conf\ninclude link-rel.conf\n`,
    'etc/ltsp/a.conf': '[a]\nA2=1\n',
    'etc/ltsp/b.conf': '[b]\nB=1\n',
    // An absolute link in a chroot means the chroot's file; a relative one climbing out stops at the root.
    'etc/escape.conf': `-> ${outside}/secret.conf`,
    'etc/link-rel.conf': '-> ../../../../../../../etc/ltsp/real.conf',
    'etc/ltsp/real.conf': '[real]\nR=1\n',
  });
  try {
    const conf = loadLtsConf({ kind: 'client', root, path: '/etc/lts.conf' });
    assert.deepEqual(conf.sections.map((s) => s.name), ['default', 'a', 'b', 'real']);
    assert.deepEqual(conf.sections.map((s) => s.file), ['/etc/lts.conf', '/etc/ltsp/a.conf', '/etc/ltsp/b.conf', '/etc/link-rel.conf']);
    assert.ok(!JSON.stringify(conf).includes('LEAKED'));
    const missing = conf.problems.filter((p) => /cannot read/.test(p.message));
    assert.equal(missing.length, 2, messages(conf));
    // The same bytes as a fetched copy (shown as its URL) read the same includes.
    const fetched = parseLtsConfAt(Buffer.from('[default]\ninclude ltsp/a.conf\n'), { kind: 'client', root, path: '/etc/lts.conf' }, 'tftp://server/ltsp/i386/lts.conf');
    assert.deepEqual(fetched.sections.map((s) => s.name), ['default', 'a']);
    assert.equal(fetched.problems[0]!.where.file, 'tftp://server/ltsp/i386/lts.conf');
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});

test('resolveBeneath: absolute links restart at the root, ".." stops there, loops end', () => {
  const root = tree({ 'a/b': '-> /c', 'c/d': 'x', 'loop1': '-> loop2', 'loop2': '-> /loop1', up: '-> ../../..' });
  try {
    assert.equal(resolveBeneath(root, '/a/b/d'), join(root, 'c/d'));
    assert.equal(resolveBeneath(root, '/../../c/d'), join(root, 'c/d'));
    assert.equal(resolveBeneath(root, '/up/c/d'), join(root, 'c/d'));
    assert.equal(resolveBeneath(root, '/nothere/x'), join(root, 'nothere/x'));
    assert.throws(() => resolveBeneath(root, '/loop1'), /too many levels of symbolic links/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('includes are bounded: count, depth, loops by identity (also through another name), total size', () => {
  const many: Record<string, string> = { 'main.conf': '[default]\nM=1\n' };
  for (let i = 0; i < MAX_INCLUDES + 3; i++) {
    many['main.conf'] += `include f${i}.conf\n`;
    many[`f${i}.conf`] = `[s${i}]\nK${i}=1\n`;
  }
  const dir = tree({
    ...many,
    'deep0.conf': '[d0]\nX=0\ninclude deep1.conf\n',
    ...Object.fromEntries(Array.from({ length: MAX_INCLUDE_DEPTH + 2 }, (_, i) => [`deep${i + 1}.conf`, `[d${i + 1}]\nX=${i + 1}\ninclude deep${i + 2}.conf\n`])),
    'self.conf': '[default]\nS=1\ninclude self.conf\ninclude ./alias.conf\ninclude other.conf\n',
    'alias.conf': '-> self.conf',
    'other.conf': '[other]\nO=1\ninclude self.conf\n',
  });
  try {
    const m = loadLtsConf({ kind: 'host', path: join(dir, 'main.conf') });
    assert.equal(m.sections.length, 1 + MAX_INCLUDES);
    assert.equal(m.problems.filter((p) => /more than 10 included files/.test(p.message)).length, 3);

    const d = loadLtsConf({ kind: 'host', path: join(dir, 'deep0.conf') });
    assert.equal(d.sections.length, 1 + MAX_INCLUDE_DEPTH);
    assert.match(messages(d), /nest more than 4 deep/);

    const s = loadLtsConf({ kind: 'host', path: join(dir, 'self.conf') });
    assert.deepEqual(s.sections.map((x) => x.name), ['default', 'other']);
    assert.equal(s.problems.filter((p) => /already read/.test(p.message)).length, 3);

    // All files together stay within the limit.
    writeFileSync(join(dir, 'big1.conf'), '[big1]\nA="' + 'x'.repeat(MAX_LTSCONF_BYTES - 100) + '"\n');
    writeFileSync(join(dir, 'big2.conf'), '[big2]\nB="' + 'y'.repeat(200) + '"\n');
    writeFileSync(join(dir, 'bigmain.conf'), '[default]\ninclude big1.conf\ninclude big2.conf\n');
    const b = loadLtsConf({ kind: 'host', path: join(dir, 'bigmain.conf') });
    assert.deepEqual(b.sections.map((x) => x.name), ['default', 'big1']);
    assert.match(messages(b), /include big2\.conf: .*over the 16 MiB limit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an included file is never quoted: its lines become file:line and what is wrong', () => {
  // Whatever a file holds (a shadow file, keys, binary), problems about it never carry its text.
  const secretLines = [
    'root:$6$Zq1ojs9c$SECRETHASHsecrethash0123456789:19000:0:99999:7:::',
    'admin:SECRET-ADMIN-PW:19000:0:99999:7:::',
    '[SECRET-SECTION',
    'SECRETKEY=',
    '"SECRET-QUOTED',
    'SECRETK = SECRETV = SECRETW',
    'SECRET-A SECRET-B',
    "it's SECRET-QUOTE",
    '] SECRET-BRACKET',
    'SECRETX=1 SECRETY=2',
    'include',
    '\u0001SECRET-BINARY',
  ];
  const dir = tree({ 'shadow': secretLines.join('\n') + '\n', 'lts.conf': '[default]\nA=1\ninclude shadow\n' });
  try {
    const conf = loadLtsConf({ kind: 'host', path: join(dir, 'lts.conf') });
    const text = messages(conf) + JSON.stringify(conf.problems);
    assert.ok(!/SECRET|\$6\$|19000/.test(text), text);
    const lines = conf.problems.filter((p) => p.where.file === join(dir, 'shadow')).map((p) => p.where.line);
    assert.ok(lines.length >= 8, text);
    // getltscfg -c prints the same problems, file:line only.
    let out = '';
    let err = '';
    const code = getltscfg(['-c', join(dir, 'lts.conf'), '-a', '-n', 'pc01'], { stdout: (b) => (out += b.toString()), stderr: (s) => (err += s) });
    assert.equal(code, 0);
    assert.equal(out, 'A="1"\nexport A\n');
    assert.ok(!/SECRET|\$6\$/.test(err), err);
    assert.match(err, new RegExp(`${join(dir, 'shadow').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:1: `));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reads are bounded and only regular files are read: FIFO, device, directory refused at once', () => {
  const dir = tree({ 'lts.conf': '[default]\nA=1\ninclude fifo\ninclude /dev/zero\ninclude sub\n', 'sub/x': '' });
  try {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    // A FIFO nobody writes to, as the main file and as an include: refused, not waited on.
    assert.throws(() => readBounded(join(dir, 'fifo'), 'fifo'), /fifo is a FIFO \(named pipe\), not a regular file; refused/);
    assert.throws(() => readBounded('/dev/zero', '/dev/zero'), /character device/);
    const conf = loadLtsConf({ kind: 'host', path: join(dir, 'lts.conf') });
    assert.deepEqual(values(conf), { A: '1' });
    const why = messages(conf);
    assert.match(why, /include fifo: .*FIFO/);
    assert.match(why, /include \/dev\/zero: .*character device/);
    assert.match(why, /include sub: .*directory/);
    // A sparse file over the limit is refused from its size; reading never goes past the limit + 1.
    writeFileSync(join(dir, 'huge'), '');
    truncateSync(join(dir, 'huge'), MAX_LTSCONF_BYTES + 1);
    assert.throws(() => readBounded(join(dir, 'huge'), 'huge'), /over the 16 MiB limit/);
    assert.throws(() => readBounded(join(dir, 'lts.conf'), 'lts.conf', 10), /over the/);
    assert.equal(readBounded(join(dir, 'lts.conf'), 'lts.conf').bytes.toString().slice(0, 9), '[default]');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('getltscfg -c /dev/zero and -c FIFO end at once with exit 2 (the bundle, as scripts run it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsconf-fifo-'));
  try {
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    for (const [file, why] of [['/dev/zero', /character device/], [join(dir, 'fifo'), /FIFO/], [dir, /directory/]] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli/main.ts'), 'getltscfg', '-c', file, '-a'], { encoding: 'utf8', cwd: REPO, timeout: 60_000 });
      assert.equal(r.status, 2, `${file}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.equal(r.stdout, '');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
