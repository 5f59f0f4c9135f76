// `ltsp-agent boot` without --root reconfigures the machine it runs on: only when the kernel
// command line says this is an LTSP boot, or with --force. Both ways for the decision; the
// command itself refuses on this (non-LTSP) machine with exit 64 and changes nothing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ltspBootRefusal } from '../../agent/cli/boot.ts';
import { ltspBootMarker, parseCmdline } from '../../agent/facts/cmdline.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'agent', 'cli', 'main.ts');
const EXAMPLE = join(import.meta.dirname, '..', '..', 'examples', 'lts.conf');

const LTSP = [
  'ro initrd=initrd.img init=/sbin/init-ltsp root=/dev/nbd0 nbdroot=10.0.0.1:10809/ltsp_i386', // LTSP 5 NBD (update-kernels)
  'real_init=/sbin/init-ltsp root=/dev/ram0', // Gentoo / genkernel
  'root=/dev/nfs nfsroot=192.168.67.1:/opt/ltsp/i386 ip=dhcp', // NFS root of an LTSP chroot
  'BOOT_IMAGE=/vmlinuz ltsp.server=10.0.0.1', // an ltsp.* key
  'root=/dev/nbd0 nbdroot=10.0.0.1:ltsp', // NBD root
];
const NOT_LTSP = [
  '',
  'BOOT_IMAGE=/boot/vmlinuz-6.1.0 root=UUID=1234 ro quiet',
  'root=/dev/nfs nfsroot=10.0.0.1:/srv/diskless ip=dhcp', // a diskless machine, not LTSP
  'init=/sbin/init-ltsp-not rw', // a look-alike
  'ltsp.=1 quiet',
];

test('the LTSP markers of a kernel command line', () => {
  for (const c of LTSP) assert.notEqual(ltspBootMarker(parseCmdline(c)), undefined, c);
  for (const c of NOT_LTSP) assert.equal(ltspBootMarker(parseCmdline(c)), undefined, c);
});

test('refused without a marker unless --root or --force; the error says what to do', () => {
  for (const c of NOT_LTSP) {
    const e = ltspBootRefusal(c, {});
    assert.ok(e, c);
    assert.equal(e.code, 'LTSP_USAGE');
    assert.match(e.describe(), /did not boot as an LTSP client.*--dry-run.*--root DIR.*--force/);
    assert.equal(ltspBootRefusal(c, { force: true }), undefined);
    assert.equal(ltspBootRefusal(c, { root: '/tmp/x' }), undefined);
  }
  for (const c of LTSP) assert.equal(ltspBootRefusal(c, {}), undefined, c);
});

const thisMachineIsLtsp = ltspBootMarker(parseCmdline(existsSync('/proc/cmdline') ? readFileSync('/proc/cmdline', 'utf8') : '')) !== undefined;

test('ltsp-agent boot on this machine (no LTSP marker): exit 64, the reason, nothing written', { skip: thisMachineIsLtsp ? 'this machine booted as an LTSP client' : undefined }, () => {
  const before = existsSync('/run/ltsp') ? readdirSync('/run/ltsp').map((n) => [n, statSync(join('/run/ltsp', n)).mtimeMs]) : undefined;
  // --cmdline is a fact for the plan, not a say about this machine: it does not lift the refusal
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'boot', '--lts-conf', EXAMPLE, '--cmdline', 'init=/sbin/init-ltsp'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 64, r.stderr);
  assert.match(r.stderr, /did not boot as an LTSP client/);
  assert.match(r.stderr, /--force/);
  const after = existsSync('/run/ltsp') ? readdirSync('/run/ltsp').map((n) => [n, statSync(join('/run/ltsp', n)).mtimeMs]) : undefined;
  assert.deepEqual(after, before, '/run/ltsp untouched');
});

test('with --root DIR the same machine boots into DIR (no marker needed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-refusal-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'boot', '--root', dir, '--lts-conf', EXAMPLE, '--mac', '02:00:00:00:00:01', '--ip', '192.168.67.20', '--cmdline', 'ro quiet', '--log-level', 'error'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(dir, 'run/ltsp/plan.json')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
