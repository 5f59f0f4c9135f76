// OpenSSH known_hosts, read the way ssh(1) reads it for a host key check (sshd(8) "SSH_KNOWN_HOSTS
// FILE FORMAT"): `[marker] hostpatterns keytype base64key [comment]`, patterns comma separated
// with `*`/`?` wildcards and `!` negation, `[host]:port` for non-22 ports, hashed `|1|salt|hmac`
// names. ltsp-update-sshkeys writes the server's keys under the name `server` into the image's
// /etc/ssh/ssh_known_hosts; the client reaches that name through /etc/hosts, so the login flow
// passes `server` as an alias when it connects to the boot server under its address.
//
// Markers: `@revoked` keys are refused even when another line trusts them; `@cert-authority`
// lines are skipped (host certificates are not supported by ssh2) — a host known only through a
// CA is therefore "unknown", and the error says so.

import { createHash, createHmac } from 'node:crypto';

export interface KnownKey {
  readonly type: string;
  /** The wire-format public key blob (base64-decoded field 3). */
  readonly blob: Buffer;
  readonly marker?: 'revoked' | 'cert-authority';
  readonly file: string;
  readonly line: number;
  readonly patterns: string;
}

export interface KnownHostsFile {
  readonly file: string;
  readonly keys: readonly KnownKey[];
  /** Lines that could not be read, as "file:line: why" (reported, never fatal). */
  readonly problems: readonly string[];
}

export function parseKnownHosts(text: string, file: string): KnownHostsFile {
  const keys: KnownKey[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    let marker: KnownKey['marker'];
    if (f[0]!.startsWith('@')) {
      const m = f.shift()!;
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return void problems.push(`${file}:${i + 1}: unknown marker ${m}`);
    }
    const [patterns, type, b64] = f;
    if (!patterns || !type || !b64) return void problems.push(`${file}:${i + 1}: expected "hosts keytype key"`);
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) return void problems.push(`${file}:${i + 1}: key is not base64`);
    const blob = Buffer.from(b64, 'base64');
    if (blobType(blob) !== type) return void problems.push(`${file}:${i + 1}: key data does not match its type ${type}`);
    keys.push({ type, blob, file, line: i + 1, patterns, ...(marker ? { marker } : {}) });
  });
  return { file, keys, problems };
}

/** The algorithm name at the start of an SSH public key blob. */
export function blobType(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const n = blob.readUInt32BE(0);
  if (n === 0 || n > 64 || 4 + n > blob.length) return undefined;
  return blob.subarray(4, 4 + n).toString('latin1');
}

/** "SHA256:..." as ssh-keygen -lf prints it. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The name ssh looks up: `host`, or `[host]:port` when the port is not 22. */
export function hostKeyName(host: string, port = 22): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function globMatch(pattern: string, s: string): boolean {
  // ssh's match_pattern: `*` any run, `?` one character, case-insensitive for host names.
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(s);
}

function hashedMatch(entry: string, name: string): boolean {
  const parts = entry.split('|'); // "", "1", salt, hash
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2]!, 'base64');
  const want = Buffer.from(parts[3]!, 'base64');
  const got = createHmac('sha1', salt).update(name).digest();
  return got.length === want.length && got.equals(want);
}

/**
 * Whether a comma-separated pattern list names `name` (already in `[host]:port` form). A
 * matching negated pattern wins over everything, as in ssh's match_hostname().
 */
export function patternsMatch(patterns: string, name: string): boolean {
  if (patterns.startsWith('|')) return hashedMatch(patterns, name.toLowerCase());
  let yes = false;
  for (const p of patterns.split(',')) {
    if (p.startsWith('!')) {
      if (globMatch(p.slice(1), name)) return false;
    } else if (globMatch(p, name)) yes = true;
  }
  return yes;
}

export type HostKeyVerdict =
  | { readonly kind: 'match'; readonly key: KnownKey }
  | { readonly kind: 'revoked'; readonly key: KnownKey }
  /** Keys of the same type are known for this host, but not this one. */
  | { readonly kind: 'changed'; readonly known: readonly KnownKey[] }
  /** Nothing usable is known for this host (maybe keys of other types, or only a CA). */
  | { readonly kind: 'unknown'; readonly otherTypes: readonly string[]; readonly onlyCa: boolean };

/** Keys that apply to any of `names` (the host as ssh would name it, plus aliases such as `server`). */
export function keysFor(files: readonly KnownHostsFile[], names: readonly string[]): KnownKey[] {
  return files.flatMap((f) => f.keys.filter((k) => names.some((n) => patternsMatch(k.patterns, n))));
}

/** ssh2 offers these host-key algorithms for a known key type. */
export function algorithmsFor(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

export function verifyHostKey(files: readonly KnownHostsFile[], names: readonly string[], presented: Buffer): HostKeyVerdict {
  const all = keysFor(files, names);
  const revoked = files.flatMap((f) => f.keys).find((k) => k.marker === 'revoked' && k.blob.equals(presented));
  if (revoked) return { kind: 'revoked', key: revoked };
  const plain = all.filter((k) => k.marker === undefined);
  const hit = plain.find((k) => k.blob.equals(presented));
  if (hit) return { kind: 'match', key: hit };
  const type = blobType(presented);
  const sameType = plain.filter((k) => k.type === type);
  if (sameType.length > 0) return { kind: 'changed', known: sameType };
  return {
    kind: 'unknown',
    otherTypes: [...new Set(plain.map((k) => k.type))],
    onlyCa: plain.length === 0 && all.some((k) => k.marker === 'cert-authority'),
  };
}
