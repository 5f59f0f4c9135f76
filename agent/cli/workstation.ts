// A client as the commands that plan on a workstation see it (login, screen): this machine's
// facts with --hostname/--ip/--mac over them, and lts.conf from --lts-conf, else /etc/lts.conf
// where there is one, else none (LTSP 5's defaults). Read through the one loader
// (agent/config/ltsconf-load.ts): a file of this machine, its includes relative to it.

import { existsSync } from 'node:fs';
import { resolveClient, type ResolvedClient } from '../boot/make-plan.ts';
import { gatherFacts } from '../facts/gather.ts';
import type { ClientFacts } from '../facts/types.ts';
import { loadLtsConf } from '../config/ltsconf-load.ts';
import type { ParsedConf } from '../config/ltsconf-parse.ts';
import { formatProblem } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

export function loadLtsConfFile(file: string | undefined, log: Logger): { conf: ParsedConf | undefined } {
  const path = file ?? (existsSync('/etc/lts.conf') ? '/etc/lts.conf' : undefined);
  if (path === undefined) return { conf: undefined };
  const conf = loadLtsConf({ kind: 'host', path });
  for (const p of conf.problems) log.warn(formatProblem(p));
  return { conf };
}

/** This machine playing a client: facts (with the flags over them) and its resolved lts.conf; problems logged. */
export async function workstationClient(values: ReadonlyMap<string, string>, log: Logger): Promise<{ facts: ClientFacts; client: ResolvedClient }> {
  const hostname = values.get('--hostname');
  const gathered = await gatherFacts({
    overrides: {
      ...(hostname !== undefined ? { hostname } : {}),
      ...(values.has('--ip') ? { ip: values.get('--ip')! } : {}),
      ...(values.has('--mac') ? { mac: values.get('--mac')! } : {}),
    },
  });
  // --hostname is the name this client goes by, as if DHCP had given it (LTSP 5 would otherwise
  // derive "ltspNN" from the address)
  const facts = hostname !== undefined ? { ...gathered, dhcpHostname: hostname } : gathered;
  const { conf } = loadLtsConfFile(values.get('--lts-conf'), log);
  const client = resolveClient(conf, facts);
  for (const p of client.problems) log[p.severity === 'info' ? 'info' : 'warn'](formatProblem(p));
  return { facts, client };
}
