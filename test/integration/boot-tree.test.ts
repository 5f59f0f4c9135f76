// Whole boots into a temporary root (`ltsp-agent boot --root DIR`), one per example lts.conf
// and client, on a seeded chroot (the programs and directories the steps look for). The tree
// the boot writes is compared with the expected tree in test/fixtures/trees/<name>/: every file
// the boot created or changed, and commands.log with the programs it would have run.
// UPDATE_TREES=1 writes the expected trees from this run instead (review the diff!).
//
// Left out: plan.json and timeline.json (they carry timings and this machine's facts), and the
// seed files the boot did not change.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = join(REPO, 'test', 'fixtures', 'trees');
const UPDATE = process.env['UPDATE_TREES'] === '1';
const VOLATILE = new Set(['run/ltsp/plan.json', 'run/ltsp/timeline.json']);

/** A seed: an empty executable, a directory (trailing /), or a file with content. */
type Seed = string | [path: string, content: string];

const DEBIAN: Seed[] = [
  '/usr/bin/pulseaudio', '/usr/bin/pactl', '/usr/sbin/nbd-client', '/sbin/mkswap', '/sbin/swapon', '/sbin/modprobe',
  '/etc/rsyslog.d/', '/usr/sbin/rsyslogd', '/usr/bin/setxkbmap', '/usr/bin/Xorg', '/etc/X11/xorg.conf.d/',
  '/usr/sbin/ntpdate', '/sbin/hwclock', '/usr/share/zoneinfo/', '/usr/sbin/cron', '/etc/systemd/system/',
  ['/etc/network/interfaces', 'auto lo\niface lo inet loopback\nauto eth0\niface eth0 inet dhcp\n'],
  ['/etc/default/keyboard', 'XKBMODEL="pc105"\nXKBLAYOUT="us"\n'],
  ['/etc/rc.local', '#!/bin/sh -e\nexit 0\n'],
];

const GENTOO: Seed[] = [
  '/sbin/openrc', '/etc/conf.d/', ['/etc/syslog.conf', '*.* /var/log/messages\n'], '/sbin/syslogd', '/usr/bin/Xorg',
  '/usr/sbin/ntpdate', '/usr/share/zoneinfo/', '/sbin/modprobe', '/usr/sbin/crond', '/usr/sbin/nbd-client', '/sbin/cryptsetup',
];

interface Case {
  name: string;
  conf: string;
  mac: string;
  ip: string;
  ram: number;
  seeds: Seed[];
}

const CASES: Case[] = [
  { name: 'main-lab-client', conf: 'lts.conf', mac: '02:00:00:00:00:01', ip: '192.168.67.20', ram: 512, seeds: DEBIAN },
  { name: 'main-teacher', conf: 'lts.conf', mac: '00:1e:68:c2:ff:01', ip: '192.168.67.101', ram: 256, seeds: DEBIAN },
  { name: 'school-lab-a01', conf: 'school-lab.conf', mac: '52:54:00:00:0a:01', ip: '10.0.0.21', ram: 2048, seeds: DEBIAN },
  { name: 'school-lab-room-b', conf: 'school-lab.conf', mac: '52:54:00:00:0b:07', ip: '10.0.0.57', ram: 2048, seeds: DEBIAN },
  { name: 'low-ram', conf: 'low-ram.conf', mac: '52:54:00:12:34:56', ip: '10.77.0.2', ram: 128, seeds: DEBIAN },
  { name: 'gentoo', conf: 'gentoo.conf', mac: '52:54:00:ab:cd:ef', ip: '192.168.1.50', ram: 1024, seeds: GENTOO },
];

function seed(root: string, seeds: Seed[]): Map<string, string> {
  const given = new Map<string, string>();
  for (const s of seeds) {
    const [path, content] = typeof s === 'string' ? [s, undefined] : s;
    const real = join(root, path);
    if (path.endsWith('/')) {
      mkdirSync(real, { recursive: true });
      continue;
    }
    mkdirSync(dirname(real), { recursive: true });
    writeFileSync(real, content ?? '');
    if (content === undefined) chmodSync(real, 0o755);
    given.set(path.slice(1), content ?? '');
  }
  return given;
}

