// 10-resolv-conf: name servers and search domain. DNS_SERVER (space separated
// addresses) and SEARCH_DOMAIN, defaulting to what DHCP gave. LTSP 5 also probed the server and
// the gateway with dig when nothing was known; that is I/O at plan time and is left out.
//
// Destination by resolver: systemd-resolved gets a drop-in, resolvconf its "base" file (not
// /run/resolvconf/interface/*, which resolvconf wipes: Debian #701647), otherwise resolv.conf.

import type { Problem } from '../core/errors.ts';
import { checkDomain, checkIP, readList } from '../config/values.ts';
import type { Action } from '../plan/actions.ts';
import { declareKeys } from '../config/declare.ts';
import { derived, k, T } from '../config/key-spec.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

export const DNS_KEYS = declareKeys('dns', {
  SEARCH_DOMAIN: k('network', T.word, derived('the DHCP domain name'),
    'DNS search domain; also makes the client name fully qualified in /etc/hosts'),
  DNS_SERVER: k('network', T.ips, derived('DHCP name servers, else the first of SERVER and the gateway that answers DNS'),
    'name servers for resolv.conf, separated by spaces'),
});

export const planDns = definePlanner(DNS_KEYS, (ctx) => {
  const { config, facts } = ctx;
  const problems: Problem[] = [];
  const fromConf = config.nonEmpty('DNS_SERVER') !== undefined;
  const servers = fromConf ? readList(config, 'DNS_SERVER', problems, checkIP) : facts.dns.filter((d) => d !== '0.0.0.0');
  const domains = config.nonEmpty('SEARCH_DOMAIN') !== undefined ? readList(config, 'SEARCH_DOMAIN', problems, checkDomain) : facts.dnsDomain ? [facts.dnsDomain] : [];
  if (servers.length === 0 && domains.length === 0) return skipped('dns', 'no DNS_SERVER or SEARCH_DOMAIN in lts.conf and none from DHCP', problems);

  const keys = ['DNS_SERVER', 'SEARCH_DOMAIN'];
  let action: Action;
  if (present(ctx, '/etc/systemd/resolved.conf')) {
    const body = ['[Resolve]', ...(servers.length ? [`DNS=${servers.join(' ')}`] : []), ...(domains.length ? [`Domains=${domains.join(' ')}`] : [])];
    action = { kind: 'write-file', path: '/etc/systemd/resolved.conf.d/ltsp.conf', content: [generatedHeader(), ...body].join('\n') + '\n', keys, why: 'systemd-resolved reads its drop-ins' };
  } else {
    const body = [generatedHeader(), ...(domains.length ? [`search ${domains.join(' ')}`] : []), ...servers.slice(0, 3).map((s) => `nameserver ${s}`)].join('\n') + '\n';
    action = present(ctx, '/sbin/resolvconf')
      ? { kind: 'write-file', path: '/etc/resolvconf/resolv.conf.d/base', content: body, keys, why: 'resolvconf builds resolv.conf from this file' }
      : { kind: 'write-file', path: '/etc/resolv.conf', content: body, keys, why: 'the C library resolver reads it' };
  }
  if (servers.length > 3) problems.push({ code: 'LTSP_VALUE_INVALID', message: `${servers.length} name servers; the resolver uses only the first 3`, where: config.where('DNS_SERVER'), severity: 'warning' });
  return planned('dns', [], [action], problems);
});
