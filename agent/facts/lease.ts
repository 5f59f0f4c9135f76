// The DHCP lease the initramfs left behind, in whichever form its DHCP client wrote it:
//   net-IFACE.conf        klibc ipconfig (initramfs-tools; our hooks write this form too)
//   udhcpc.env            busybox udhcpc, dumped by our udhcpc hook
//   net.IFACE.dhcpopts    dracut's dhclient-script (the dhclient new_* variables)
//   dhclient*.lease(s)    ISC dhclient's own lease database (dracut, Red Hat initramfses)
// LTSP 5 sourced the first kind in init-ltsp.d/02-initramfs-env and its Red Hat 00-overlay moved
// the dracut files to /run/ltsp. All become one Lease; a file that cannot be read or parsed is
// passed over, since the interface and the kernel command line still give the essentials.

import { promises as fs } from 'node:fs';
import type { Problem } from '../core/errors.ts';
import type { FileSystem } from '../exec/files.ts';
import { isIPv4 } from '../core/ip.ts';
import { checkFact, type FactKind } from './check.ts';

export interface Lease {
  device?: string;
  ip?: string;
  netmask?: string;
  gateway?: string;
  server?: string;
  hostname?: string;
  dns: string[];
  domain?: string;
  filename?: string;
  /** Values of the lease file that were refused (a domain with shell syntax ...), not used. */
  problems: Problem[];
}

/** Parses KEY='value' / KEY="value" / KEY=value lines (klibc net-*.conf, udhcpc and dracut dumps). */
export function parseShellAssignments(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/^export\s+/, '');
    const eq = line.indexOf('=');
    if (eq <= 0 || line.startsWith('#')) continue;
    const key = line.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) continue;
    let v = line.slice(eq + 1);
    if ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith('"') && v.endsWith('"'))) v = v.slice(1, -1);
    m.set(key, v);
  }
  return m;
}

/**
 * A lease from shell variables: klibc's, udhcpc's or dhclient's (new_*) names. Every value is
 * checked for what it is (agent/facts/check.ts); a refused one is left out and recorded in
 * `problems` with its variable name and `file`, and the next variable naming the same fact
 * is tried.
 */
export function leaseFromAssignments(a: Map<string, string>, file = 'DHCP lease'): Lease {
  const problems: Problem[] = [];
  const pick = (kind: FactKind, keys: string[], first?: (v: string) => string) => {
    for (const k of keys) {
      const raw = a.get(k);
      if (!raw || raw === '0.0.0.0') continue;
      const v = checkFact(problems, kind, first ? first(raw) : raw, k, file);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const firstOfList = (v: string) => v.trim().split(/[\s,]+/)[0]!;
  const dns: string[] = [];
  for (const k of ['IPV4DNS0', 'IPV4DNS1', 'dns', 'new_domain_name_servers']) {
    for (const v of (a.get(k) ?? '').split(/[\s,]+/)) {
      if (v === '' || v === '0.0.0.0') continue;
      const ok = checkFact(problems, 'ipv4', v, k, file);
      if (ok !== undefined) dns.push(ok);
    }
  }
  const lease: Lease = {
    dns: addresses(dns),
    problems,
  };
  const set = <K extends keyof Lease>(key: K, v: Lease[K] | undefined) => {
    if (v !== undefined) lease[key] = v;
  };
  set('device', pick('interface', ['DEVICE', 'interface']));
  set('ip', pick('ipv4', ['IPV4ADDR', 'ip', 'new_ip_address']));
  set('netmask', pick('netmask', ['IPV4NETMASK', 'subnet', 'mask', 'new_subnet_mask']));
  set('gateway', pick('ipv4', ['IPV4GATEWAY', 'router', 'new_routers'], firstOfList));
  set('server', pick('ip', ['ROOTSERVER', 'siaddr', 'serverid', 'new_next_server', 'new_dhcp_server_identifier']));
  set('hostname', pick('domain', ['HOSTNAME', 'hostname', 'new_host_name']));
  // a search list: its first is the domain
  set('domain', pick('domain', ['DNSDOMAIN', 'domain', 'new_domain_name'], (v) => v.trim().split(/\s+/)[0]!));
  set('filename', pick('boot-path', ['filename', 'boot_file', 'FILENAME', 'new_filename']));
  return lease;
}

/**
 * The newest `lease { ... }` block of an ISC dhclient lease file (dhclient appends, so the last
 * one is the lease in force). Undefined when the text holds no complete block.
 */
export function parseDhclientLeases(text: string, file?: string): Lease | undefined {
  let last: Map<string, string> | undefined;
  let current: Map<string, string> | undefined;
  for (const statement of dhclientStatements(text)) {
    if (statement === 'lease {') current = new Map();
    else if (statement === '}') {
      if (current) last = current;
      current = undefined;
    } else if (current) {
      // "option routers 10.0.0.1", "fixed-address 10.0.0.2", "filename "/ltsp/..."", "renew 2 2026/..."
      const m = /^(option\s+)?([a-z0-9-]+)\s+(.*)$/.exec(statement);
      if (m) current.set(m[2]!, unquote(m[3]!));
    }
  }
  if (!last) return undefined;
  // The names dhclient-script hands its hooks (dracut's dhcpopts): "new_" + the option with
  // "_" for "-", fixed-address as new_ip_address. One mapping to a Lease serves both forms.
  const asScriptVariables = [...last].map(([k, v]): [string, string] => [k === 'interface' ? k : k === 'fixed-address' ? 'new_ip_address' : `new_${k.replace(/-/g, '_')}`, v]);
  return leaseFromAssignments(new Map(asScriptVariables), file);
}

/** Statements of a dhclient lease file: `lease {`, `}`, and `key value` without the `;`. */
function* dhclientStatements(text: string): Generator<string> {
  let buf = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      buf += ch;
      if (ch === '\\' && i + 1 < text.length) buf += text[++i];
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      buf += ch;
    } else if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '{' || ch === ';' || ch === '}') {
      const s = buf.trim().replace(/\s+/g, ' ');
      buf = '';
      if (ch === '{') yield `${s} {`;
      else {
        if (s) yield s;
        if (ch === '}') yield '}';
      }
    } else buf += ch;
  }
}

