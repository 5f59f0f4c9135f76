// The file layer under --root DIR on hostile trees: symbolic links planted to lead out of DIR
// (absolute, `..` chains, loops, a link as the last name) never take a write, append, mkdir,
// link or removal out of DIR; a chroot's own absolute links are followed as the client would,
// re-rooted under DIR. And modes: an append never widens a file's mode, a secret stays 0600.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { FileSystem, MAX_LINKS } from '../../agent/exec/files.ts';
import { Executor } from '../../agent/exec/executor.ts';
import type { Action } from '../../agent/plan/actions.ts';

/** A temporary directory holding `root` (the --root DIR) and `outside` (what must stay untouched). */
function hostile(): { root: string; outside: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-files-'));
  const root = join(dir, 'root');
  const outside = join(dir, 'outside');
  mkdirSync(root);
  mkdirSync(join(outside, 'etc'), { recursive: true });
  writeFileSync(join(outside, 'victim'), 'precious\n');
  writeFileSync(join(outside, 'etc', 'ltsp'), 'precious\n');
  return { root, outside, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** relative path -> content / "-> target" / "dir", for "nothing changed" comparisons. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const r = relative(dir, p);
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o777).toString(8)}`;
        walk(p);
      } else out[r] = `${(st.mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}

const why = { keys: [], why: 'test' };

test('an absolute link to a directory outside: the write lands beneath the root, where the link points inside it', async () => {
  const t = hostile();
  try {
    mkdirSync(join(t.root, 'etc'));
    symlinkSync(join(t.outside, 'etc'), join(t.root, 'etc', 'cron.d')); // /etc/cron.d -> /tmp/.../outside/etc
    const before = snapshot(t.outside);
    const fs = new FileSystem(t.root);
    await fs.writeAtomic('/etc/cron.d/ltsp', 'ours\n');
    assert.deepEqual(snapshot(t.outside), before);
    assert.equal(readFileSync(join(t.root, t.outside, 'etc', 'ltsp'), 'utf8'), 'ours\n');
    assert.equal(fs.map('/etc/cron.d/ltsp'), join(t.root, t.outside, 'etc', 'ltsp'));
  } finally {
    t.done();
  }
});

test('a `..` chain never climbs above the root', async () => {
  const t = hostile();
  try {
    mkdirSync(join(t.root, 'etc', 'X11'), { recursive: true });
    const up = '../'.repeat(12);
    symlinkSync(`${up}outside/etc`, join(t.root, 'etc', 'X11', 'xorg.conf.d'));
    symlinkSync(`${up}${relative('/', t.outside)}`, join(t.root, 'etc', 'out'));
    const before = snapshot(t.outside);
    const fs = new FileSystem(t.root);
    await fs.writeAtomic('/etc/X11/xorg.conf.d/50-ltsp.conf', 'x\n');
    await fs.appendLines('/etc/out/victim', ['more']);
    assert.deepEqual(snapshot(t.outside), before);
    assert.equal(readFileSync(join(t.root, 'outside', 'etc', '50-ltsp.conf'), 'utf8'), 'x\n');
    assert.equal(readFileSync(join(t.root, t.outside, 'victim'), 'utf8'), 'more\n');
  } finally {
    t.done();
  }
});

test('a relative link inside the tree is followed as on the client', async () => {
  const t = hostile();
  try {
    mkdirSync(join(t.root, 'etc'));
    mkdirSync(join(t.root, 'usr', 'share', 'alt'), { recursive: true });
    symlinkSync('../usr/share/alt', join(t.root, 'etc', 'alt'));
    await new FileSystem(t.root).writeAtomic('/etc/alt/x', 'y\n');
    assert.equal(readFileSync(join(t.root, 'usr', 'share', 'alt', 'x'), 'utf8'), 'y\n');
    assert.ok(lstatSync(join(t.root, 'etc', 'alt')).isSymbolicLink());
  } finally {
    t.done();
  }
});

test('a link as the last name: written through, re-rooted (the chroot\'s /etc/resolv.conf -> /run/...)', async () => {
  const t = hostile();
  try {
    mkdirSync(join(t.root, 'etc'));
    symlinkSync('/run/resolvconf/resolv.conf', join(t.root, 'etc', 'resolv.conf'));
    symlinkSync(join(t.outside, 'victim'), join(t.root, 'etc', 'hosts'));
    const before = snapshot(t.outside);
    const fs = new FileSystem(t.root);
    await fs.writeAtomic('/etc/resolv.conf', 'nameserver 10.0.0.1\n');
    await fs.appendLines('/etc/hosts', ['10.0.0.2 c']);
    assert.deepEqual(snapshot(t.outside), before);
    assert.equal(readlinkSync(join(t.root, 'etc', 'resolv.conf')), '/run/resolvconf/resolv.conf', 'the chroot\'s link stays');
    assert.equal(readFileSync(join(t.root, 'run', 'resolvconf', 'resolv.conf'), 'utf8'), 'nameserver 10.0.0.1\n');
    assert.equal(await fs.readText('/etc/resolv.conf'), 'nameserver 10.0.0.1\n');
    assert.equal(readFileSync(join(t.root, t.outside, 'victim'), 'utf8'), '10.0.0.2 c\n');
  } finally {
    t.done();
  }
});

test('link loops and over-long chains are refused with LTSP_ROOT_PATH; nothing is written', async () => {
  const t = hostile();
  try {
    symlinkSync('/b', join(t.root, 'a'));
    symlinkSync('a', join(t.root, 'b'));
    symlinkSync('self', join(t.root, 'self'));
    // a chain just over the bound, and one at it
    for (let i = 0; i <= MAX_LINKS; i++) symlinkSync(i === MAX_LINKS ? '/end' : `/l${i + 1}`, join(t.root, `l${i}`));
    mkdirSync(join(t.root, 'end'));
    const fs = new FileSystem(t.root);
    const before = snapshot(t.root);
    for (const p of ['/a/x', '/b/x', '/self', '/self/x']) {
      await assert.rejects(fs.writeAtomic(p, 'x'), { code: 'LTSP_ROOT_PATH' }, p);
      await assert.rejects(fs.mkdir(`${p}/d`), { code: 'LTSP_ROOT_PATH' }, p);
    }
    await assert.rejects(fs.writeAtomic('/l0/x', 'x'), { code: 'LTSP_ROOT_PATH' });
    assert.deepEqual(snapshot(t.root), before);
    await fs.writeAtomic('/l1/x', 'x'); // 40 links: followed
    assert.equal(readFileSync(join(t.root, 'end', 'x'), 'utf8'), 'x');
    // removing or replacing a looping link itself is fine: the last name is not followed
    await fs.remove('/self');
    assert.throws(() => lstatSync(join(t.root, 'self')));
  } finally {
    t.done();
  }
});

test('`..` in a client path itself is refused', () => {
  assert.throws(() => new FileSystem('/tmp/x').map('/etc/../../x'), { code: 'LTSP_ROOT_PATH' });
});

test('every action of the executor on a tree whose directories all lead outside: nothing outside changes', async () => {
  const t = hostile();
  try {
    for (const d of ['etc', 'run', 'var']) symlinkSync(join(t.outside), join(t.root, d)); // absolute, outside
    mkdirSync(join(t.root, 'usr'));
    symlinkSync('../../../../../../..', join(t.root, 'usr', 'share')); // climbs as far as it can
    symlinkSync(join(t.outside, 'etc', 'ltsp'), join(t.outside, 'etc', 'link-out')); // a final link, outside itself
    const before = snapshot(t.outside);
    const ex = new Executor({ root: t.root });
    const actions: Action[] = [
      { kind: 'mkdir', path: '/etc/cron.d', ...why },
      { kind: 'write-file', path: '/etc/cron.d/ltsp', content: 'c\n', ...why },
      { kind: 'write-file', path: '/etc/etc/ltsp', content: 'w\n', ...why },
      { kind: 'append-lines', path: '/etc/victim', lines: ['a'], ...why },
      { kind: 'append-lines', path: '/usr/share/usr/appended', lines: ['u'], ...why },
      { kind: 'symlink', path: '/var/localtime', target: '/usr/share/zoneinfo/UTC', ...why },
      { kind: 'symlink', path: '/etc/etc/link-out', target: '/x', ...why },
      { kind: 'remove', path: '/etc/etc/ltsp', ...why },
      { kind: 'remove', path: '/etc/victim', ...why },
      { kind: 'export-env', vars: { A: 'b' }, ...why },
      { kind: 'run', argv: ['true', { path: '/etc/victim' }], ...why },
    ];
    for (const a of actions) await ex.applyAction(a);
    assert.deepEqual(snapshot(t.outside), before);
    const mirror = join(t.root, t.outside);
    assert.equal(readFileSync(join(mirror, 'cron.d', 'ltsp'), 'utf8'), 'c\n');
    assert.equal(readFileSync(join(t.root, 'usr', 'appended'), 'utf8'), 'u\n');
    assert.equal(readlinkSync(join(mirror, 'localtime')), '/usr/share/zoneinfo/UTC');
    assert.match(readFileSync(join(mirror, 'ltsp', 'ltsp_config_env'), 'utf8'), /^A=/m);
    assert.match(readFileSync(join(mirror, 'ltsp', 'commands.log'), 'utf8'), new RegExp(`true ${t.outside}/victim`));
  } finally {
    t.done();
  }
});

test('under "/" the walk is the kernel\'s: existing paths map to themselves', () => {
  const fs = new FileSystem('/');
  assert.equal(fs.map('/etc/hostname'), '/etc/hostname');
  assert.equal(fs.map('/proc/self/status'), `/proc/${process.pid}/status`);
});

test('modes: an append keeps (or narrows) the existing mode, never widens; a secret file stays 0600', async () => {
  const t = hostile();
  try {
    const fs = new FileSystem(t.root);
    const mode = (p: string) => statSync(join(t.root, p)).mode & 0o777;
    // ltsp_config_env with LDM_PASSWORD, then the sound step's export-env appends with no mode
    await fs.writeAtomic('/run/ltsp/ltsp_config_env', "LDM_PASSWORD='pw'\n", 0o600);
    await fs.appendLines('/run/ltsp/ltsp_config_env', ['PULSE_SERVER=x']);
    assert.equal(mode('run/ltsp/ltsp_config_env'), 0o600);
    await fs.appendLines('/run/ltsp/ltsp_config_env', ['X=1'], undefined, 0o644);
    assert.equal(mode('run/ltsp/ltsp_config_env'), 0o600, 'an explicit wider mode does not widen it either');
    await fs.writeAtomic('/run/ltsp/ltsp_config_env', 'rewritten\n', 0o644);
    assert.equal(mode('run/ltsp/ltsp_config_env'), 0o600, 'once private in this run, a rewrite keeps it private');
    // a file that existed 0600 before this run (not written by us): the append keeps 0600
    mkdirSync(join(t.root, 'etc'));
    writeFileSync(join(t.root, 'etc', 'old'), 's\n', { mode: 0o600 });
    await new FileSystem(t.root).appendLines('/etc/old', ['more'], undefined, 0o644);
    assert.equal(mode('etc/old'), 0o600);
    // an append may narrow: 0644 + a 0600 action -> 0600
    await fs.writeAtomic('/etc/pub', 'p\n', 0o644);
    await fs.appendLines('/etc/pub', ['secret'], undefined, 0o600);
    assert.equal(mode('etc/pub'), 0o600);
    // created by an append: the action's mode, 0644 by default
    await fs.appendLines('/etc/new', ['n']);
    assert.equal(mode('etc/new'), 0o644);
    await fs.appendLines('/etc/new-private', ['n'], undefined, 0o640);
    assert.equal(mode('etc/new-private'), 0o640);
    // write-file marked secret: 0600 whatever the mode asked
    await fs.writeAtomic('/etc/s', 'pw\n', 0o644, { secret: true });
    assert.equal(mode('etc/s'), 0o600);
  } finally {
    t.done();
  }
});

test('the executor: export-env after a 0600 ltsp_config_env keeps it 0600 (the sound step after lts-conf)', async () => {
  const t = hostile();
  try {
    const ex = new Executor({ root: t.root });
    await ex.applyAction({ kind: 'write-file', path: '/run/ltsp/ltsp_config_env', content: "LDM_PASSWORD='pw'\n", mode: 0o600, ...why });
    await ex.applyAction({ kind: 'export-env', vars: { PULSE_SERVER: 'tcp:10.0.0.1:4713' }, ...why });
    await ex.applyAction({ kind: 'append-lines', path: '/run/ltsp/ltsp_config_env', lines: ['Y=2'], mode: 0o644, ...why });
    assert.equal(statSync(join(t.root, 'run/ltsp/ltsp_config_env')).mode & 0o777, 0o600);
    assert.match(readFileSync(join(t.root, 'run/ltsp/ltsp_config_env'), 'utf8'), /LDM_PASSWORD='pw'\nPULSE_SERVER=.*\nY=2\n$/);
  } finally {
    t.done();
  }
});
