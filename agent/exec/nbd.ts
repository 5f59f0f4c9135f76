// Attaching an NBD export as a local block device, and detaching it again.
//
// With the kernel's nbd driver this is what LTSP 5.3+ ran: `nbd-client HOST -N EXPORT /dev/nbdN
// -swap` on the first free /dev/nbd1..15 (nbd0 is the NBD root when there is one). Kernels
// without nbd (this project's lab VM, some distribution kernels) get the same block device from
// user space: nbdfuse serves the export as a file, and a loop device turns the file into a
// block device. Either way the device is linked at a fixed client path for the actions that
// follow (mkswap, cryptsetup, swapon) and recorded in /run/ltsp/nbd/ so that shutdown can
// detach it after swapoff.
//
// Block devices and /sys are the machine's own even under --root: only the link, the record and
// the nbdfuse mount point live under the root.

import { existsSync, promises as fsp } from 'node:fs';
import { basename } from 'node:path';
import { LtspError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import type { Action } from '../plan/actions.ts';
import type { FileSystem } from './files.ts';
import { nbdUri } from '../plan/describe.ts';

export { nbdUri };
import { runProgram, startDaemon } from './process.ts';

export type NbdAttach = Extract<Action, { kind: 'attach-nbd' }>;

/** What was attached, as recorded for detaching. */
export type Attached =
  | { readonly method: 'kernel'; readonly device: string }
  | { readonly method: 'nbdfuse'; readonly device: string; readonly mount: string; readonly pid: number };

const RECORD_DIR = '/run/ltsp/nbd';

/** nbd://host[:port]/export, with an IPv6 host in brackets and the export name escaped. */

/** The nbd-client command LTSP 5.3+ used, for a given device. */
export function nbdClientArgv(a: NbdAttach, device: string): string[] {
  return ['nbd-client', a.host, ...(a.port !== undefined ? [String(a.port)] : []), '-N', a.export, device, ...(a.forSwap ? ['-swap'] : [])];
}

/** The kernel has the nbd driver when its devices exist (the driver makes nbd0..15 at load). */
export function kernelHasNbd(): boolean {
  return existsSync('/sys/block/nbd0');
}

/** The first of /dev/nbd1..15 without a connection (the kernel shows a pid file for connected ones). */
function freeNbdDevice(): string | undefined {
  for (let i = 1; i <= 15; i++) {
    if (existsSync(`/sys/block/nbd${i}`) && !existsSync(`/sys/block/nbd${i}/pid`)) return `/dev/nbd${i}`;
  }
  return undefined;
}

function recordPath(link: string): string {
  return `${RECORD_DIR}/${basename(link)}.json`;
}

async function run(argv: string[], log: Logger, timeoutMs: number): Promise<string> {
  const r = await runProgram(argv, { timeoutMs, log });
  if (r.code !== 0) throw new LtspError('LTSP_EXEC_FAILED', `${argv.join(' ')} exited with ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-2).join(' | ')}`);
  return r.stdout;
}

export async function attachNbd(a: NbdAttach, fs: FileSystem, opts: { log?: Logger; timeoutMs?: number } = {}): Promise<Attached> {
  const log = opts.log ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let attached: Attached;
  if (kernelHasNbd()) {
    const device = freeNbdDevice();
    if (device === undefined) throw new LtspError('LTSP_EXEC_FAILED', 'every /dev/nbd1..15 is in use', { host: a.host });
    await run(nbdClientArgv(a, device), log, timeoutMs);
    attached = { method: 'kernel', device };
  } else {
    attached = await attachThroughFuse(a, fs, log, timeoutMs);
  }
  await fs.symlink(a.link, attached.device);
  await fs.writeAtomic(recordPath(a.link), JSON.stringify({ ...attached, link: a.link, uri: nbdUri(a) }) + '\n');
  log.info({ uri: nbdUri(a), ...attached }, 'NBD export attached');
  return attached;
}

async function attachThroughFuse(a: NbdAttach, fs: FileSystem, log: Logger, timeoutMs: number): Promise<Attached> {
  const mountClient = `${RECORD_DIR}/${basename(a.link)}.mnt`;
  await fs.mkdir(mountClient, 0o700);
  const mount = fs.map(mountClient);
  const file = `${mount}/nbd`;
  // nbdfuse stays in the foreground; it must outlive the agent (it serves the swap), so it
  // is not among the daemons the agent stops, and only the record knows its PID.
  // One connection (-C 1), as nbd-client uses: the loop device sends one stream of requests,
  // and nbdfuse's default of 4 multi-conn connections costs 4 handshakes (200 ms instead of 50).
  const d = startDaemon('nbdfuse', ['nbdfuse', '-C', '1', mount, nbdUri(a)], { log });
  d.child.unref();
  const deadline = Date.now() + timeoutMs;
  let gone = false;
  void d.exited.then(() => (gone = true));
  while (!existsSync(file)) {
    if (gone) throw new LtspError('LTSP_EXEC_FAILED', `nbdfuse could not attach ${nbdUri(a)}`, { host: a.host }, 'check that nbd-server on the host exports it');
    if (Date.now() > deadline) {
      await d.stop();
      throw new LtspError('LTSP_EXEC_TIMEOUT', `nbdfuse did not attach ${nbdUri(a)} within ${timeoutMs} ms`, { host: a.host });
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  try {
    const device = (await run(['losetup', '--find', '--show', file], log, timeoutMs)).trim();
    return { method: 'nbdfuse', device, mount, pid: d.pid };
  } catch (e) {
    await unmount(mount, log);
    await d.stop();
    throw e;
  }
}

async function unmount(mount: string, log: Logger): Promise<void> {
  await runProgram(['umount', mount], { timeoutMs: 10_000, log }).catch(() => undefined);
}

/** Detach what attachNbd recorded for `link` (after swapoff). Missing records are fine. */
export async function detachNbd(link: string, fs: FileSystem, log: Logger = silentLogger): Promise<void> {
  const text = await fs.readText(recordPath(link));
  if (text === undefined) return;
  const rec = JSON.parse(text) as Attached;
  if (rec.method === 'kernel') {
    await runProgram(['nbd-client', '-d', rec.device], { timeoutMs: 10_000, log });
  } else {
    await runProgram(['losetup', '-d', rec.device], { timeoutMs: 10_000, log });
    await unmount(rec.mount, log);
    try {
      process.kill(rec.pid, 'SIGTERM');
    } catch {
      /* nbdfuse exits by itself once unmounted */
    }
  }
  await fs.remove(recordPath(link));
  await fs.remove(link);
  await fsp.rm(fs.map(`${RECORD_DIR}/${basename(link)}.mnt`), { recursive: true, force: true }).catch(() => undefined);
  log.info({ device: rec.device }, 'NBD export detached');
}

/** Shutdown, after `swapoff -a`: detach every export attachNbd recorded, newest first. */
export async function detachAllNbd(fs: FileSystem, log: Logger = silentLogger): Promise<void> {
  const names = await fsp.readdir(fs.map(RECORD_DIR)).catch(() => [] as string[]);
  const links: string[] = [];
  for (const n of names.filter((x) => x.endsWith('.json')).sort().reverse()) {
    const rec = JSON.parse((await fs.readText(`${RECORD_DIR}/${n}`)) ?? '{}') as { link?: string };
    if (typeof rec.link === 'string') links.push(rec.link);
  }
  for (const link of links) {
    try {
      await detachNbd(link, fs, log);
    } catch (e) {
      log.warn({ link, err: String(e) }, 'could not detach an NBD export');
    }
  }
}