/** relative path -> content ("-> target" for symlinks); commands.log sorted (steps run concurrently). */
function readTree(root: string, seeds: Map<string, string> = new Map()): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (st.isDirectory()) walk(r);
      else if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(root, r))}`;
      else if (!VOLATILE.has(r)) {
        let text = readFileSync(join(root, r), 'utf8');
        if (r === 'run/ltsp/commands.log') text = text.split('\n').filter(Boolean).sort().join('\n') + '\n';
        if (seeds.get(r) !== text) out[r] = text;
      }
    }
  };
  walk('');
  return out;
}

function writeTree(dir: string, tree: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(tree)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (content.startsWith('-> ')) symlinkSync(content.slice(3), p);
    else writeFileSync(p, content);
  }
}

for (const c of CASES) {
  test(`boot --root: ${c.name} (${c.conf}, ${c.mac})`, () => {
    const root = mkdtempSync(join(tmpdir(), `ltsp-tree-${c.name}-`));
    try {
      const seeds = seed(root, c.seeds);
      const cmdline = `init=/sbin/init-ltsp ip=${c.ip}:::255.255.255.0::eth0:off`;
      execFileSync(
        process.execPath,
        ['--import', 'tsx', join(REPO, 'agent/cli/main.ts'), 'boot', '--root', root, '--lts-conf', join(REPO, 'examples', c.conf), '--mac', c.mac, '--ip', c.ip,
          '--ram', String(c.ram), '--arch', 'x86_64', '--hostname', 'unnamed', '--cmdline', cmdline, '--log-level', 'error'],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
      );
      const got = readTree(root, seeds);
      const expectedDir = join(FIXTURES, c.name);
      if (UPDATE) writeTree(expectedDir, got);
      assert.ok(existsSync(expectedDir), `no expected tree for ${c.name}: run with UPDATE_TREES=1`);
      assert.deepEqual(got, readTree(expectedDir));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

function boot(root: string, conf: string, mac: string, ip: string): void {
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'agent/cli/main.ts'), 'boot', '--root', root, '--lts-conf', conf, '--mac', mac, '--ip', ip,
      '--ram', '512', '--arch', 'x86_64', '--hostname', 'unnamed', '--cmdline', `init=/sbin/init-ltsp ip=${ip}:::255.255.255.0::eth0:off`, '--log-level', 'error'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 },
  );
}

/** Every file of a tree: relative path -> "mode content" or "-> target". */
function everything(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(root, r));
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(join(root, r))}`;
      else if (st.isDirectory()) walk(r);
      else out[r] = `${(st.mode & 0o7777).toString(8)} ${readFileSync(join(root, r), 'utf8')}`;
    }
  };
  walk('');
  return out;
}

