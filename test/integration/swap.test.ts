// NBD swap for real: nbd-server in the server namespace exports `swap`; the agent's swap step,
// run in the client namespace, attaches it (this kernel has no nbd driver, so through nbdfuse
// and a loop device, behind the same attach-nbd action), mkswaps and swapons it, and
// /proc/swaps shows it. Swap is global to the VM: the area is tiny and always switched off.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, readlinkSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasProgram, labUnavailable, withLab } from '../lab/lab.ts';
import { FileSystem } from '../../agent/exec/files.ts';
import { detachAllNbd, detachNbd } from '../../agent/exec/nbd.ts';
import { NBD_SWAP_LINK, planSwap } from '../../agent/steps/swap.ts';
import { Config } from '../../agent/config/config.ts';
import { Executor } from '../../agent/exec/executor.ts';
import type { ClientFacts } from '../../agent/facts/types.ts';
import { labFacts, runSteps, startSwapExport } from './steps-lab.ts';

const missing = ['nbd-server', 'nbdfuse', 'losetup', 'mkswap', 'swapon', 'nsenter'].filter((p) => !hasProgram(p));
const skip = labUnavailable() ?? (missing.length ? `needs ${missing.join(', ')}` : undefined);

const SWAP_BYTES = 16 * 1024 * 1024;

const factsForLocal: Omit<ClientFacts, 'present'> = { dns: [], arch: 'x86_64', ramMiB: 4096, root: { kind: 'local' }, cmdlineKeys: {}, ltspBoot: true };

function activeSwaps(): string[] {
  return readFileSync('/proc/swaps', 'utf8').split('\n').slice(1).map((l) => l.split(/\s+/)[0]!).filter(Boolean);
}

test('NBD swap: the swap step turns the server\'s export into active swap, and detaches cleanly', { skip }, () =>
  withLab(async (lab) => {
    const image = await startSwapExport(lab, SWAP_BYTES);
    const root = join(lab.dir, 'root');
    mkdirSync(root);
    const fs = new FileSystem(root);
    let device: string | undefined;
    try {
      const run = runSteps(lab, {
        root,
        steps: ['swap'],
        config: { NBD_SWAP: 'True', ENCRYPT_SWAP: 'False' },
        facts: labFacts(lab, ['/usr/bin/nbdfuse']),
      });
      assert.equal(run.byStep('swap').outcome, 'ok', run.byStep('swap').reason);
      device = readlinkSync(join(root, NBD_SWAP_LINK));
      assert.match(device, /^\/dev\/(loop|nbd)\d+$/);
      assert.ok(activeSwaps().includes(device), `${device} in /proc/swaps:\n${readFileSync('/proc/swaps', 'utf8')}`);
    } finally {
      if (device && activeSwaps().includes(device)) execFileSync('swapoff', [device]);
      await detachAllNbd(fs); // what shutdown runs after swapoff
    }
    assert.ok(!existsSync(join(root, NBD_SWAP_LINK)), 'the link is gone after detach');
    // The mkswap went over the network into the server's file.
    assert.equal(readFileSync(image).subarray(4086, 4096).toString('latin1'), 'SWAPSPACE2');
  }));

test('NBD swap: with the server down the swap step fails with a reason and the other steps still run', { skip }, () =>
  withLab(async (lab) => {
    const root = join(lab.dir, 'root');
    mkdirSync(root);
    const before = activeSwaps();
    try {
      const run = runSteps(lab, {
        root,
        steps: ['swap', 'machine-id', 'fstab'],
        config: { NBD_SWAP: 'True', ENCRYPT_SWAP: 'False' },
        facts: labFacts(lab, ['/usr/bin/nbdfuse']),
      });
      assert.equal(run.byStep('swap').outcome, 'failed');
      assert.match(run.byStep('swap').reason!, /nbd:\/\/10\.\d+\.0\.1\/swap/);
      assert.equal(run.byStep('machine-id').outcome, 'ok');
      assert.equal(run.byStep('fstab').outcome, 'ok');
      assert.deepEqual(activeSwaps(), before);
    } finally {
      await detachNbd(NBD_SWAP_LINK, new FileSystem(root));
    }
  }));

test('USE_LOCAL_SWAP: a local block device with a swap signature becomes swap through the swapon-local action', { skip: labUnavailable() ?? (hasProgram('blkid') ? undefined : 'needs blkid') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-localswap-'));
  const image = join(dir, 'disk.img');
  let loop: string | undefined;
  try {
    writeFileSync(image, Buffer.alloc(8 * 1024 * 1024), { mode: 0o600 });
    execFileSync('mkswap', [image], { stdio: 'ignore' });
    loop = execFileSync('losetup', ['--find', '--show', image]).toString().trim();
    const plan = planSwap({ config: Config.fromRecord({ USE_LOCAL_SWAP: 'True', ENCRYPT_SWAP: 'False' }), facts: { ...factsForLocal, present: new Set() }, server: '10.0.0.1', hostname: 'pc1' });
    const [result] = await new Executor({ root: dir, runCommands: true }).apply([plan]);
    assert.equal(result!.outcome, 'ok', result!.reason);
    assert.ok(activeSwaps().includes(loop), readFileSync('/proc/swaps', 'utf8'));
  } finally {
    if (loop && activeSwaps().includes(loop)) execFileSync('swapoff', [loop]);
    if (loop) execFileSync('losetup', ['-d', loop]);
    rmSync(dir, { recursive: true, force: true });
  }
});
