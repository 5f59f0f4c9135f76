// `ltsp-agent --dry-run` and `ltsp-agent config explain`: what a given client would do with
// a given lts.conf, without touching this machine.

import { writeStdout } from './stdout.ts';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pushAll } from '../core/arrays.ts';
import { LtspError } from '../core/errors.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { CLIENT_LTSCONF, isMissing, loadLtsConf } from '../config/ltsconf-load.ts';
import { gatherFacts, type FactOverrides } from '../facts/gather.ts';
import type { ClientFacts } from '../facts/types.ts';
import { isIPv4 } from '../core/ip.ts';
import { makePlan } from '../boot/make-plan.ts';
import { isSecretKey } from '../config/keys.ts';
import { planToJson, renderPlan, renderProblems } from '../plan/render.ts';
import type { LtsConfSource } from '../plan/plan.ts';
import { parseOptions, type ParsedArgs } from './args.ts';

export const CLIENT_OPTIONS = ['--lts-conf', '--mac', '--ip', '--hostname', '--server', '--arch', '--ram', '--cmdline', '--root'] as const;

export const DRY_RUN_HELP = `Usage: ltsp-agent --dry-run [options]

Prints the whole boot plan a client would carry out: every file it would write, every
program it would run, every daemon it would start, with the lts.conf keys behind each,
and every problem found in lts.conf. Nothing on this machine is changed.

Options:
  --lts-conf FILE   lts.conf to use (default: examples/lts.conf next to the agent)
  --mac MAC         the client's MAC address   (default: 02:00:00:00:00:01)
  --ip IP           the client's IPv4 address  (default: 192.168.67.20)
  --hostname NAME   the kernel's hostname before lts.conf (default: none)
  --server HOST     the server the client booted from (default: 192.168.67.1)
  --arch ARCH       uname -m of the client (default: this machine's)
  --ram MIB         the client's RAM in MiB (default: 512)
  --cmdline TEXT    the client's kernel command line (ltsp.KEY=value, nbdroot=, ...)
  --root DIR        probe the client chroot at DIR for installed programs, and read its
                    /etc/lts.conf as the boot does when no lts.conf is given (includes
                    beneath DIR)
  --local           play this machine instead of a sample client (its interfaces, /proc)
  --json            the plan as JSON
  -h, --help        this help

Exit status: 0 plan printed (even with lts.conf problems: they are part of the plan),
2 lts.conf cannot be read or is refused, 64 usage error.
`;

export const EXPLAIN_HELP = `Usage: ltsp-agent config explain [options] [KEY...]

Shows, for one client, which lts.conf sections apply and why (exact match, LIKE, glob,
[default]), each resolved value with the section and line that set it and the lines it
overrode, keys removed with NONE, and every problem in the file. With KEYs, only those.

Options: the client options of --dry-run (--lts-conf, --mac, --ip, --hostname, --server,
--cmdline, --local), and --json.
`;

/** examples/lts.conf next to the bundle (dist/..) or in the working directory. */
export function defaultLtsConf(): string | undefined {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  for (const p of [join(here, '..', 'examples', 'lts.conf'), join(process.cwd(), 'examples', 'lts.conf')]) if (existsSync(p)) return resolve(p);
  return undefined;
}

/** The lts.conf given with --lts-conf, with its includes (relative to it, on this machine). */
export function readConfFile(file: string): ParsedConf {
  try {
    return loadLtsConf({ kind: 'host', path: file });
  } catch (e) {
    if (e instanceof LtspError && e.code === 'LTSP_CONF_UNREADABLE') throw new LtspError(e.code, e.message, e.where, 'check the path given with --lts-conf');
    throw e;
  }
}

/** The facts a command line overrides (--mac, --ip, --hostname, --server, --arch, --ram, --cmdline), checked. */
export function factOverrides(a: ParsedArgs): FactOverrides {
  const ram = a.values.get('--ram');
  if (ram !== undefined && !/^\d+$/.test(ram)) throw new LtspError('LTSP_USAGE', `--ram ${ram}: not a number of MiB`);
  const mac = a.values.get('--mac');
  if (mac !== undefined && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) throw new LtspError('LTSP_USAGE', `--mac ${mac}: not a MAC address like 00:11:22:33:44:55`);
  const ip = a.values.get('--ip');
  if (ip !== undefined && !isIPv4(ip)) throw new LtspError('LTSP_USAGE', `--ip ${ip}: not an IPv4 address like 192.168.67.20`);
  const copy = (flag: string, key: 'hostname' | 'server' | 'arch' | 'cmdline') => (a.values.has(flag) ? { [key]: a.values.get(flag)! } : {});
  return {
    ...(mac !== undefined ? { mac } : {}),
    ...(ip !== undefined ? { ip } : {}),
    ...(ram !== undefined ? { ramMiB: Number(ram) } : {}),
    ...copy('--hostname', 'hostname'),
    ...copy('--server', 'server'),
    ...copy('--arch', 'arch'),
    ...copy('--cmdline', 'cmdline'),
  };
}

