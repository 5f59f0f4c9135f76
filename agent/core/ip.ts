// IP address syntax, as node:net's isIP judges it, without loading node:net (its sockets and
// streams are a measurable part of a short command's start-up, and configuration checks need
// only the syntax).

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const GROUP = /^[0-9A-Fa-f]{1,4}$/;

export function isIPv4(s: string): boolean {
  return IPV4.test(s);
}

/** Full, "::"-compressed and IPv4-tailed forms; no zone index (%eth0). */
export function isIPv6(s: string): boolean {
  if (s.length < 2 || s.length > 45 || s.includes('%')) return false;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!isIPv4(last)) return false;
    all.pop();
    count += 1; // an IPv4 tail takes two groups
  }
  if (!all.every((g) => GROUP.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** 4, 6 or 0 (not an address), like node:net's isIP. */
export function ipVersion(s: string): 0 | 4 | 6 {
  return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0;
}

/** An IPv4 or IPv6 address. */
export function isIP(s: string): boolean {
  return ipVersion(s) !== 0;
}
