// Host name syntax, one definition for every input (lts.conf, the DHCP lease, the kernel
// command line, the key checks): RFC 1123 labels, dot-separated DNS names.

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** One label: letters, digits and inner dashes, at most 63 (what `hostname` and /etc/hostname take). */
export function isHostnameLabel(s: string): boolean {
  return LABEL.test(s);
}

/** A DNS name: dot-separated labels, at most 253 characters, a final dot allowed. */
export function isDnsName(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  return name.length > 0 && name.length <= 253 && name.split('.').every(isHostnameLabel);
}
