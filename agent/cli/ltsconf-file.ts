// lts.conf from a file for the commands that plan on a workstation (login, screen): --lts-conf,
// else /etc/lts.conf where there is one, else none (LTSP 5's defaults).

import { existsSync, readFileSync } from 'node:fs';
import { parseLtsConf } from '../config/ltsconf-parse.ts';
import { LtspError, formatProblem } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';

export function loadLtsConfFile(file: string | undefined, log: Logger): { conf: ReturnType<typeof parseLtsConf> | undefined } {
  const path = file ?? (existsSync('/etc/lts.conf') ? '/etc/lts.conf' : undefined);
  if (path === undefined) return { conf: undefined };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new LtspError('LTSP_CONF_UNREADABLE', `cannot read ${path}: ${(e as Error).message}`, { file: path }, 'give a readable lts.conf with --lts-conf');
  }
  const conf = parseLtsConf(bytes, {
    file: path,
    readInclude: (p) => {
      try {
        return readFileSync(p);
      } catch {
        return undefined;
      }
    },
  });
  for (const p of conf.problems) log.warn(formatProblem(p));
  return { conf };
}

