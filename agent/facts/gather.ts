// Gathers ClientFacts from the running system (or from a --root tree and flags on a
// workstation). Reads only; every fact can be overridden, and each records its source.

import { networkInterfaces, hostname as osHostname, machine, totalmem } from 'node:os';
import { FileSystem } from '../exec/files.ts';
import type { Problem } from '../core/errors.ts';
import { checkFact } from './check.ts';
import { CMDLINE_FILE, isIPv4, parseCmdline, type KernelCmdline } from './cmdline.ts';
import { readLease } from './lease.ts';
import { PROBED_PATHS, TYPICAL_CHROOT, type ClientFacts, type Sourced } from './types.ts';

export interface FactOverrides {
  mac?: string;
  ip?: string;
  hostname?: string;
  server?: string;
  arch?: string;
  ramMiB?: number;
  /** Kernel command line text instead of /proc/cmdline. */
  cmdline?: string;
  /** Ignore this machine's interfaces, /proc and leases (a workstation playing a client). */
  hermetic?: boolean;
}

/** LTSP 5's last-resort server address (init-ltsp.d/04-server). */
export const FALLBACK_SERVER = '192.168.67.1';

function prefixFromNetmask(mask: string | undefined): number | undefined {
  if (!mask) return undefined;
  if (/^\d+$/.test(mask)) return Number(mask);
  if (!isIPv4(mask)) return undefined;
  return mask
    .split('.')
    .map(Number)
    .reduce((n, o) => n + (o.toString(2).match(/1/g)?.length ?? 0), 0);
}

/** First up, non-loopback IPv4 interface (getltscfg's GetAddrs). */
export function firstInterface(): { device: string; ip: string; mac: string; prefix: number } | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        return { device: name, ip: a.address, mac: a.mac.toLowerCase(), prefix: Number(a.cidr?.split('/')[1] ?? 24) };
      }
    }
  }
  return undefined;
}

export function macOf(device: string): string | undefined {
  for (const a of networkInterfaces()[device] ?? []) if (a.mac && a.mac !== '00:00:00:00:00:00') return a.mac.toLowerCase();
  return undefined;
}

async function memTotalMiB(files: FileSystem): Promise<number> {
  const text = await files.readText('/proc/meminfo').catch(() => undefined);
  const kb = text ? /MemTotal:\s+(\d+)/.exec(text)?.[1] : undefined;
  return kb ? Math.floor(Number(kb) / 1024) : Math.floor(totalmem() / 1024 / 1024);
}

export async function gatherFacts(opts: { root?: string; overrides?: FactOverrides } = {}): Promise<ClientFacts> {
  const o = opts.overrides ?? {};
  const files = new FileSystem(opts.root ?? '/');
  const hermetic = o.hermetic ?? false;
  const sys = new FileSystem('/');
  const cmdText = o.cmdline ?? (hermetic ? '' : ((await sys.readText('/proc/cmdline').catch(() => undefined)) ?? ''));
  const cmd: KernelCmdline = parseCmdline(cmdText);
  const lease = hermetic && opts.root === undefined ? undefined : await readLease(files);
  const problems: Problem[] = [...cmd.problems, ...(lease?.problems ?? [])];
  const iface = hermetic ? undefined : firstInterface();

  const src = <T>(value: T | undefined, source: Sourced<T>['source']): Sourced<T> | undefined =>
    value === undefined || value === '' ? undefined : { value, source };

  const device = src(o.hermetic ? undefined : (cmd.ip?.device ?? lease?.device ?? iface?.device), cmd.ip?.device ? 'cmdline' : lease?.device ? 'lease' : 'interface');
  const ip =
    src(o.ip, 'flag') ??
    src(cmd.ip?.client, 'cmdline') ??
    src(lease?.ip, 'lease') ??
    src(iface?.ip, 'interface');
  const mac =
    src(o.mac?.toLowerCase(), 'flag') ??
    src(cmd.bootif, 'cmdline') ??
    src(device && !hermetic ? macOf(device.value) : undefined, 'interface') ??
    src(iface?.mac, 'interface');
  const kernelHostname = src(o.hostname, 'flag') ?? (hermetic ? undefined : src(osHostname(), 'system'));

  // 04-server: ltsp.server, then the NBD/NFS root server, then DHCP, then 192.168.67.1.
  const rootServer = cmd.root?.kind === 'nbd' ? cmd.root.host : cmd.root?.kind === 'nfs' ? cmd.root.server : undefined;
  const server =
    src(o.server, 'flag') ??
    src(checkFact(problems, 'host', cmd.ltspKeys['SERVER'], 'ltsp.server', CMDLINE_FILE), 'cmdline') ??
    src(rootServer, 'cmdline') ??
    src(cmd.ip?.server, 'cmdline') ??
    src(lease?.server, 'lease') ??
    { value: FALLBACK_SERVER, source: 'default' as const };

  const assumed = hermetic && opts.root === undefined;
  const present = new Set<string>(assumed ? TYPICAL_CHROOT : []);
  if (!assumed) {
    await Promise.all(
      PROBED_PATHS.map(async (p) => {
        if (await files.exists(p)) present.add(p);
      }),
    );
  }

  return {
    ...(mac ? { mac } : {}),
    ...(ip ? { ip } : {}),
    prefixLength: prefixFromNetmask(cmd.ip?.netmask ?? lease?.netmask) ?? iface?.prefix ?? 24,
    ...(device ? { device } : {}),
    ...(kernelHostname ? { kernelHostname } : {}),
    ...(lease?.hostname ?? cmd.ip?.hostname ? { dhcpHostname: (lease?.hostname ?? cmd.ip?.hostname)! } : {}),
    server,
    ...(cmd.ip?.gateway ?? lease?.gateway ? { gateway: (cmd.ip?.gateway ?? lease?.gateway)! } : {}),
    dns: lease?.dns ?? [],
    ...(lease?.domain ? { dnsDomain: lease.domain } : {}),
    ...(cmd.bootImage ? { bootImage: cmd.bootImage } : {}),
    ...(lease?.filename ? { dhcpFilename: lease.filename } : {}),
    arch: o.arch ?? machine(),
    ramMiB: o.ramMiB ?? (hermetic ? 1024 : await memTotalMiB(sys)),
    root: cmd.root ?? { kind: 'local' },
    cmdlineKeys: cmd.ltspKeys,
    ltspBoot: cmd.ltspBoot,
    present,
    presentSource: assumed ? 'assumed' : 'probed',
    ...(problems.length > 0 ? { problems } : {}),
  };
}
