// The end-to-end proof: a virtual thin client PXE-boots from our server side under QEMU and
// reaches a logged-in remote session, the LTSP 5 way (pxelinux over TFTP, kernel + initramfs,
// root squashfs over NBD, lts.conf over TFTP, init-ltsp -> `ltsp-agent boot` -> systemd ->
// `ltsp-agent login`). See test/boot/lab.ts for the network layout and docs/boot.md for how
// to run it. One boot; each check below reads what that boot left on the serial console and
// on the server side, and a failing check prints the guest's console log.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { agentUnavailable, BootLab, bootLabUnavailable, GUEST_SERVER, proofLtsConf, REPO, serialText, TEST_USER, type BootResult } from './lab.ts';

const unavailable = bootLabUnavailable() ?? agentUnavailable();

/**
 * One boot per describe block: made before its checks (a failure to build or start is kept and
 * thrown by every check), the lab stopped after, whatever happened. Returns the boot's accessor.
 */
function bootOnce(lab: BootLab, boot: () => Promise<BootResult>): () => BootResult {
  let result: BootResult | undefined;
  let buildError: unknown;
  before(async () => {
    try {
      result = await boot();
    } catch (e) {
      buildError = e;
    }
  });
  after(async () => {
    await lab.stop();
  });
  return () => {
    if (buildError) throw buildError;
    assert.ok(result, 'the guest never booted');
    return result;
  };
}

const guestLog = (b: BootResult) => `\n--- guest serial console (last lines; full log ${b.serialLog}) ---\n${serialText(b, 250)}\n---`;
const expectLine = (b: BootResult, re: RegExp, what: string) => assert.ok(b.lines.some((l) => re.test(l.text)), `${what}: no serial line matches ${re}${guestLog(b)}`);

