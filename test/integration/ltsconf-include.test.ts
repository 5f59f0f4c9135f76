// `--dry-run` and `boot --root` make the same plan from the same lts.conf files, includes
// included: once for a file given with --lts-conf (its includes are files of this machine,
// relative to it), once for the chroot's own /etc/lts.conf (its includes are client paths,
// beneath the root, also through symlinks planted in the tree). The boot runs in a network
// namespace of its own (unshare -n) so that its TFTP try for lts.conf reaches nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(REPO, 'agent/cli/main.ts');

/** The same client for both: no kernel ip= device (a dry-run ignores it), no interfaces (unshare -n). */
const CLIENT = ['--mac', '52:54:00:00:0a:01', '--ip', '10.0.0.21', '--ram', '2048', '--arch', 'x86_64', '--hostname', 'unnamed', '--server', '127.0.0.1', '--cmdline', 'init=/sbin/init-ltsp'];

function write(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (content.startsWith('-> ')) symlinkSync(content.slice(3), p);
    else writeFileSync(p, content);
  }
}

/** A chroot with the programs the steps look for. */
function chroot(): string {
  const root = mkdtempSync(join(tmpdir(), 'ltsconf-include-'));
  for (const p of ['/usr/bin/setxkbmap', '/usr/bin/Xorg', '/usr/bin/pulseaudio', '/usr/bin/pactl', '/sbin/modprobe', '/usr/sbin/rsyslogd', '/usr/sbin/cron', '/sbin/mkswap', '/sbin/swapon']) {
    write(root, { [p]: '' });
    chmodSync(join(root, p), 0o755);
  }
  write(root, { 'etc/default/keyboard': 'XKBLAYOUT="us"\n', 'etc/rsyslog.d/.keep': '', 'etc/X11/xorg.conf.d/.keep': '' });
  return root;
}

function plans(root: string, confArgs: string[]): { dry: Record<string, unknown>; boot: Record<string, unknown> } {
  const dry = JSON.parse(
    execFileSync(process.execPath, ['--import', 'tsx', MAIN, '--dry-run', '--json', '--root', root, ...confArgs, ...CLIENT], { cwd: REPO, encoding: 'utf8', timeout: 60_000 }),
  ) as Record<string, unknown>;
  execFileSync('unshare', ['-n', process.execPath, '--import', 'tsx', MAIN, 'boot', '--root', root, ...confArgs, ...CLIENT, '--tftp-timeout', '1', '--log-level', 'error'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  const boot = JSON.parse(readFileSync(join(root, 'run/ltsp/plan.json'), 'utf8')) as Record<string, unknown>;
  return { dry, boot };
}

function assertSamePlan(dry: Record<string, unknown>, boot: Record<string, unknown>): void {
  assert.deepEqual(boot['sections'], dry['sections']);
  assert.deepEqual(boot['steps'], dry['steps']);
  assert.deepEqual(boot['problems'], dry['problems']);
}

/** The plan's steps as text, to see that keys from included files took effect. */
const planned = (plan: Record<string, unknown>, text: string) => JSON.stringify(plan['steps']).includes(text);
const LAYOUT = (l: string) => `Option \\"XkbLayout\\" \\"${l}\\"`;
/** The X server arguments the login step planned (its /run/ltsp/login.json). */
function xArgs(plan: Record<string, unknown>): string[] {
  const steps = plan['steps'] as Array<{ step: string; actions: Array<{ path?: string; content?: string }> }>;
  const file = steps.find((st) => st.step === 'login')?.actions.find((a) => a.path === '/run/ltsp/login.json');
  return file?.content ? (JSON.parse(file.content) as { screens: Array<{ xserverArgs: string[] }> }).screens[0]!.xserverArgs : [];
}

test('--lts-conf FILE with includes: dry-run and boot --root make the same plan', () => {
  const root = chroot();
  const confDir = mkdtempSync(join(tmpdir(), 'ltsconf-include-conf-'));
  try {
    write(confDir, {
      'lts.conf': `[default]\nSOUND=False\ninclude rooms/lab.conf\ninclude ${confDir}/abs.conf\n[52:54:00:00:0a:01]\nLIKE=lab\n`,
      'rooms/lab.conf': '[lab]\nXKBLAYOUT=de\nLIKE=screens\ninclude ../screens.conf\n',
      'screens.conf': '[screens]\nX_COLOR_DEPTH=24\n',
      'abs.conf': '[more]\nCRONTAB_01="0 1 * * * root /bin/true"\n',
    });
    const { dry, boot } = plans(root, ['--lts-conf', join(confDir, 'lts.conf')]);
    assertSamePlan(dry, boot);
    assert.deepEqual(dry['sections'], ['52:54:00:00:0a:01', 'lab', 'screens', 'default']);
    assert.ok(planned(dry, LAYOUT('de')), 'the included layout is planned');
    assert.deepEqual(xArgs(dry), ['-depth', '24'], 'the included X_COLOR_DEPTH is planned');
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(confDir, { recursive: true, force: true });
  }
});

test("the chroot's /etc/lts.conf: includes beneath the root for dry-run --root and boot --root alike", () => {
  const root = chroot();
  const outside = mkdtempSync(join(tmpdir(), 'ltsconf-include-outside-'));
  try {
    write(outside, { 'evil.conf': '[default]\nXKBLAYOUT=evil\n' });
    write(root, {
      'etc/lts.conf': '[default]\nSOUND=False\ninclude ltsp/lab.conf\ninclude /etc/ltsp/x.conf\ninclude planted.conf\n[52:54:00:00:0a:01]\nLIKE=lab\nLIKE=x\n',
      'etc/ltsp/lab.conf': '[lab]\nXKBLAYOUT=fr\n',
      'etc/ltsp/x.conf': '[x]\nX_COLOR_DEPTH=24\n',
      // A link planted in the tree to a file outside it: inside the root, that path does not exist.
      'etc/planted.conf': `-> ${outside}/evil.conf`,
    });
    const { dry, boot } = plans(root, []);
    assertSamePlan(dry, boot);
    assert.deepEqual(dry['sections'], ['52:54:00:00:0a:01', 'lab', 'x', 'default']);
    assert.ok(!JSON.stringify(dry['steps']).includes('evil'), 'nothing from outside the root');
    assert.ok(planned(dry, LAYOUT('fr')), 'the included layout is planned');
    assert.deepEqual(xArgs(dry), ['-depth', '24'], 'the X_COLOR_DEPTH of the absolute include is planned');
    assert.ok(JSON.stringify(dry['problems']).includes('include planted.conf: cannot read'));
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
