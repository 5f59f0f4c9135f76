// tftp://HOST[:PORT]/PATH (RFC 3617), as admins type it. The path keeps its leading slash
// only when written twice (tftp://host//abs), matching curl; most servers accept both.

export interface TftpUrl {
  readonly host: string;
  readonly port: number;
  readonly path: string;
}

export function parseTftpUrl(url: string): TftpUrl | string {
  const m = /^tftp:\/\/(\[[0-9a-fA-F:.]+\]|[^/:[\]]+)(?::([0-9]{1,5}))?\/(.+)$/.exec(url);
  if (!m) return `not a tftp://HOST[:PORT]/PATH URL: ${url}`;
  const port = m[2] === undefined ? 69 : Number(m[2]);
  if (!(port >= 1 && port <= 65535)) return `bad port in ${url}`;
  let path: string;
  try {
    path = decodeURIComponent(m[3]!);
  } catch {
    return `bad %-escape in ${url}`;
  }
  if (path.includes('\0')) return `NUL in path: ${url}`;
  // RFC 3617 ";mode=" suffix: we always transfer octets.
  path = path.replace(/;mode=[a-z]+$/i, '');
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port, path };
}