describe('QEMU boot proof', { skip: unavailable, timeout: 15 * 60_000 }, () => {
  const lab = new BootLab();
  const booted = bootOnce(lab, async () => {
    lab.build();
    await lab.start(proofLtsConf);
    return lab.boot({ timeoutMs: 5 * 60_000 });
  });
  const proof = (b: BootResult, key: string) =>
    b.lines.filter((l) => l.text.startsWith(`LTSP-PROOF ${key}`)).map((l) => l.text.slice(`LTSP-PROOF ${key}`.length).trim());

  it('the client root has the agent from its Debian package: installed with dpkg, init-ltsp diverted', () => {
    booted();
    const root = join(lab.work, 'root');
    const q = spawnSync('chroot', [root, 'dpkg-query', '-W', '-f', '${Status} ${Version}', 'ltsp-agent'], { encoding: 'utf8' });
    assert.match(q.stdout, /^install ok installed \d+\.\d+\.\d+-\d+$/, q.stderr);
    const owner = spawnSync('chroot', [root, 'dpkg-query', '-S', '/usr/lib/ltsp-agent/ltsp-agent'], { encoding: 'utf8' });
    assert.match(owner.stdout, /^ltsp-agent: /, owner.stderr);
    const divert = spawnSync('chroot', [root, 'dpkg-divert', '--listpackage', '/sbin/init-ltsp'], { encoding: 'utf8' });
    assert.equal(divert.stdout.trim(), 'ltsp-agent', divert.stderr);
  });

  it('PXE-boots: pxelinux over TFTP, kernel and initramfs, root over NBD', () => {
    const b = booted();
    expectLine(b, /^PXELINUX /, 'pxelinux');
    expectLine(b, /Command line: .*init=\/sbin\/init-ltsp/, 'kernel started with init-ltsp');
    expectLine(b, /^ltsp-initramfs: network eth0 /, 'initramfs DHCP');
    expectLine(b, /^Connected \/dev\/nbd0|nbd0: detected capacity/, 'NBD root');
    expectLine(b, /^ltsp-initramfs: switching to the root, init \/sbin\/init-ltsp/, 'switch to the NBD root');
  });

  it('runs the agent from init-ltsp: a marker for every step, none failed, then hands over to init', () => {
    const b = booted();
    expectLine(b, /^init-ltsp: boot phase started/, 'init-ltsp started the agent');
    expectLine(b, /^ltsp-agent: boot started/, 'agent started');
    expectLine(b, /^ltsp-agent: lts\.conf tftp: fetched/, 'lts.conf over TFTP');
    const steps = b.lines.map((l) => /^ltsp-agent: step (\S+) (\S+)/.exec(l.text)).filter((m): m is RegExpExecArray => m !== null);
    assert.ok(steps.length >= 5, `expected a marker per step, got ${steps.length}${guestLog(b)}`);
    const bad = steps.filter((m) => m[2] !== 'ok' && m[2] !== 'skipped:' && m[2] !== 'skipped');
    assert.deepEqual(bad.map((m) => m[0]), [], `steps that did not succeed${guestLog(b)}`);
    const required = ['lts-conf', 'hostname', 'swap', 'syslog'];
    for (const step of required) {
      assert.ok(steps.some((m) => m[1] === step && m[2] === 'ok'), `step ${step} is not ok${guestLog(b)}`);
    }
    expectLine(b, /^ltsp-agent: boot done: /, 'agent done');
    expectLine(b, /^init-ltsp: handing over to \/sbin\/init/, 'hand over to init');
    assert.deepEqual(proof(b, 'agent-failed'), [], `init-ltsp recorded an agent failure${guestLog(b)}`);
  });

  it("attaches the server's swap export over NBD", () => {
    const b = booted();
    const swaps = proof(b, 'swaps').join(' ');
    assert.match(swaps, /\/dev\/nbd\d+/, `no NBD swap in the guest's /proc/swaps${guestLog(b)}`);
    const attached = existsSync(lab.swapLog) ? readFileSync(lab.swapLog, 'utf8') : '';
    assert.match(attached, /^attached /m, 'the server never prepared a swap file (nbd-server prerun did not run)');
    // What the guest swaps on is the server's file: the UUID the guest reads from its swap
    // device is the one in the server-side file (whoever ran mkswap, the bytes went over NBD).
    const guestUuids = proof(b, 'swap-uuid').map((s) => s.split(/\s+/)[1]);
    const swapDir = join(lab.run, 'swap');
    const serverUuids = readdirSync(swapDir).map(
      (f) => spawnSync('blkid', ['-s', 'UUID', '-o', 'value', join(swapDir, f)], { encoding: 'utf8' }).stdout.trim(),
    );
    assert.ok(
      guestUuids.some((u) => u && serverUuids.includes(u)),
      `guest swap UUIDs ${JSON.stringify(guestUuids)} are not the server's ${JSON.stringify(serverUuids)}${guestLog(b)}`,
    );
  });

  it("forwards the client's log and the agent's own log to the server's rsyslog (TCP)", () => {
    const b = booted();
    const remote = existsSync(lab.remoteLog) ? readFileSync(lab.remoteLog, 'utf8') : '';
    assert.match(remote, / kernel: /, `the server's rsyslog (TCP ${GUEST_SERVER}:514) got no line from the client's rsyslog${guestLog(b)}`);
    assert.match(remote, / ltsp-agent\[\d+\]: client facts /, `the server's rsyslog got nothing from the agent's own log${guestLog(b)}`);
  });

  it('logs in with LDM_AUTOLOGIN and runs the session on the server', () => {
    const b = booted();
    const marker = existsSync(lab.sessionMarker) ? readFileSync(lab.sessionMarker, 'utf8') : '';
    assert.match(marker, new RegExp(`^session-started user=${TEST_USER} `, 'm'), `the session never ran on the server${guestLog(b)}\n--- sshd log ---\n${readLog(join(lab.run, 'sshd.log'))}`);
    assert.match(marker, /client=10\.0\.2\.15 /, `the session did not get LTSP_CLIENT: ${marker}`);
  });

  it("starts node on the image's V8 code cache: both programs cached, neither compiled and written anew", () => {
    const b = booted();
    const [line] = proof(b, 'code-cache');
    assert.ok(line, `no code cache in the image (the package's postinst makes it)${guestLog(b)}`);
    assert.match(line, /image=.*main-\S+\.v8/, line);
    assert.match(line, /image=.*login-\S+\.v8/, line);
    assert.match(line, /rewritten=$/, `the guest's node rejected the image's cache and compiled again: ${line}`);
  });

  it('powers off cleanly when the session is over', () => {
    const b = booted();
    assert.equal(b.timedOut, false, `the guest did not power off within 5 minutes${guestLog(b)}`);
    expectLine(b, /^LTSP-PROOF login-ended /, 'login unit ended');
    expectLine(b, /reboot: Power down/, 'kernel powered off');
    assert.equal(b.exitCode, 0, `QEMU exit status${guestLog(b)}`);
  });
});

