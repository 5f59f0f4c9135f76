// USE_LOCAL_SWAP: swap on the client's own disks. LTSP 5 took MBR partitions of type 82 from
// `sfdisk -l`, which misses GPT swap partitions. Here a partition counts when its type says swap
// (MBR 0x82 or the GPT swap GUID) or its content does (a swap signature). The type matters for
// ENCRYPT_SWAP: encrypted swap overwrites the signature with noise, so the next boot finds the
// partition by its type only. Devices already in use are left alone.

import { readFileSync } from 'node:fs';
import { LtspError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { cryptsetupArgv } from '../steps/swap.ts';
import { runProgram } from './process.ts';

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

/** Returns the devices now used as swap. */
const GPT_SWAP = '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f';

/** Devices from `lsblk -rno PATH,PARTTYPE,FSTYPE` output that hold swap by type or signature. */
export function swapDevices(lsblk: string): string[] {
  return lsblk
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([path, type, fstype]) => path?.startsWith('/dev/') && (type === '0x82' || type?.toLowerCase() === GPT_SWAP || fstype === 'swap'))
    .map(([path]) => path!);
}

/** Returns the devices now used as swap. */
export async function swaponLocal(encrypt: boolean, log: Logger = silentLogger): Promise<string[]> {
  const r = await runProgram(['lsblk', '--raw', '--noheadings', '--output', 'PATH,PARTTYPE,FSTYPE'], { timeoutMs: 10_000, log });
  if (r.code !== 0) throw new LtspError('LTSP_EXEC_FAILED', `lsblk exited with ${r.code}: ${r.stderr.trim()}`);
  const active = activeSwaps();
  const devices = swapDevices(r.stdout).filter((d) => !active.has(d));
  const used: string[] = [];
  for (const [i, dev] of devices.entries()) {
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
  return used;
}
