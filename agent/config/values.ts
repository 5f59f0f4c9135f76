// Checks for lts.conf values, one per destination. LTSP 5 pasted values into shell code and
// config files as they came; here a value reaches a file or an argv only after the check for
// THAT destination accepted it (a hostname label, a path inside the chroot, one crontab line...).
// A refusal is a Problem naming the key and its file:line, so the admin can find it; the step
// then leaves that value out and goes on with the rest.
//
// The checks accept what real lts.conf files contain and refuse what cannot be meant:
// newlines, NUL and other control characters, quotes where the destination has no escaping,
// shell syntax where a shell would see it, `..` in paths.

import type { Problem } from '../core/errors.ts';
import { isIP, isIPv4 } from '../core/ip.ts';
import { isDnsName, isHostnameLabel } from '../core/names.ts';
// Checks take any KeyReader: the whole configuration, or a planner's scoped view of it.
import type { KeyReader as Config } from './declare.ts';

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: Problem };

export const ok = <T>(value: T): Checked<T> => ({ ok: true, value });

/** A refusal naming the key (and its file:line when it came from lts.conf). */
export function refuse<T = never>(config: Config, key: string, message: string, hint: string): Checked<T> {
  return { ok: false, problem: refusal(config, key, message, hint) };
}

/** The problem of a refusal, for a planner that refuses part of a value and goes on with the rest. */
export function refusal(config: Config, key: string, message: string, hint: string): Problem {
  return { code: 'LTSP_VALUE_UNSAFE', message, where: config.where(key), hint, severity: 'error' };
}

/** A value that is well formed but cannot be used as asked (the step says what it does instead). */
export function warn(config: Config, key: string, message: string, hint?: string): Problem {
  return { code: 'LTSP_VALUE_INVALID', message, where: config.where(key), hint, severity: 'warning' };
}

/** Shows a refused value safely in a message: control characters escaped, long values cut. */
export function show(value: string): string {
  return JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value);
}

const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/; // tab allowed; newline, CR, NUL and the rest not

