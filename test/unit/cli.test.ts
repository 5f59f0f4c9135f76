// The bundle as an admin runs it: dist/ltsp-agent (built by `npm run build` before tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, copyFileSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(REPO, 'dist', 'ltsp-agent');

function run(args: string[], opts: { argv0?: string; cwd?: string } = {}) {
  const r = spawnSync('node', [opts.argv0 ?? BUNDLE, ...args], { encoding: 'utf8', cwd: opts.cwd ?? REPO, timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const CONF = `# a small lab
[default]
SERVER=192.168.67.1
LDM_DIRECTX=True
SOUND=True
LDM_PASSWORD=hunter2-secret
[lab]
XKBLAYOUT=de
[00:1E:68:C2:FF:EE]
LIKE=lab
HOSTNAME=pc07
`;

test('the bundle exists and runs from a directory without node_modules', () => {
  assert.ok(existsSync(BUNDLE), 'run npm run build first');
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  try {
    copyFileSync(BUNDLE, join(dir, 'ltsp-agent'));
    const r = spawnSync('node', [join(dir, 'ltsp-agent'), '--version'], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ltsp-agent \d+\.\d+\.\d+/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every command has --help', () => {
  for (const cmd of [['--help'], ['--dry-run', '--help'], ['config', 'explain', '--help'], ['boot', '--help'], ['fetch', '--help'], ['login', '--help'], ['doctor', '--help'], ['timeline', '--help']]) {
    const r = run(cmd);
    assert.equal(r.code, 0, `${cmd.join(' ')}: ${r.err}`);
    assert.match(r.out, /Usage/, cmd.join(' '));
  }
});

test('--dry-run prints the plan of the bundled example', () => {
  const r = run(['--dry-run', '--mac', '00:1e:68:c2:ff:ee']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /ltsp-agent boot plan/);
  assert.match(r.out, /examples\/lts\.conf/);
  assert.match(r.out, /steps \(/);
});

test('--dry-run with a file: sections, JSON form, and no password anywhere', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  try {
    const f = join(dir, 'lts.conf');
    writeFileSync(f, CONF);
    const r = run(['--dry-run', '--lts-conf', f, '--mac', '00:1e:68:c2:ff:ee']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\[00:1E:68:C2:FF:EE\] > \[lab\] > \[default\]/);
    assert.match(r.out, /pc07/);
    assert.doesNotMatch(r.out + r.err, /hunter2-secret/);
    const j = run(['--dry-run', '--json', '--lts-conf', f, '--mac', '00:1e:68:c2:ff:ee']);
    assert.equal(j.code, 0, j.err);
    const plan = JSON.parse(j.out) as { steps: unknown[]; sections: string[]; hostname: string };
    assert.equal(plan.hostname, 'pc07');
    assert.deepEqual(plan.sections, ['00:1E:68:C2:FF:EE', 'lab', 'default']);
    assert.ok(plan.steps.length > 0);
    assert.doesNotMatch(j.out, /hunter2-secret/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config explain names the section and line of each value', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  try {
    const f = join(dir, 'lts.conf');
    writeFileSync(f, CONF);
    const r = run(['config', 'explain', '--lts-conf', f, '--mac', '00:1e:68:c2:ff:ee', 'XKBLAYOUT']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /XKBLAYOUT="de"\s+\[lab\] .*lts\.conf:8/);
    assert.match(r.out, /\[lab\]\s+line 7\s+\(LIKE from \[00:1E:68:C2:FF:EE\]\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('called through a link named getltscfg it is getltscfg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  try {
    const f = join(dir, 'lts.conf');
    writeFileSync(f, '[default]\nA=1\n[pc07]\nB="two words"\n');
    copyFileSync(join(REPO, 'dist', 'package.json'), join(dir, 'package.json'));
    symlinkSync(BUNDLE, join(dir, 'getltscfg'));
    const r = run(['-c', f, '-n', 'pc07', '-a'], { argv0: join(dir, 'getltscfg') });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'A="1"\nB="two words"\nexport A\nexport B\n');
    const one = run(['-c', f, '-n', 'pc07', 'b'], { argv0: join(dir, 'getltscfg') });
    assert.equal(one.out, 'two words\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('usage errors exit 64 with the option named; an unreadable lts.conf exits 2', () => {
  const bad = run(['--dry-run', '--bogus']);
  assert.equal(bad.code, 64);
  assert.match(bad.err, /unknown option --bogus/);
  const missing = run(['--dry-run', '--lts-conf', '/nonexistent/lts.conf']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /cannot read \/nonexistent\/lts\.conf/);
  const mac = run(['--dry-run', '--mac', 'zz']);
  assert.equal(mac.code, 64);
});

test('config check: every section checked as its client; exit 1 on errors, --strict on warnings, --json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'check-'));
  try {
    const clean = join(dir, 'clean.conf');
    writeFileSync(clean, '[default]\nSERVER=192.168.67.1\nSCREEN_07=ldm\n');
    const warned = join(dir, 'warned.conf');
    writeFileSync(warned, '[default]\nLDM_SERVR=192.168.67.1\n[pc*]\nLDM_SYSLOG=True\n');
    const broken = join(dir, 'broken.conf');
    writeFileSync(broken, '[default]\nSERVER=192.168.67.1\n[00:1e:68:c2:ff:01]\nMODULE_01="-r snd_hda_intel"\nTIMEZONE=../../etc/shadow\n');

    const ok = run(['config', 'check', '--lts-conf', clean]);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /0 errors, 0 warnings, 0 notes: ok/);

    const w = run(['config', 'check', '--lts-conf', warned]);
    assert.equal(w.code, 0, 'warnings alone pass');
    assert.match(w.out, /checked as 2 clients \(\[default\], \[pc\*\]\)/);
    assert.match(w.out, /LDM_SERVR: .*did you mean LDM_SERVER\?/);
    assert.match(w.out, /LDM_SYSLOG: .*not yet \(issue 10\).*\(for \[pc\*\]\)/);
    assert.equal(run(['config', 'check', '--strict', '--lts-conf', warned]).code, 1);

    const b = run(['config', 'check', '--lts-conf', broken]);
    assert.equal(b.code, 1);
    assert.match(b.out, /error: +.*broken\.conf:4: MODULE_01: .*\(for \[00:1e:68:c2:ff:01\]\)/);
    assert.match(b.out, /error: +.*broken\.conf:5: TIMEZONE: /);
    const j = JSON.parse(run(['config', 'check', '--json', '--lts-conf', broken]).out) as { ok: boolean; problems: Array<{ code: string; where: { key?: string }; clients: string[] }> };
    assert.equal(j.ok, false);
    assert.deepEqual(j.problems.find((p) => p.where.key === 'MODULE_01')?.clients, ['[00:1e:68:c2:ff:01]']);
    // one client only
    const one = run(['config', 'check', '--lts-conf', broken, '--mac', '02:00:00:00:00:05']);
    assert.equal(one.code, 0, one.out);
    assert.match(one.out, /checked as 1 client \(02:00:00:00:00:05/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--dry-run --json: the key table names the planners that used each key; the rest is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keys-'));
  try {
    const f = join(dir, 'lts.conf');
    writeFileSync(f, '[default]\nSERVER=192.168.67.1\nLDM_DIRECTX=True\nXRANDR_MODE_0=1024x768\nLDM_SYSLOG=True\nSOUND=True\n');
    const r = run(['--dry-run', '--json', '--lts-conf', f]);
    assert.equal(r.code, 0, r.err);
    const plan = JSON.parse(r.out) as { keys: Array<{ key: string; usedBy: string[] }>; problems: Array<{ code: string; where: { key?: string } }>; steps: Array<{ step: string; actions: Array<{ path?: string; content?: string }> }> };
    const used = Object.fromEntries(plan.keys.map((k) => [k.key, k.usedBy]));
    assert.deepEqual(used['LDM_DIRECTX'], ['login']);
    assert.deepEqual(used['SOUND'], ['sound', 'login']);
    assert.deepEqual(used['XRANDR_MODE_0'], ['login']);
    assert.deepEqual(used['LDM_SYSLOG'], []);
    assert.equal(plan.problems.find((p) => p.where.key === 'LDM_SYSLOG')?.code, 'LTSP_KEY_NOT_YET');
    const login = plan.steps.find((s) => s.step === 'login')!.actions.find((a) => a.path === '/run/ltsp/login.json')!;
    assert.equal((JSON.parse(login.content!) as { screens: Array<{ directx: boolean }> }).screens[0]!.directx, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--dry-run and config explain exit 0 on an lts.conf with problems: they report them, they do not lint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-'));
  try {
    const f = join(dir, 'lts.conf');
    writeFileSync(f, '[default]\nSERVER=192.168.67.1\nBOGUS_KEY=1\nSOUND=1\n');
    const d = run(['--dry-run', '--lts-conf', f]);
    assert.equal(d.code, 0, d.err);
    assert.match(d.out + d.err, /BOGUS_KEY/);
    const e = run(['config', 'explain', '--lts-conf', f]);
    assert.equal(e.code, 0, e.err);
    assert.match(e.out + e.err, /BOGUS_KEY/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