function readLog(p: string): string {
  return existsSync(p) ? readFileSync(p, 'utf8').split('\n').slice(-40).join('\n') : '(none)';
}

// The same client booted through the real dracut (Debian's 059) with our module
// initramfs-hooks/dracut/90ltsp instead of the busybox initramfs: dracut's DHCP, our
// ltspnbdroot netroot handler, the overlay, and the hand-over to init-ltsp.
describe('QEMU boot proof through the dracut module', { skip: unavailable, timeout: 15 * 60_000 }, () => {
  const lab = new BootLab({ run: join(REPO, 'test', 'out', `boot-dracut-${process.pid}`) });
  const booted = bootOnce(lab, async () => {
    lab.build();
    lab.buildDracut();
    await lab.start(proofLtsConf);
    return lab.boot({ initrd: 'dracut', timeoutMs: 5 * 60_000 });
  });

  it('mounts the NBD root through dracut and 90ltsp, runs init-ltsp and the agent, powers off', () => {
    const b = booted();
    for (const [re, what] of [
      [/Command line: .*initrd=initrd-dracut\.img/, 'booted the dracut initramfs'],
      [/dracut: Starting dhcp for interface/, "dracut's DHCP"],
      [/^Connected \/dev\/nbd0|nbd0: detected capacity/, 'NBD root connected by ltspnbdroot'],
      [/dracut: Switching root/, 'dracut switched root'],
      [/^init-ltsp: boot phase started/, 'init-ltsp ran'],
      [/^ltsp-agent: boot done: /, 'the agent ran'],
      [/^init-ltsp: handing over to \/sbin\/init/, 'hand-over to init'],
      [/^LTSP-PROOF multi-user /, 'systemd reached multi-user'],
      [/reboot: Power down/, 'powered off'],
    ] as const) {
      expectLine(b, re, what);
    }
    assert.equal(b.timedOut, false, `the guest did not power off within 5 minutes${guestLog(b)}`);
  });
});

// An initramfs that leaves the root read-only, as genkernel's does (the proof's initramfs with
// ltsp.test_rofs=1): init-ltsp must put its own RAM overlay over it, restart itself on the
// merged root, and the client must still boot and log in.
describe('QEMU boot proof with a read-only root (init-ltsp makes it writable)', { skip: unavailable, timeout: 15 * 60_000 }, () => {
  const lab = new BootLab({ run: join(REPO, 'test', 'out', `boot-rofs-${process.pid}`) });
  const booted = bootOnce(lab, async () => {
    lab.build();
    await lab.start(proofLtsConf);
    return lab.boot({ append: 'ltsp.test_rofs=1', timeoutMs: 5 * 60_000 });
  });

  it('overlays the read-only root in init-ltsp, then boots and logs in as usual', () => {
    const b = booted();
    for (const [re, what] of [
      [/^init-ltsp: read-only root: RAM overlay on \S+, restarting on it/, 'init-ltsp overlaid the root'],
      [/^init-ltsp: boot phase started/, 'init-ltsp restarted on the merged root and ran the agent'],
      [/^ltsp-agent: boot done: /, 'the agent ran'],
      [/^LTSP-PROOF login-ended .*result=success/, 'the login ran its session'],
      [/reboot: Power down/, 'powered off'],
    ] as const) {
      expectLine(b, re, what);
    }
    assert.equal(b.timedOut, false, `the guest did not power off within 5 minutes${guestLog(b)}`);
  });
});