function lineProblem(value: string): string | undefined {
  if (value.includes('\n') || value.includes('\r')) return 'contains a line break';
  if (value.includes('\u0000')) return 'contains a NUL byte';
  if (CONTROL.test(value)) return 'contains a control character';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Network names

export { isHostnameLabel, isIP, isIPv4 };

/** An IPv4/IPv6 address or a DNS name (SERVER, NBD_SWAP_HOST, SYSLOG_HOST, TIMESERVER). */
export function checkHost(config: Config, key: string, value: string): Checked<string> {
  if (isIP(value) || isDnsName(value)) return ok(value);
  return refuse(config, key, `${show(value)} is not a host name or IP address`, `set ${key} to a name like ltsp-server or an address like 192.168.67.1`);
}

/** An IP address only (DNS_SERVER entries, PulseAudio's auth-ip-acl). */
export function checkIP(config: Config, key: string, value: string): Checked<string> {
  if (isIP(value)) return ok(value);
  return refuse(config, key, `${show(value)} is not an IP address`, `set ${key} to addresses like 192.168.67.1`);
}

/** One hostname label, as `hostname` and /etc/hostname take it (RFC 1123). */
export function checkHostnameLabel(config: Config, key: string, value: string): Checked<string> {
  if (isHostnameLabel(value)) return ok(value);
  return refuse(config, key, `${show(value)} is not a valid host name (letters, digits and '-', at most 63)`, `set ${key} to a name like pc01`);
}

/** A DNS domain (SEARCH_DOMAIN entries). */
export function checkDomain(config: Config, key: string, value: string): Checked<string> {
  if (isDnsName(value)) return ok(value.replace(/\.$/, ''));
  return refuse(config, key, `${show(value)} is not a DNS domain`, `set ${key} to a domain like school.lan`);
}

// ---------------------------------------------------------------------------------------------
// Paths and files

/** An absolute path inside the client's root: no `..`, no control characters, no quotes. */
export function checkClientPath(config: Config, key: string, value: string): Checked<string> {
  const bad = lineProblem(value);
  if (bad) return refuse(config, key, `path ${show(value)} ${bad}`, `set ${key} to an absolute path in the client chroot`);
  if (!value.startsWith('/')) return refuse(config, key, `${show(value)} is not an absolute path`, `set ${key} to a path that starts with /`);
  if (value.split('/').includes('..')) return refuse(config, key, `${show(value)} leaves its directory with ".."`, `set ${key} to a path without ".."`);
  if (/["'\\]/.test(value)) return refuse(config, key, `${show(value)} contains a quote or backslash`, `rename the file or set ${key} to a path without quotes`);
  return ok(value);
}

/** One line of a config file whose syntax the destination parses itself (fstab, hosts): no line breaks. */
export function checkConfigLine(config: Config, key: string, value: string): Checked<string> {
  const bad = lineProblem(value);
  if (bad) return refuse(config, key, `${show(value)} ${bad}`, `${key} must be one line`);
  return ok(value.trim());
}

// ---------------------------------------------------------------------------------------------
// Commands

/** Characters an argv word may hold without any quoting in any shell or config file. */
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./~^-]+$/;
const SHELL_SYNTAX = /[$`;|&<>(){}\\"'*?[\]!#]/;

/**
 * A command line as whitespace-separated plain words: the program and its arguments. It is run
 * as argv, never by a shell, and when it is written into a shell file (rc.local, cron) every word
 * is one that no shell would change. `$(...)`, quotes, `;`, redirections and globs are refused.
 */
export function checkCommand(config: Config, key: string, value: string): Checked<string[]> {
  const bad = lineProblem(value);
  if (bad) return refuse(config, key, `command ${show(value)} ${bad}`, `${key} must be one command on one line`);
  const words = value.trim().split(/[ \t]+/).filter((w) => w.length > 0);
  if (words.length === 0) return refuse(config, key, 'the command is empty', `set ${key} to a program and its arguments, or remove it`);
  if (OPTION_LIKE.test(words[0]!)) return refuse(config, key, `${show(value)} starts with an option (${show(words[0]!)}), not a program`, `set ${key} to a program and its arguments, like "/usr/local/sbin/lab-setup --quiet"`);
  for (const w of words) {
    if (!PLAIN_WORD.test(w) || SHELL_SYNTAX.test(w)) {
      return refuse(
        config,
        key,
        `${show(w)} in ${show(value)} has shell syntax or quoting; the agent runs commands without a shell`,
        `put shell code into a script in the client chroot and set ${key} to that script's path`,
      );
    }
  }
  return ok(words);
}

/**
 * Argument positions. A value that starts with `-` would be read as an option by the program
 * it is passed to (`modprobe -r`, `setxkbmap -print`, `ntpdate -d`), whatever check comes
 * after it. Every check for a value that lands in an argv refuses a leading `-`; the program's
 * own `--` is added where it has one (modprobe).
 */
const OPTION_LIKE = /^-/;

/** One argument word (setxkbmap values, nbd export names...): plain characters only. */
export function checkWord(config: Config, key: string, value: string): Checked<string> {
  if (PLAIN_WORD.test(value) && !SHELL_SYNTAX.test(value) && !OPTION_LIKE.test(value)) return ok(value);
  return refuse(config, key, `${show(value)} is not a plain word`, `set ${key} to letters, digits and . _ - : , + only`);
}

/** `modprobe` arguments: a module name, then name=value options. */
export function checkModule(config: Config, key: string, value: string): Checked<string[]> {
  const words = checkCommand(config, key, value);
  if (!words.ok) return words;
  const [name, ...opts] = words.value;
  // a module name never starts with "-": "-r snd_hda_intel" would unload, "-d /tmp x" load from /tmp
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(name!)) {
    return refuse(config, key, `${show(name!)} is not a module name`, `set ${key} to a module name and its options, like "snd-hda-intel model=auto"`);
  }
  const badOpt = opts.find((o) => !/^[A-Za-z0-9_][A-Za-z0-9_.-]*(=[A-Za-z0-9_.,:+-]*)?$/.test(o));
  if (badOpt !== undefined) return refuse(config, key, `${show(badOpt)} is not a module option (name=value)`, `write module options as name=value`);
  return ok([name!, ...opts]);
}

