// USE_LOCAL_SWAP: swap on the client's own disks. LTSP 5 took MBR partitions of type 82 from
// `sfdisk -l`, which misses GPT swap partitions. Here a block device counts when its partition
// type says swap (MBR 0x82 or the GPT swap GUID) or its content does (a swap signature). The
// type matters for ENCRYPT_SWAP: encrypted swap overwrites the signature with noise, so the next
// boot finds the partition by its type only. blkid probes each device itself (-p): at this point
// of the boot there may be no udev database to ask. Devices already in use are left alone.

import { readFileSync } from 'node:fs';
import { LtspError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { cryptsetupArgv } from '../plan/cryptsetup.ts';
import { runProgram } from './process.ts';

const GPT_SWAP = '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f';

/** Whether `blkid -p -o export` output describes swap, by partition type or signature. */
export function isSwap(blkidExport: string): boolean {
  const v = new Map(blkidExport.split('\n').map((l) => l.split('=', 2) as [string, string]));
  const partType = v.get('PART_ENTRY_TYPE')?.toLowerCase();
  return v.get('TYPE') === 'swap' || partType === '0x82' || partType === GPT_SWAP;
}

function blockDevices(): string[] {
  return readFileSync('/proc/partitions', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.trim().split(/\s+/)[3])
    .filter((n): n is string => n !== undefined && /^[A-Za-z0-9._-]+$/.test(n))
    .map((n) => `/dev/${n}`);
}

function activeSwaps(): Set<string> {
  try {
    return new Set(readFileSync('/proc/swaps', 'utf8').split('\n').slice(1).map((l) => l.split(/\s+/)[0]!).filter(Boolean));
  } catch {
    return new Set();
  }
}

async function must(argv: string[], log: Logger): Promise<void> {
  const r = await runProgram(argv, { timeoutMs: 30_000, log });
  if (r.code !== 0) throw new LtspError('LTSP_EXEC_FAILED', `${argv.join(' ')} exited with ${r.code ?? r.signal}: ${r.stderr.trim()}`);
}

/** The local swap devices not in use yet. */
export async function findLocalSwap(log: Logger = silentLogger): Promise<string[]> {
  const active = activeSwaps();
  const candidates = blockDevices().filter((d) => !active.has(d));
  // One blkid per device: a device blkid may not open (in use, no medium) must not hide the others.
  const probed = await Promise.all(candidates.map((d) => runProgram(['blkid', '-p', '-o', 'export', d], { timeoutMs: 10_000, log })));
  return candidates.filter((_, i) => probed[i]!.code === 0 && isSwap(probed[i]!.stdout));
}

/** swapon every local swap device (through dm-crypt when `encrypt`); returns what is now swap. */
export async function swaponLocal(encrypt: boolean, log: Logger = silentLogger): Promise<string[]> {
  const used: string[] = [];
  for (const [i, dev] of (await findLocalSwap(log)).entries()) {
    let target = dev;
    if (encrypt) {
      const name = `ltsp-swap-local${i}`;
      await must(cryptsetupArgv(dev, name) as string[], log);
      target = `/dev/mapper/${name}`;
      await must(['mkswap', target], log);
    }
    await must(['swapon', target], log);
    used.push(target);
  }
  log.info({ devices: used }, used.length ? 'local swap on' : 'no local swap partition found');
  return used;
}