test('boot --root on a hostile tree: links planted to lead outside never take a file out of the root', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-tree-hostile-'));
  try {
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    for (const d of ['cron', 'xorg', 'syslog', 'run', 'dbus']) mkdirSync(join(outside, d), { recursive: true });
    writeFileSync(join(outside, 'hosts'), '127.0.0.1 localhost\n');
    seed(root, DEBIAN);
    for (const d of ['etc/X11/xorg.conf.d', 'etc/rsyslog.d']) rmSync(join(root, d), { recursive: true });
    symlinkSync(join(outside, 'cron'), join(root, 'etc/cron.d')); // absolute, to outside
    symlinkSync(join(outside, 'xorg'), join(root, 'etc/X11/xorg.conf.d'));
    symlinkSync(`${'../'.repeat(10)}${join(outside, 'syslog').slice(1)}`, join(root, 'etc/rsyslog.d')); // a `..` chain
    symlinkSync(join(outside, 'hosts'), join(root, 'etc/hosts')); // a final link
    symlinkSync(join(outside, 'run'), join(root, 'run'));
    mkdirSync(join(root, 'var/lib'), { recursive: true });
    symlinkSync(join(outside, 'dbus'), join(root, 'var/lib/dbus'));
    const before = everything(outside);
    boot(root, join(REPO, 'examples', 'lts.conf'), '02:00:00:00:00:01', '192.168.67.20');
    assert.deepEqual(everything(outside), before, 'nothing outside the root changed');
    // the files landed beneath the root, where the tree's links point once the root is "/"
    const mirror = join(root, outside);
    const expected = readTree(join(FIXTURES, 'main-lab-client'));
    assert.equal(readFileSync(join(mirror, 'cron', 'ltsp'), 'utf8'), expected['etc/cron.d/ltsp']);
    assert.equal(readFileSync(join(mirror, 'xorg', '40-ltsp-keyboard.conf'), 'utf8'), expected['etc/X11/xorg.conf.d/40-ltsp-keyboard.conf']);
    assert.equal(readFileSync(join(mirror, 'syslog', '90-ltsp.conf'), 'utf8'), expected['etc/rsyslog.d/90-ltsp.conf']);
    assert.equal(readFileSync(join(mirror, 'hosts'), 'utf8'), expected['etc/hosts']);
    assert.ok(existsSync(join(mirror, 'run', 'ltsp', 'ltsp_config_env')));
    assert.ok(existsSync(join(mirror, 'dbus', 'machine-id')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('boot --root: every file holding the password is 0600, also after later steps append to it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-tree-secret-'));
  try {
    const root = join(dir, 'root');
    seed(root, DEBIAN);
    const password = 'Pw-9f3c-not-in-any-other-text';
    const conf = join(dir, 'lts.conf');
    // sound on: its step appends PULSE_SERVER to ltsp_config_env after the lts-conf step wrote it
    writeFileSync(conf, `[default]\n  LDM_USERNAME = kiosk\n  LDM_PASSWORD = "${password}"\n  LDM_AUTOLOGIN = True\n  SOUND = True\n  SCREEN_07 = ldm\n`);
    boot(root, conf, '02:00:00:00:00:09', '10.0.0.9');
    const files = everything(root);
    const holding = Object.entries(files).filter(([, v]) => v.includes(password));
    assert.ok(holding.some(([p]) => p === 'run/ltsp/ltsp_config_env'), 'the test reaches the file it is about');
    assert.match(files['run/ltsp/ltsp_config_env']!, /^PULSE_SERVER=tcp:/m, 'the sound step appended to it');
    for (const [p, v] of holding) assert.equal(Number.parseInt(v.split(' ')[0]!, 8) & 0o077, 0, `${p} holds the password and is readable by others (mode ${v.split(' ')[0]})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secrets are known from the parsed keys: quoted, per-screen, or on a section line; root-only wherever they land, shown nowhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-tree-secret-keys-'));
  try {
    const root = join(dir, 'root');
    seed(root, DEBIAN);
    const pw = 'Pw-default-7c1e';
    const screenPw = 'Pw-screen07-51aa';
    const conf = join(dir, 'lts.conf');
    // a quoted key, a per-screen override, and declarations on the section's own line
    writeFileSync(conf, `[default] "LDM_PASSWORD" = ${pw}\n  LDM_USERNAME = kiosk\n  LDM_AUTOLOGIN = True\n  SCREEN_07 = ldm\n  SCREEN_07_LDM_PASSWORD = "${screenPw}"\n`);
    boot(root, conf, '02:00:00:00:00:0a', '10.0.0.10');
    const files = everything(root);
    const holding = Object.entries(files).filter(([, v]) => v.includes(pw) || v.includes(screenPw));
    assert.ok(holding.some(([p]) => p === 'run/ltsp/login-secrets.json'), `the login's secrets file holds them: ${holding.map(([p]) => p)}`);
    for (const [p, v] of holding) assert.equal(Number.parseInt(v.split(' ')[0]!, 8) & 0o077, 0, `${p} holds a password and is readable by others (mode ${v.split(' ')[0]})`);
    for (const p of ['run/ltsp/login.json', 'run/ltsp/screens.json']) {
      assert.ok(files[p], `${p} is written`);
      assert.ok(!files[p]!.includes(pw) && !files[p]!.includes(screenPw), `${p} holds a password`);
    }
    // the screen's own password wins for the screen, as LTSP 5's screen script set it
    assert.deepEqual(JSON.parse(files['run/ltsp/login-secrets.json']!.split(' ').slice(1).join(' ')), { passwords: { '7': screenPw } });
    // and nothing prints them: the dry run (text and JSON) and config explain
    const show = (args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', join(REPO, 'agent/cli/main.ts'), ...args, '--lts-conf', conf, '--mac', '02:00:00:00:00:0a', '--ip', '10.0.0.10'], { cwd: REPO, encoding: 'utf8' });
    for (const out of [show(['--dry-run']), show(['--dry-run', '--json']), show(['config', 'explain'])]) {
      assert.ok(!out.includes(pw) && !out.includes(screenPw), out.split('\n').filter((l) => l.includes('Pw-')).join('\n'));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