// One crontab time field: *, numbers or 3-letter names, ranges, steps and lists ("*/5", "8-17", "mon-fri", "1,15").
const CRON_ELEMENT = String.raw`(?:\*|(?:\d+|[A-Za-z]{3})(?:-(?:\d+|[A-Za-z]{3}))?)(?:/\d+)?`;
const CRON_FIELD = new RegExp(`^${CRON_ELEMENT}(?:,${CRON_ELEMENT})*$`);
const CRON_MACRO = /^@(reboot|yearly|annually|monthly|weekly|daily|midnight|hourly)$/;
const USER_NAME = /^[a-z_][a-z0-9_-]{0,31}$/;

/** A /etc/cron.d line: five time fields (or an @macro), a user, and a plain command. */
export function checkCrontabLine(config: Config, key: string, value: string): Checked<string> {
  const bad = lineProblem(value);
  if (bad) return refuse(config, key, `crontab line ${show(value)} ${bad}`, `${key} must be one crontab line`);
  const f = value.trim().split(/[ \t]+/);
  const nTime = CRON_MACRO.test(f[0] ?? '') ? 1 : 5;
  const time = f.slice(0, nTime);
  const user = f[nTime];
  const cmd = f.slice(nTime + 1);
  if (time.length < nTime || (nTime === 5 && !time.every((t) => CRON_FIELD.test(t)))) {
    return refuse(config, key, `${show(value)} does not start with five cron time fields or an @macro`, `write ${key} as "MIN HOUR DOM MON DOW user command"`);
  }
  if (user === undefined || !USER_NAME.test(user)) {
    return refuse(config, key, `${show(value)} has no valid user field`, `/etc/cron.d lines name the user after the time fields, e.g. "0 7 * * * root /usr/sbin/ntpdate server"`);
  }
  if (cmd.length === 0) return refuse(config, key, `${show(value)} has no command`, `add the command to ${key}`);
  // cron turns every unescaped % of the command into a line break and the text after the first
  // into the command's standard input; a backslash escape would be shell syntax, refused anyway
  if (cmd.some((w) => w.includes('%'))) {
    return refuse(config, key, `${show(value)} has a % in its command, which cron turns into a line break and standard input`, `put the command into a script in the client chroot (date +%F works there) and name the script in ${key}`);
  }
  const command = checkCommand(config, key, cmd.join(' '));
  if (!command.ok) return command;
  return ok([...time, user, ...command.value].join(' '));
}

/** HH:MM (SHUTDOWN_TIME). */
export function checkClockTime(config: Config, key: string, value: string): Checked<{ hour: number; minute: number }> {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
  if (!m) return refuse(config, key, `${show(value)} is not a time of day HH:MM`, `set ${key} like 22:30`);
  return ok({ hour: Number(m[1]), minute: Number(m[2]) });
}

/** A zoneinfo name such as Europe/Paris or UTC. */
export function checkTimezone(config: Config, key: string, value: string): Checked<string> {
  if (/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(value)) return ok(value);
  return refuse(config, key, `${show(value)} is not a time zone name`, `set ${key} to a name under /usr/share/zoneinfo, like Europe/Berlin`);
}

// ---------------------------------------------------------------------------------------------
// xorg.conf

/**
 * A string that goes between double quotes in xorg.conf. The format has no escape for `"`, and
 * a line break would end the entry; both are refused, and so is `\`, which some parsers read.
 */
