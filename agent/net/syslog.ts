// The agent's own log to the SYSLOG_HOST servers, over UDP as `*.* @host` forwarding does,
// or over TCP for entries written `@@host[:port]` / `tcp://host[:port]` (rsyslog's syntax).
//
// Pure part: a pino JSON line -> one syslog message, RFC 3164 (what rsyslog's default
// forwarding template and sysklogd send, so the server files it like every other client line)
// or RFC 5424. The socket part is a pino destination stream that sends each message to every
// host and never blocks or fails the agent: a lost log datagram is not a reason to stop a boot.

import { createSocket, type Socket } from 'node:dgram';
import { connect, isIP, type Socket as TcpSocket } from 'node:net';
import { Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { parseSyslogTarget, type SyslogTarget } from '../config/syslog-target.ts';

export { parseSyslogTarget, type SyslogTarget };

export type SyslogFormat = 'rfc3164' | 'rfc5424';

export interface SyslogOptions {
  /** HOSTNAME field: the client's name. */
  hostname: string;
  /** TAG / APP-NAME. */
  tag?: string;
  /** Facility number (default 3, daemon). */
  facility?: number;
  port?: number;
  format?: SyslogFormat;
  /** Clock, for tests. */
  now?: () => Date;
  pid?: number;
}

export interface SyslogMessage {
  readonly facility: number;
  readonly severity: number;
  readonly time: Date;
  readonly hostname: string;
  readonly tag: string;
  readonly pid: number;
  readonly text: string;
}

/** UDP syslog keeps messages small; servers truncate or drop longer ones. */
export const MAX_MESSAGE_BYTES = 2048;

/** pino level -> syslog severity. */
export function severityOf(level: number): number {
  if (level >= 60) return 2; // fatal -> crit
  if (level >= 50) return 3; // error -> err
  if (level >= 40) return 4; // warn -> warning
  if (level >= 30) return 6; // info
  return 7; // debug, trace
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');
/** A field that must be one token: spaces and control characters would shift the header. */
const token = (s: string, fallback: string) => s.replace(/[^\x21-\x7e]/g, '').slice(0, 48) || fallback;
const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ');

function clip(s: string): string {
  const b = Buffer.from(s, 'utf8');
  return b.length <= MAX_MESSAGE_BYTES ? s : b.subarray(0, MAX_MESSAGE_BYTES).toString('utf8').replace(/\uFFFD$/, '');
}

export function formatSyslog(m: SyslogMessage, format: SyslogFormat = 'rfc3164'): string {
  const pri = `<${m.facility * 8 + m.severity}>`;
  const host = token(m.hostname, '-');
  const tag = token(m.tag, 'ltsp-agent');
  const text = oneLine(m.text);
  if (format === 'rfc5424') return clip(`${pri}1 ${m.time.toISOString()} ${host} ${tag} ${m.pid} - - ${text}`);
  // RFC 3164: local time, day of month space-padded.
  const t = m.time;
  const stamp = `${MONTHS[t.getMonth()]} ${String(t.getDate()).padStart(2, ' ')} ${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
  return clip(`${pri}${stamp} ${host} ${tag}[${m.pid}]: ${text}`);
}

/** One pino JSON line -> the message text: msg, then the other fields as key=value. */
export function messageFromPinoLine(line: string, opts: Required<Pick<SyslogOptions, 'hostname' | 'tag' | 'facility' | 'pid'>> & { now: Date }): SyslogMessage | undefined {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trim() ? { facility: opts.facility, severity: 6, time: opts.now, hostname: opts.hostname, tag: opts.tag, pid: opts.pid, text: line.trim() } : undefined;
  }
  const { level, time, msg, pid: _pid, hostname: _h, ...rest } = o;
  const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return {
    facility: opts.facility,
    severity: severityOf(Number(level ?? 30)),
    time: typeof time === 'number' ? new Date(time) : opts.now,
    hostname: opts.hostname,
    tag: opts.tag,
    pid: opts.pid,
    text: [String(msg ?? ''), ...fields].filter(Boolean).join(' '),
  };
}

/**
 * A pino destination that forwards every log line to each SYSLOG_HOST entry (UDP port 514 by
 * default; TCP with newline framing for @@host / tcp://, reconnecting after a failure). Entries
 * that do not parse are ignored here: the syslog step reports them with the key.
 */
export function syslogDestination(hosts: readonly string[], opts: SyslogOptions): DestinationStream & Writable {
  const targets = hosts
    .map(parseSyslogTarget)
    .filter((t): t is SyslogTarget => typeof t !== 'string')
    .map((t) => (opts.port !== undefined && !hosts.some((h) => h.includes(':')) ? { ...t, port: opts.port } : t));
  const udp = new Map<4 | 6, Socket>();
  const udpFor = (host: string): Socket => {
    const family = isIP(host) === 6 ? 6 : 4;
    let s = udp.get(family);
    if (!s) {
      s = createSocket(family === 6 ? 'udp6' : 'udp4');
      s.on('error', () => undefined); // unreachable or unresolvable: the datagram is lost, nothing else
      s.unref();
      udp.set(family, s);
    }
    return s;
  };
  const tcp = new Map<SyslogTarget, TcpSocket>();
  const tcpFor = (t: SyslogTarget): TcpSocket => {
    let s = tcp.get(t);
    if (!s || s.destroyed) {
      s = connect({ host: t.host, port: t.port });
      s.setNoDelay(true);
      s.on('error', () => s!.destroy()); // the next message reconnects; lines sent meanwhile are lost
      s.unref();
      tcp.set(t, s);
    }
    return s;
  };
  const base = { hostname: opts.hostname, tag: opts.tag ?? 'ltsp-agent', facility: opts.facility ?? 3, pid: opts.pid ?? process.pid };
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        const m = messageFromPinoLine(line, { ...base, now: (opts.now ?? (() => new Date()))() });
        if (!m) continue;
        const text = formatSyslog(m, opts.format);
        for (const t of targets) {
          if (t.transport === 'udp') udpFor(t.host).send(Buffer.from(text, 'utf8'), t.port, t.host, () => undefined);
          else tcpFor(t).write(text.replace(/\n/g, ' ') + '\n');
        }
      }
      cb();
    },
    final(cb) {
      for (const s of udp.values()) s.close();
      for (const s of tcp.values()) s.end();
      cb();
    },
  });
  return stream as DestinationStream & Writable;
}