/** Facts for a sample client on a workstation: flags, else fixed sample values. */
export async function clientFromArgs(a: ParsedArgs): Promise<{ facts: ClientFacts; conf: ParsedConf; source: LtsConfSource }> {
  const root = a.values.get('--root');
  // With --root and no --lts-conf: the chroot's own /etc/lts.conf, read as the boot reads it
  // (includes are client paths beneath the root).
  let chrootConf: ParsedConf | undefined;
  if (root !== undefined && !a.values.has('--lts-conf')) {
    try {
      chrootConf = loadLtsConf({ kind: 'client', root, path: CLIENT_LTSCONF });
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }
  if (root !== undefined && chrootConf !== undefined) {
    const conf = chrootConf;
    const facts = await gatherFacts({ root, overrides: clientOverrides(a) });
    return { facts, conf, source: { used: 'local', location: CLIENT_LTSCONF, why: `the copy in the chroot ${root}` } };
  }
  const file = a.values.get('--lts-conf') ?? defaultLtsConf();
  if (!file) throw new LtspError('LTSP_CONF_UNREADABLE', 'no lts.conf given and examples/lts.conf not found', {}, 'pass --lts-conf FILE');
  const conf = readConfFile(file);
  const facts = await gatherFacts({ ...(root !== undefined ? { root } : {}), overrides: clientOverrides(a) });
  return { facts, conf, source: { used: 'file', location: file, why: a.values.has('--lts-conf') ? 'given with --lts-conf' : 'the bundled example (no --lts-conf given)' } };
}

function clientOverrides(a: ParsedArgs): FactOverrides {
  const local = a.flags.has('--local');
  const overrides: FactOverrides = {
    hermetic: !local,
    ...(local ? {} : { mac: '02:00:00:00:00:01', ip: '192.168.67.20', ramMiB: 512 }),
    ...factOverrides(a),
  };
  return overrides;
}

export async function dryRunCommand(argv: string[], out: (s: string) => void = writeStdout): Promise<number> {
  const a = parseOptions(argv, { values: CLIENT_OPTIONS, flags: ['--json', '--local', '--dry-run', '--help', '-h'] });
  if (a.flags.has('--help') || a.flags.has('-h')) {
    out(DRY_RUN_HELP);
    return 0;
  }
  const { facts, conf, source } = await clientFromArgs(a);
  const { plan } = makePlan({ facts, conf, source });
  out(a.flags.has('--json') ? planToJson(plan) + '\n' : renderPlan(plan));
  return 0;
}

export async function explainCommand(argv: string[], out: (s: string) => void = writeStdout): Promise<number> {
  const a = parseOptions(argv, { values: CLIENT_OPTIONS, flags: ['--json', '--local', '--help', '-h'] });
  if (a.flags.has('--help') || a.flags.has('-h')) {
    out(EXPLAIN_HELP);
    return 0;
  }
  const { facts, conf, source } = await clientFromArgs(a);
  const { client } = makePlan({ facts, conf, source, planners: [] });
  const only = new Set(a.positional.map((k) => k.toUpperCase()));
  const res = client.resolution;
  // A secret's value is never shown (nor what it overrode): only that it is set, and where.
  const shown = (key: string, value: string) => (isSecretKey(key) ? `(secret, ${value.length} characters)` : value);
  const values = (res?.values ?? []).filter((v) => only.size === 0 || only.has(v.key));
  const removed = (res?.removed ?? []).filter((v) => only.size === 0 || only.has(v.key));
  if (a.flags.has('--json')) {
    out(
      JSON.stringify(
        {
          identity: { hostname: client.hostname, ip: facts.ip?.value, mac: facts.mac?.value },
          chain: res?.chain.map((c) => ({ section: c.section.name, line: c.section.line, reason: c.reason })),
          values: values.map((v) => ({ key: v.key, value: shown(v.key, v.value), section: v.section.name, file: v.from.file, line: v.from.line, overridden: v.overridden.map((d) => ({ value: shown(v.key, d.value), line: d.line })) })),
          removed: removed.map((v) => ({ key: v.key, section: v.section.name, line: v.from.line })),
          problems: client.problems,
        },
        null,
        2,
      ) + '\n',
    );
    return 0;
  }
  const lines: string[] = [];
  lines.push(`client ${facts.mac?.value ?? '?'} ${facts.ip?.value ?? '?'} hostname ${client.hostname}; lts.conf ${source.location}`);
  lines.push('sections, highest precedence first:');
  const why = (r: NonNullable<typeof res>['chain'][number]['reason']) =>
    r.kind === 'exact' ? `exact ${r.identity} match` : r.kind === 'glob' ? `glob on the ${r.identity}` : r.kind === 'like' ? `LIKE from [${r.from}]` : 'default';
  for (const c of res?.chain ?? []) lines.push(`  [${c.section.name}]  line ${c.section.line}  (${why(c.reason)})`);
  if ((res?.chain.length ?? 0) === 0) lines.push('  (none)');
  lines.push('values:');
  for (const v of values) {
    lines.push(`  ${v.key}="${shown(v.key, v.value)}"    [${v.section.name}] ${v.from.file}:${v.from.line}`);
    for (const d of v.overridden.slice().reverse()) lines.push(`      overrides "${shown(v.key, d.value)}" from ${d.file}:${d.line}`);
  }
  for (const v of removed) lines.push(`  ${v.key} removed by NONE in [${v.section.name}] ${v.from.file}:${v.from.line}`);
  lines.push('');
  pushAll(lines, renderProblems(client.problems));
  out(lines.join('\n') + '\n');
  return 0;
}