export function checkXorgString(config: Config, key: string, value: string): Checked<string> {
  const bad = lineProblem(value);
  if (bad) return refuse(config, key, `${show(value)} ${bad}`, `${key} must be one line`);
  if (/["\\]/.test(value)) return refuse(config, key, `${show(value)} contains a quote or backslash, which xorg.conf cannot hold in a string`, `remove the quotes from ${key}`);
  return ok(value);
}

/** XKB names (layouts "de,us", options "grp:alt_shift_toggle,ctrl:nocaps", variants "nodeadkeys"). */
export function checkXkb(config: Config, key: string, value: string): Checked<string> {
  if (/^[A-Za-z0-9_+:,()-]+$/.test(value) && !OPTION_LIKE.test(value)) return ok(value);
  return refuse(config, key, `${show(value)} is not an XKB name`, `set ${key} like "de", "de,us" or "grp:alt_shift_toggle"`);
}

/**
 * X_OPTION_xx / X_MONITOR_OPTION_xx: `"Name" "Value"` (or `"Name"`), as LTSP pasted after
 * `Option`. lts.conf's greedy quoting keeps the inner quotes. Rebuilt from the parsed parts.
 */
export function checkXorgOption(config: Config, key: string, value: string): Checked<{ name: string; value?: string }> {
  const bad = lineProblem(value);
  if (bad) return refuse(config, key, `${show(value)} ${bad}`, `${key} must be one line`);
  const m = /^\s*"?([A-Za-z0-9_ -]+?)"?(?:\s+"([^"\\]*)"|\s+([^"\s\\]+))?\s*$/.exec(value);
  if (!m) return refuse(config, key, `${show(value)} is not an Option "Name" "Value" pair`, `write ${key} as "Name" "Value", e.g. "AccelMethod" "XAA"`);
  return ok({ name: m[1]!, ...(m[2] ?? m[3] ? { value: (m[2] ?? m[3])! } : {}) });
}

// ---------------------------------------------------------------------------------------------

/** Reads `key` (when set) through `check`; on refusal records the problem and yields undefined. */
export function read<T>(
  config: Config,
  key: string,
  problems: Problem[],
  check: (config: Config, key: string, value: string) => Checked<T>,
): T | undefined {
  const v = config.nonEmpty(key);
  if (v === undefined) return undefined;
  const r = check(config, key, v);
  if (!r.ok) {
    problems.push(r.problem);
    return undefined;
  }
  return r.value;
}

/** Every value of a key family through `check`, refused ones left out (and reported). */
export function readFamily<T>(
  config: Config,
  pattern: string,
  problems: Problem[],
  check: (config: Config, key: string, value: string) => Checked<T>,
): Array<{ key: string; value: T }> {
  const out: Array<{ key: string; value: T }> = [];
  for (const [key, v] of config.family(pattern)) {
    if (v === '') continue;
    const r = check(config, key, v);
    if (r.ok) out.push({ key, value: r.value });
    else problems.push(r.problem);
  }
  return out;
}

/** Every entry of a whitespace-separated list (DNS_SERVER, SYSLOG_HOST) through `check`. */
export function readList<T>(
  config: Config,
  key: string,
  problems: Problem[],
  check: (config: Config, key: string, value: string) => Checked<T>,
): T[] {
  const out: T[] = [];
  for (const v of config.list(key)) {
    const r = check(config, key, v);
    if (r.ok) out.push(r.value);
    else problems.push(r.problem);
  }
  return out;
}

/** Config.int without the throw: a bad number becomes a problem and the fallback is used. */
export function readInt(config: Config, key: string, problems: Problem[], range: { min?: number; max?: number }, fallback: number): number;
export function readInt(config: Config, key: string, problems: Problem[], range: { min?: number; max?: number }): number | undefined;
export function readInt(config: Config, key: string, problems: Problem[], range: { min?: number; max?: number }, fallback?: number): number | undefined {
  try {
    return config.int(key, range) ?? fallback;
  } catch (e) {
    const err = e as { message: string; hint?: string };
    problems.push({ code: 'LTSP_VALUE_INVALID', message: err.message, where: config.where(key), hint: err.hint, severity: 'error' });
    return fallback;
  }
}
