// 09-hostname: the client's name, /etc/hostname and /etc/hosts.
//
// Name: lts.conf HOSTNAME (first word), else the DHCP host name, else HOSTNAME_BASE ("ltsp")
// followed by HOSTNAME_EXTRA: "ip" (default) the host part of the address (192.168.67.20/24
// -> ltsp20), "mac" the MAC with dashes (ltsp00-11-22-33-44-55).

import type { Problem } from '../core/errors.ts';
import { declareKeys, type KeyReader } from '../config/declare.ts';
import { derived, enumOf, k, T, unset, val } from '../config/key-spec.ts';
import { checkConfigLine, checkDomain, checkHostnameLabel, isHostnameLabel, isIP, isIPv4, read, readFamily, warn } from '../config/values.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { Action } from '../plan/actions.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned } from './step.ts';

export const HOSTNAME_KEYS = declareKeys(
  'hostname',
  {
    HOSTNAME: k('network', T.word, derived('the DHCP host name, else HOSTNAME_BASE plus HOSTNAME_EXTRA'),
      'host name of the client (only the first word counts)'),
    HOSTNAME_BASE: k('network', T.word, val('ltsp'), 'prefix of a generated host name'),
    HOSTNAME_EXTRA: k('network', enumOf('ip', 'mac'), val('ip'),
      'suffix of a generated host name: the host part of the IP address, or the MAC address with dashes'),
    SERVER_NAME: k('network', T.word, val('server'), 'name under which SERVER is listed in /etc/hosts'),
    'HOSTS_<any>': k('network', T.line, unset, 'an extra /etc/hosts line; lines are written in key order'),
  },
  { SEARCH_DOMAIN: T.word },
);

const firstWord = (s: string | undefined) => s?.trim().split(/\s+/)[0] || undefined;

/** The name the client gets (LTSP 5 09-hostname). An unusable HOSTNAME falls through to the next rule; planHostname reports it. */
export function effectiveHostname(config: KeyReader<'HOSTNAME' | 'HOSTNAME_BASE' | 'HOSTNAME_EXTRA'>, facts: ClientFacts): string {
  for (const candidate of [firstWord(config.get('HOSTNAME')), firstWord(facts.dhcpHostname)]) {
    if (candidate !== undefined && isHostnameLabel(candidate)) return candidate;
  }
  const base = config.nonEmpty('HOSTNAME_BASE') ?? 'ltsp';
  const extra = (config.nonEmpty('HOSTNAME_EXTRA') ?? 'ip').toLowerCase();
  let suffix = '';
  if (extra === 'mac' && facts.mac) suffix = facts.mac.value.toLowerCase().replace(/:/g, '-');
  else if (facts.ip && isIPv4(facts.ip.value)) suffix = String(hostPart(facts.ip.value, facts.prefixLength ?? 24));
  const name = `${base}${suffix}`.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 63).replace(/^-+|-+$/g, '');
  return name || 'ltsp';
}

/** The address modulo 2^(32 - prefix): 192.168.67.20/24 -> 20. */
export function hostPart(ip: string, prefixLength: number): number {
  const n = ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = 32 - Math.max(0, Math.min(32, prefixLength));
  return bits === 0 ? 0 : n % 2 ** bits;
}

export const planHostname = definePlanner(HOSTNAME_KEYS, (ctx) => {
  const { config, facts } = ctx;
  const problems: Problem[] = [];
  const asked = firstWord(config.get('HOSTNAME'));
  if (asked !== undefined && !isHostnameLabel(asked)) {
    const r = checkHostnameLabel(config, 'HOSTNAME', asked);
    if (!r.ok) problems.push({ ...r.problem, hint: `${r.problem.hint}; using ${effectiveHostname(config, facts)} instead` });
  }
  const base = config.nonEmpty('HOSTNAME_BASE');
  if (base !== undefined && !/^[A-Za-z0-9-]+$/.test(base)) problems.push(warn(config, 'HOSTNAME_BASE', `"${base}" has characters a host name cannot hold; they became "-"`));
  const extra = config.nonEmpty('HOSTNAME_EXTRA');
  if (extra !== undefined && !/^(ip|mac)$/i.test(extra)) problems.push(warn(config, 'HOSTNAME_EXTRA', `"${extra}" is neither ip nor mac; using ip`));

  const domain = read(config, 'SEARCH_DOMAIN', problems, (c, k, v) => checkDomain(c, k, v.split(/\s+/)[0]!)) ?? facts.dnsDomain;
  const serverName = read(config, 'SERVER_NAME', problems, checkHostnameLabel) ?? 'server';
  const extraHosts = readFamily(config, 'HOSTS_<any>', problems, checkConfigLine);

  // The boot computes ctx.hostname; a name that is not a valid label never reaches a file.
  const name = isHostnameLabel(ctx.hostname) ? ctx.hostname : effectiveHostname(config, facts);
  const keys = ['HOSTNAME', 'HOSTNAME_BASE', 'HOSTNAME_EXTRA'];
  const lines = [
    generatedHeader(),
    '127.0.0.1\tlocalhost',
    `127.0.0.2\t${domain ? `${name}.${domain} ` : ''}${name}`,
  ];
  // /etc/hosts needs an address: a SERVER given by name is left to DNS.
  if (isIP(ctx.server)) lines.push(`${ctx.server}\t${serverName}`);
  lines.push('::1\tlocalhost ip6-localhost ip6-loopback', 'ff02::1\tip6-allnodes', 'ff02::2\tip6-allrouters');
  for (const h of extraHosts) lines.push(h.value);

  const actions: Action[] = [
    { kind: 'set-hostname', hostname: name, keys, why: 'the kernel host name' },
    { kind: 'write-file', path: '/etc/hostname', content: `${name}\n`, keys, why: 'read by init and by programs that start later' },
    {
      kind: 'write-file',
      path: '/etc/hosts',
      content: lines.join('\n') + '\n',
      keys: ['SERVER', 'SERVER_NAME', 'SEARCH_DOMAIN', ...extraHosts.map((h) => h.key)],
      why: 'own name, the server alias and HOSTS_* lines',
    },
  ];
  // Gentoo's OpenRC reads its own file.
  if (present(ctx, '/etc/conf.d')) {
    actions.push({ kind: 'write-file', path: '/etc/conf.d/hostname', content: `hostname="${name}"\n`, keys, why: 'OpenRC (Gentoo) sets the name from this file' });
  }
  return planned('hostname', [], actions, problems);
});
