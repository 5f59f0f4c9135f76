// `getltscfg`, argument- and output-compatible with LTSP 5's, so that scripts doing
// `eval "$(getltscfg -a)"` keep working when the bundle is installed as /usr/bin/getltscfg.
// Differences, all on bad input: syntax errors are reported with file:line and only the bad
// line is skipped (getltscfg dropped the rest of the file); values that would break, expand or
// execute code inside that eval are refused with a message instead of printed (evalHazard).

import { hostname as osHostname } from 'node:os';
import { formatProblem, isLtspError } from '../core/errors.ts';
import { loadLtsConf } from '../config/ltsconf-load.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { resolveLtsConf, type Identity } from '../config/ltsconf-resolve.ts';
import { asciiUpper, byteString } from '../config/fnmatch.ts';
import { firstInterface } from '../facts/gather.ts';

export const GETLTSCFG_HELP = `Usage: getltscfg [options] [keyword]

Prints the lts.conf value of KEYWORD for this client, or with -a every value as
KEY="value" lines followed by "export KEY" lines, as LTSP 5's getltscfg did.

  Options:    [{-c|--configfile} <configfile>]   default /etc/lts.conf
              [{-n|--hostname} <hostname>]       match only this hostname (no IP/MAC)
              [{-a|--all}]
              [{-v|--verbose}]                   show which sections apply
              [{-h|--help}]
              [keyword]

Exit status: 0 success (also when the key is not set), 1 usage error,
2 the file cannot be read, is not a regular file or is too large. Syntax errors
are reported on stderr with file:line; valid lines still count. "include PATH"
is relative to the including file. With -a, a value the shell would expand or
run inside eval ($, backtick, quote, backslash) is not printed; stderr says why.
`;

interface Args {
  file: string;
  hostname?: string;
  all: boolean;
  verbose: boolean;
  key?: string;
}

function parseArgs(argv: string[]): Args | 'help' | string {
  const a: Args = { file: '/etc/lts.conf', all: false, verbose: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const takeValue = (inline: string | undefined): string | undefined => (inline !== undefined && inline !== '' ? inline : argv[++i]);
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
      if (name === '--configfile' || name === '--hostname') {
        const v = takeValue(inline);
        if (v === undefined) return `${name} needs a value`;
        if (name === '--configfile') a.file = v;
        else a.hostname = v;
      } else if (name === '--all') a.all = true;
      else if (name === '--verbose') a.verbose = true;
      else if (name === '--help') return 'help';
      else return `unknown option ${arg}`;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // popt allows bundled flags (-av) and attached values (-cFILE).
      for (let j = 1; j < arg.length; j++) {
        const c = arg[j]!;
        if (c === 'a') a.all = true;
        else if (c === 'v') a.verbose = true;
        else if (c === 'h') return 'help';
        else if (c === 'c' || c === 'n') {
          const v = takeValue(arg.slice(j + 1));
          if (v === undefined) return `-${c} needs a value`;
          if (c === 'c') a.file = v;
          else a.hostname = v;
          break;
        } else return `unknown option -${c}`;
      }
      continue;
    }
    positional.push(arg);
  }
  if (!a.all) {
    if (positional.length === 0) return 'no keyword given';
    a.key = positional[0];
  }
  return a;
}

/** Variables bash makes read-only: assigning one fails, and stops a script that runs under set -e. */
const READ_ONLY = new Set(['UID', 'EUID', 'PPID', 'BASHOPTS', 'SHELLOPTS', 'BASH_VERSINFO']);

/**
 * Why a value cannot be printed inside `eval "$(getltscfg -a)"` (or the unquoted
 * `eval $(getltscfg -a)` LTSP 5's scripts use), or undefined when it can. A printed line is
 * `KEY="value"`, which bash, dash and busybox sh read alike: inside double quotes only `$`, a
 * backtick, a backslash and `"` are special, so a value with none of them, or with a `$` that
 * starts no expansion, is its own bytes; any other is refused, whatever the shell would make of it
 * (commands run by $( ) or backticks, bash's arithmetic in ${A:B} or $(( )) and the array
 * subscripts in it, dash stopping on ${x:y}, an unset $NAME stopping a script under set -u).
 */
