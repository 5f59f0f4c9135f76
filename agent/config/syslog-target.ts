// SYSLOG_HOST entries. LTSP 5 took bare hosts (UDP 514); rsyslog admins also write its own
// forms, which ltsp-agent accepts: `@host` (UDP), `@@host` (TCP), a port, and tcp:// udp://.

import { ipVersion } from '../core/ip.ts';

/** One SYSLOG_HOST entry: where and how to send. */
export interface SyslogTarget {
  readonly host: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
}

const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/**
 * Parses a SYSLOG_HOST entry: `host`, `host:port`, `[v6addr]:port`, `@host[:port]` (UDP),
 * `@@host[:port]` (TCP), `udp://host[:port]`, `tcp://host[:port]`. A string is the reason the
 * entry is refused.
 */
export function parseSyslogTarget(entry: string): SyslogTarget | string {
  let rest = entry;
  let transport: 'udp' | 'tcp' = 'udp';
  if (rest.startsWith('@@')) (transport = 'tcp'), (rest = rest.slice(2));
  else if (rest.startsWith('@')) rest = rest.slice(1);
  else if (/^tcp:\/\//i.test(rest)) (transport = 'tcp'), (rest = rest.slice(6));
  else if (/^udp:\/\//i.test(rest)) rest = rest.slice(6);
  let host = rest;
  let port = 514;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) {
    host = v6[1]!;
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if (ipVersion(rest) !== 6) {
    const m = /^([^:]+):(\d+)$/.exec(rest);
    if (m) {
      host = m[1]!;
      port = Number(m[2]);
    } else if (rest.includes(':')) return `"${entry}" is not host, host:port or [IPv6]:port`;
  }
  if (!(port >= 1 && port <= 65535)) return `"${entry}": port ${port} is out of range`;
  if (ipVersion(host) === 0 && !DNS_NAME.test(host)) return `${host === entry ? '' : `"${entry}": `}"${host}" is not a valid host name or IP address`;
  return { host, port, transport };
}

