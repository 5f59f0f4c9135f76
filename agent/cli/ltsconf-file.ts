// lts.conf from a file for the commands that plan on a workstation (login, screen): --lts-conf,
// else /etc/lts.conf where there is one, else none (LTSP 5's defaults). Read through the one
// loader (agent/config/ltsconf-load.ts): a file of this machine, its includes relative to it.

import { existsSync } from 'node:fs';
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