export function evalHazard(key: string, value: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return 'the key is not a shell variable name, so "export" would fail';
  if (READ_ONLY.has(key)) return 'the key is a read-only shell variable: assigning it fails and stops a script under set -e';
  if (value.includes('"')) return 'the value contains a double quote, which would end the quoted string early';
  if (value.includes('`') || value.includes('$(')) return 'the value would run a command inside the eval';
  if (/\$[{[]/.test(value)) return 'the value contains ${...} or $[...], which the shell would evaluate (arithmetic, array subscripts) or stop on';
  if (/\$[A-Za-z0-9_@*#?$!-]/.test(value)) return 'the value would expand a shell variable ($NAME), which stops a script under set -u when unset';
  if (value.includes('\\')) return 'the value contains a backslash, which the shell would take as an escape';
  return undefined;
}

export interface GetltscfgIo {
  stdout: (b: Buffer) => void;
  stderr: (s: string) => void;
  /** Identity when -n is not given: hostname, IP and MAC of the first up interface. */
  identity?: () => Identity;
}

const defaultIo: GetltscfgIo = {
  stdout: (b) => process.stdout.write(b),
  stderr: (s) => process.stderr.write(s),
};

export function getltscfg(argv: string[], io: GetltscfgIo = defaultIo): number {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.stderr(GETLTSCFG_HELP);
    return 1; // as LTSP 5's usage()
  }
  if (typeof args === 'string') {
    io.stderr(`getltscfg: ${args}\n\n${GETLTSCFG_HELP}`);
    return 1;
  }
  let conf: ParsedConf;
  try {
    conf = loadLtsConf({ kind: 'host', path: args.file });
  } catch (e) {
    io.stderr(`getltscfg: ${isLtspError(e) ? e.describe() : `cannot read ${args.file}: ${(e as Error).message}`}\n`);
    return 2;
  }
  let identity: Identity;
  if (args.hostname !== undefined) identity = { hostname: args.hostname };
  else if (io.identity) identity = io.identity();
  else {
    const i = firstInterface();
    identity = { hostname: osHostname(), ip: i?.ip ?? '', mac: i?.mac ?? '' };
  }
  const res = resolveLtsConf(conf, identity);
  for (const p of [...conf.problems, ...res.problems]) io.stderr(`getltscfg: ${p.severity === 'warning' ? 'warning: ' : ''}${formatProblem(p)}\n`);
  if (args.verbose) {
    io.stderr(`getltscfg: identity ${JSON.stringify(identity)}\n`);
    for (const c of res.chain) io.stderr(`getltscfg: section [${c.section.name}] (${c.reason.kind}) line ${c.section.line}\n`);
  }
  const enc = (s: string) => Buffer.from(s, conf.latin1 ? 'latin1' : 'utf8');
  if (args.all) {
    const printable = res.values.filter((v) => {
      const hazard = evalHazard(v.key, v.value);
      if (hazard) io.stderr(`getltscfg: ${formatProblem({ code: 'LTSP_VALUE_UNSAFE', message: `not printed: ${hazard}`, where: { key: v.key, file: v.from.file, line: v.from.line } })}\n`);
      return hazard === undefined;
    });
    const out = printable.map((v) => `${v.key}="${v.value}"\n`).join('') + printable.map((v) => `export ${v.key}\n`).join('');
    io.stdout(enc(out));
    return 0;
  }
  // Compared as bytes, as strcasecmp did (the key argument is UTF-8 text, the file may be Latin-1).
  const want = asciiUpper(byteString(args.key!));
  const v = res.values.find((x) => byteString(x.key, conf.latin1) === want);
  if (v) io.stdout(enc(`${v.value}\n`));
  return 0;
}
