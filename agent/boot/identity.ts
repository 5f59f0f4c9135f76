// The client's hostname, decided before hostname sections are resolved. LTSP 5 resolved
// lts.conf with whatever hostname the kernel had (often none) and set HOSTNAME afterwards,
// so [hostname] sections only matched by accident (spec §2.3). ltsp-agent resolves once by
// MAC/IP, computes the hostname the way 09-hostname did, then resolves again with it.

import type { Config } from '../config/config.ts';
import type { ClientFacts } from '../facts/types.ts';

/** 09-hostname: HOSTNAME (first word), else DHCP's, else HOSTNAME_BASE + IP host part or MAC. */
export function computeHostname(config: Config, facts: ClientFacts): string {
  const given = (config.nonEmpty('HOSTNAME') ?? facts.dhcpHostname ?? '').trim().split(/\s+/)[0];
  if (given) return given;
  const base = config.nonEmpty('HOSTNAME_BASE') ?? 'ltsp';
  const extra = (config.nonEmpty('HOSTNAME_EXTRA') ?? 'ip').toLowerCase();
  if (extra === 'mac' && facts.mac) return base + facts.mac.value.replace(/:/g, '-');
  if (facts.ip) return base + hostPart(facts.ip.value, facts.prefixLength ?? 24);
  return base;
}

/** The host part of an IPv4 address as a decimal number: 192.168.67.20/24 -> 20. */
export function hostPart(ip: string, prefix: number): number {
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = 32 - Math.max(0, Math.min(32, prefix));
  return bits >= 32 ? n : n % 2 ** bits;
}
