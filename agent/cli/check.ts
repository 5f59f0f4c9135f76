// `ltsp-agent config check`: lint an lts.conf before it goes to the server, or in CI. The same
// problems `--dry-run` reports, for one client (--mac/--ip/--hostname) or, by default, for one
// client per section of the file: a [MAC] section is checked as that MAC, an [IP] as that
// address, a [name] or [glob*] as a host of that name, [default] as a client no other section
// names. Exit 1 on errors; with --strict, on warnings too. Notes never fail the check.

import { writeStdout } from './stdout.ts';
import { LtspError, formatProblem, isError, type Problem } from '../core/errors.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { isIPv4 } from '../core/ip.ts';
import { gatherFacts, type FactOverrides } from '../facts/gather.ts';
import { makePlan } from '../boot/make-plan.ts';
import { parseOptions } from './args.ts';
import { CLIENT_OPTIONS, defaultLtsConf, factOverrides, readConfFile } from './dry-run.ts';

export const CHECK_HELP = `Usage: ltsp-agent config check [options]

Checks an lts.conf the way a client would use it and lists every problem: unknown keys
(with the closest real key), values a step refuses, keys LTSP 5 read that ltsp-agent does
not (yet), old names, and keys that have no effect for a client. Nothing is changed.

Without client options, every section of the file is checked as a client it applies to
([00:11:22:33:44:55] as that MAC, [192.168.67.20] as that IP, [pc*] as a host named like
it, [default] as a client no section names).

Options: the client options of --dry-run (--lts-conf, --mac, --ip, --hostname, --server,
--arch, --ram, --cmdline, --root), and
  --strict      exit 1 on warnings too (notes never count)
  --json        the problems as JSON, per client
  -h, --help

Exit status: 0 no errors (and, with --strict, no warnings); 1 problems found; 2 lts.conf
unreadable; 64 usage error.
`;

const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i;

/** A client the section applies to, for checking; undefined for sections only reached by LIKE. */
function identityOf(name: string): FactOverrides & { label: string } {
  if (name.toLowerCase() === 'default') return { label: '[default]', mac: '02:00:00:00:00:99', ip: '192.168.67.99' };
  if (MAC.test(name)) return { label: `[${name}]`, mac: name.toLowerCase(), ip: '192.168.67.99' };
  if (isIPv4(name)) return { label: `[${name}]`, ip: name, mac: '02:00:00:00:00:99' };
  // A host name, maybe a glob: a name it matches (pc* -> pcx, lab?? -> labxx, [ab]* -> a).
  const host = name.replace(/\[!?([^\]])[^\]]*\]/g, '$1').replace(/[*?]/g, 'x').replace(/[^A-Za-z0-9.-]/g, 'x').slice(0, 63) || 'x';
  return { label: `[${name}]`, hostname: host, mac: '02:00:00:00:00:99', ip: '192.168.67.99' };
}

interface ClientReport {
  readonly client: string;
  readonly problems: readonly Problem[];
}

export async function checkCommand(argv: string[], out: (s: string) => void = writeStdout): Promise<number> {
  const a = parseOptions(argv, { values: CLIENT_OPTIONS, flags: ['--json', '--strict', '--help', '-h'] });
  if (a.flags.has('--help') || a.flags.has('-h')) {
    out(CHECK_HELP);
    return 0;
  }
  if (a.positional.length > 0) throw new LtspError('LTSP_USAGE', `unexpected argument ${a.positional[0]}`, {}, 'see ltsp-agent config check --help');
  const file = a.values.get('--lts-conf') ?? defaultLtsConf();
  if (!file) throw new LtspError('LTSP_CONF_UNREADABLE', 'no lts.conf given and examples/lts.conf not found', {}, 'pass --lts-conf FILE');
  const conf: ParsedConf = readConfFile(file);
  const given = factOverrides(a);
  const single = ['--mac', '--ip', '--hostname'].some((f) => a.values.has(f));
  const identities = single ? [{ label: [given.mac, given.ip, given.hostname].filter(Boolean).join(' '), ...given }] : conf.sections.map((s) => ({ ...identityOf(s.name), ...given }));
  if (identities.length === 0) identities.push({ ...identityOf('default'), ...given });

  const root = a.values.get('--root');
  const reports: ClientReport[] = [];
  for (const { label, ...overrides } of identities) {
    const facts = await gatherFacts({ ...(root !== undefined ? { root } : {}), overrides: { hermetic: true, ramMiB: 512, ...overrides } });
    const withName = overrides.hostname ? { ...facts, dhcpHostname: overrides.hostname } : facts;
    const { plan } = makePlan({ facts: withName, conf, source: { used: 'file', location: file, why: 'config check' } });
    reports.push({ client: label, problems: [...plan.problems, ...plan.steps.flatMap((s) => s.problems)] });
  }

  // The same problem found for several clients is one problem: say it once, with its clients.
  const byProblem = new Map<string, { problem: Problem; clients: string[] }>();
  for (const r of reports) {
    for (const p of r.problems) {
      const id = `${p.code}\u0000${p.where.file}\u0000${p.where.line}\u0000${p.where.key}\u0000${p.message}`;
      const e = byProblem.get(id) ?? { problem: p, clients: [] };
      e.clients.push(r.client);
      byProblem.set(id, e);
    }
  }
  const all = [...byProblem.values()];
  const errors = all.filter((e) => isError(e.problem));
  const warnings = all.filter((e) => e.problem.severity === 'warning');
  const notes = all.filter((e) => e.problem.severity === 'info');
  const failed = errors.length > 0 || (a.flags.has('--strict') && warnings.length > 0);

  if (a.flags.has('--json')) {
    out(JSON.stringify({ file, ok: !failed, clients: reports.map((r) => r.client), problems: all.map((e) => ({ ...e.problem, clients: e.clients })) }, null, 2) + '\n');
    return failed ? 1 : 0;
  }
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  const lines = [`${file}: checked as ${n(reports.length, 'client')} (${reports.map((r) => r.client).join(', ')})`];
  const show = (kind: string, list: typeof all) => {
    for (const e of list) lines.push(`  ${kind} ${formatProblem(e.problem)}${e.clients.length < reports.length ? `  (for ${e.clients.join(', ')})` : ''}`);
  };
  show('error:  ', errors);
  show('warning:', warnings);
  show('note:   ', notes);
  lines.push(`${n(errors.length, 'error')}, ${n(warnings.length, 'warning')}, ${n(notes.length, 'note')}${failed ? '' : ': ok'}${a.flags.has('--strict') ? ' (strict)' : ''}`);
  out(lines.join('\n') + '\n');
  return failed ? 1 : 0;
}