function unquote(v: string): string {
  const t = v.trim();
  if (!t.startsWith('"') || !t.endsWith('"') || t.length < 2) return t;
  return t.slice(1, -1).replace(/\\(.)/g, '$1');
}

function addresses(xs: ReadonlyArray<string | undefined>): string[] {
  return [...new Set(xs.filter((x): x is string => !!x && isIPv4(x) && x !== '0.0.0.0'))];
}

/** Where the initramfs (or LTSP 5's Red Hat overlay script, which moved them) leaves lease files. */
const LEASE_DIRS = ['/run/ltsp', '/run', '/tmp'];

/** In order of preference within a directory: the forms that name the boot server most directly first. */
const LEASE_FILES: ReadonlyArray<{ match: RegExp; parse: (text: string, name: string, file: string) => Lease | undefined }> = [
  { match: /^net-.+\.conf$/, parse: (t, _n, file) => leaseFromAssignments(parseShellAssignments(t), file) },
  { match: /^udhcpc\.env$/, parse: (t, _n, file) => leaseFromAssignments(parseShellAssignments(t), file) },
  { match: /^net\..+\.dhcpopts$/, parse: (t, name, file) => withDevice(leaseFromAssignments(parseShellAssignments(t), file), name.slice('net.'.length, -'.dhcpopts'.length), file) },
  { match: /^dhclient.*\.leases?$/, parse: (t, _n, file) => parseDhclientLeases(t, file) },
];

/** dracut's dhcpopts do not name the interface; its file name does (checked like the rest). */
function withDevice(lease: Lease, device: string, file: string): Lease {
  if (lease.device !== undefined) return lease;
  const problems = [...lease.problems];
  const checked = checkFact(problems, 'interface', device, 'file name', file);
  return { ...lease, ...(checked !== undefined ? { device: checked } : {}), problems };
}

/** The first usable lease under the client's root, or undefined. Never throws. */
export async function readLease(files: FileSystem): Promise<Lease | undefined> {
  for (const dir of LEASE_DIRS) {
    let names: string[];
    try {
      names = (await fs.readdir(files.map(dir))).sort();
    } catch {
      continue;
    }
    for (const kind of LEASE_FILES) {
      for (const name of names.filter((n) => kind.match.test(n))) {
        const text = await files.readText(`${dir}/${name}`).catch(() => undefined);
        const lease = text ? kind.parse(text, name, `${dir}/${name}`) : undefined;
        if (lease?.ip || lease?.server) return lease;
      }
    }
  }
  return undefined;
}
