// Structured logs with pino. JSON lines by default (for syslog forwarding and machines),
// a short human format on a terminal. Secrets never reach a log: any field whose name says
// PASSWORD/PASSWD/SECRET is masked, and every registered secret value (LDM_PASSWORD, the
// password typed at the greeter) is masked where it appears in a string.
//
// Registered secrets live for the process (LDM_PASSWORD from the login's settings) or for one
// login round (what was typed): the login ends each round with endSecretRound(), so a wrong
// password typed once does not haunt later rounds. A secret is compared as a whole: an argv
// word or environment value that IS a secret is refused (process.ts), and log text masks a
// secret inside other text only when it is long enough not to be an ordinary word (8+
// characters; 4-7 where it stands as a word of its own; shorter ones only as a whole value),
// so a password such as "a" or "/" does not garble every line of the log.

import { fstatSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger };

export type SecretLifetime = 'process' | 'round';
const secrets = new Map<string, SecretLifetime>();
const SECRET_KEY = /pass(word|wd)?$|password|passwd|secret|cookie/i;
const MASK = '***';
/** From this length on a secret is masked inside other text too. */
const SUBSTRING_MASK_LENGTH = 8;
/** From this length on a secret is masked where it stands as a word of its own; shorter ones only as a whole value. */
const WORD_MASK_LENGTH = 4;

/** Treat this value as a secret: masked in logs, refused in argv and environment. Default: until the login round ends. */
export function registerSecret(value: string | undefined, lifetime: SecretLifetime = 'round'): void {
  if (value === undefined || value.length === 0) return;
  if (secrets.get(value) !== 'process') secrets.set(value, lifetime);
}

export function forgetSecret(value: string): void {
  secrets.delete(value);
}

/** A login round is over: forget what was typed in it (process-long secrets stay). */
export function endSecretRound(): void {
  for (const [v, life] of secrets) if (life === 'round') secrets.delete(v);
}

/** True when the value is a registered secret (used to refuse argv words and environment values that would leak one). */
export function isSecretValue(s: string): boolean {
  return secrets.has(s);
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function scrub(s: string): string {
  if (secrets.has(s)) return MASK;
  let out = s;
  for (const v of secrets.keys()) {
    if (!out.includes(v) || v.length < WORD_MASK_LENGTH) continue;
    if (v.length >= SUBSTRING_MASK_LENGTH) out = out.split(v).join(MASK);
    // Short secrets: only where they stand alone (between characters that are no letters or digits).
    else out = out.replace(new RegExp(`(?<![\\p{L}\\p{N}_])${reEscape(v)}(?![\\p{L}\\p{N}_])`, 'gu'), MASK);
  }
  return out;
}

/** Deep copy with secret fields and secret values masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deep]';
  if (typeof value === 'string') return scrub(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { type: value.name, message: scrub(value.message), code: (value as { code?: unknown }).code };
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) && typeof v === 'string' && v !== '' ? MASK : redact(v, depth + 1);
    return out;
  }
  return value;
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** Turns pino's JSON lines into "12:00:01 WARN  [swap] message key=value". */
export function humanStream(out: NodeJS.WritableStream): DestinationStream {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        try {
          const o = JSON.parse(line) as Record<string, unknown>;
          const { level, time, msg, pid: _p, hostname: _h, step, ...rest } = o;
          const t = new Date(Number(time)).toTimeString().slice(0, 8);
          const extra = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          out.write(`${t} ${(LEVELS[Number(level)] ?? String(level)).padEnd(5)} ${step ? `[${String(step)}] ` : ''}${String(msg ?? '')}${extra ? '  ' + extra : ''}\n`);
        } catch {
          out.write(line + '\n');
        }
      }
      cb();
    },
  }) as unknown as DestinationStream;
}

/**
 * The syslog priority sd-daemon(3) reads from a "<N>" at the start of a line written to the
 * journal: pino's fatal 2 (crit), error 3, warn 4, info 6, debug and trace 7.
 */
export function journalPriority(level: number): number {
  if (level >= 60) return 2;
  if (level >= 50) return 3;
  if (level >= 40) return 4;
  if (level >= 30) return 6;
  return 7;
}

/**
 * True when `fd` is the stream systemd connected to the journal: JOURNAL_STREAM holds its
 * "DEVICE:INODE" (systemd.exec(5)); comparing them tells it apart from a terminal or a pipe
 * that a program started by the service inherited instead.
 */
export function isJournalStream(fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const m = /^(\d+):(\d+)$/.exec(env['JOURNAL_STREAM'] ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

/** Prefixes every line with its journal priority ("<3>{...}"), so `journalctl -p err` finds the agent's errors. */
export function journalStream(out: NodeJS.WritableStream): DestinationStream {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      let text = '';
      for (const line of chunk.toString().split('\n')) {
        if (!line) continue;
        const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 30);
        text += `<${journalPriority(level)}>${line}\n`;
      }
      if (text) out.write(text);
      cb();
    },
  }) as unknown as DestinationStream;
}

export interface LogOptions {
  level?: string;
  /** Human format (default: when stderr is a terminal). */
  human?: boolean;
  /** Extra destination, e.g. the syslog forwarder; receives the JSON lines. */
  extra?: DestinationStream;
  destination?: NodeJS.WritableStream;
  /** Journal priority prefixes (default: when the destination is systemd's journal stream). */
  journal?: boolean;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const dest = opts.destination ?? process.stderr;
  const human = opts.human ?? Boolean((dest as { isTTY?: boolean }).isTTY);
  const fd = (dest as { fd?: unknown }).fd;
  const journal = opts.journal ?? (typeof fd === 'number' && isJournalStream(fd));
  const main: DestinationStream = journal ? journalStream(dest) : human ? humanStream(dest) : (dest as unknown as DestinationStream);
  const stream = opts.extra ? pino.multistream([{ stream: main }, { stream: opts.extra }]) : main;
  return pino(
    {
      level: opts.level ?? process.env['LTSP_AGENT_LOG_LEVEL'] ?? 'info',
      base: { pid: process.pid },
      formatters: { log: (o) => redact(o) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    stream,
  );
}

/** A logger that drops everything (pure code and tests that do not care). */
export const silentLogger: Logger = pino({ level: 'silent' });
