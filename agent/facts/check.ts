// Values from the DHCP lease and the kernel command line are input like lts.conf values: a
// server or a hostile network hands them out. Each is checked for what it is (an address, a
// host name, a domain, an interface name, a boot file path) before it becomes a fact; a bad
// one is dropped with a Problem naming the variable and the file, and the boot goes on
// without it (the next source of that fact, or the default, is used).

import type { Problem } from '../core/errors.ts';
import { isIP, isIPv4 } from '../core/ip.ts';
import { isDnsName } from '../core/names.ts';

export { isDnsName };

/** A Linux interface name: 1-15 characters, no slash, space or colon-led alias tricks. */
export function isInterfaceName(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$/.test(s);
}

/** A netmask as a dotted address or a prefix length. */
export function isNetmask(s: string): boolean {
  return isIPv4(s) || (/^\d{1,2}$/.test(s) && Number(s) <= 32);
}

/** A TFTP boot file path (BOOT_IMAGE, DHCP filename): printable, no spaces, quotes or `..`. */
export function isBootPath(s: string): boolean {
  return s.length > 0 && s.length <= 255 && /^[A-Za-z0-9_./+~:@-]+$/.test(s) && !s.split('/').includes('..');
}

export type FactKind = 'ip' | 'ipv4' | 'host' | 'domain' | 'interface' | 'netmask' | 'boot-path';

const TESTS: Record<FactKind, { test: (s: string) => boolean; what: string }> = {
  ip: { test: (s) => isIP(s), what: 'an IP address' },
  ipv4: { test: isIPv4, what: 'an IPv4 address' },
  host: { test: (s) => isIP(s) || isDnsName(s), what: 'a host name or IP address' },
  domain: { test: isDnsName, what: 'a DNS name' },
  interface: { test: isInterfaceName, what: 'a network interface name' },
  netmask: { test: isNetmask, what: 'a netmask' },
  'boot-path': { test: isBootPath, what: 'a boot file path' },
};

/** Shows a refused value safely: control characters escaped, long values cut. */
function show(v: string): string {
  return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
}

/**
 * Checks one fact. Returns the value when it is what `kind` says, else undefined after
 * recording a problem naming `variable` (e.g. DNSDOMAIN, new_domain_name, ip=) and `file`.
 */
export function checkFact(problems: Problem[], kind: FactKind, value: string | undefined, variable: string, file: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  const t = TESTS[kind];
  if (t.test(value)) return value;
  problems.push({
    code: 'LTSP_FACT_INVALID',
    message: `${show(value)} is not ${t.what}; it is not used`,
    where: { key: variable, file },
    hint: 'check what the DHCP server hands out (or the kernel command line); the boot goes on without this value',
    severity: 'warning',
  });
  return undefined;
}
