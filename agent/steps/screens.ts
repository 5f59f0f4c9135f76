// The SCREEN_xx table (spec §1.5): which screen script runs on which virtual terminal, and which
// one is shown first. Computed once here, with LTSP 5's defaults, and handed to the screen phase
// as /run/ltsp/screens.json:
//   - SCREEN_01 .. SCREEN_12 = "script [args]"; scripts are names looked up in screen.d, never paths
//   - no screen defined and DEFAULT_DISPLAY_MANAGER unset or /usr/sbin/ldm: SCREEN_07=ldm
//   - SCREEN_DEFAULT must name a defined screen, else the highest-numbered one is the default
//   - SCREEN_NN_KEY=value: KEY=value for screen NN only

import type { Problem } from '../core/errors.ts';
import { checkCommand, checkConfigLine, refuse, warn } from '../config/values.ts';
import type { StepPlanner } from './context.ts';
import { planned } from './step.ts';

export const SCREENS_FILE = '/run/ltsp/screens.json';

export interface Screen {
  /** 1..12: the virtual terminal. */
  readonly vt: number;
  readonly script: string;
  readonly args: readonly string[];
  /** Per-screen values of other keys. */
  readonly overrides: Readonly<Record<string, string>>;
}

export interface ScreenTable {
  readonly screens: readonly Screen[];
  readonly defaultVt: number | undefined;
}

export function screenTable(config: import('../config/config.ts').Config, problems: Problem[]): ScreenTable {
  const screens = new Map<number, { script: string; args: string[]; key: string }>();
  const overrides = new Map<number, Record<string, string>>();
  for (const [key, value] of config.family('SCREEN_')) {
    const m = /^SCREEN_(\d{1,2})(?:_(.+))?$/.exec(key);
    if (!m) continue;
    const vt = Number(m[1]);
    if (vt < 1 || vt > 12) {
      problems.push(warn(config, key, `screen ${m[1]} is outside 01..12 and is ignored`));
      continue;
    }
    if (m[2] !== undefined) {
      const line = checkConfigLine(config, key, value);
      if (line.ok) overrides.set(vt, { ...overrides.get(vt), [m[2]]: line.value });
      else problems.push(line.problem);
      continue;
    }
    if (value === '') continue;
    const cmd = checkCommand(config, key, value);
    if (!cmd.ok) {
      problems.push(cmd.problem);
      continue;
    }
    const [script, ...args] = cmd.value;
    if (!/^[A-Za-z0-9_-]+$/.test(script!)) {
      const r = refuse(config, key, `"${script}" is not a screen script name (they are looked up in screen.d)`, `set ${key} like "ldm", "shell" or "xterm"`);
      if (!r.ok) problems.push(r.problem);
      continue;
    }
    screens.set(vt, { script: script!, args, key });
  }
  const dm = config.nonEmpty('DEFAULT_DISPLAY_MANAGER');
  if (screens.size === 0 && (dm === undefined || dm === '/usr/sbin/ldm')) screens.set(7, { script: 'ldm', args: [], key: 'SCREEN_07' });

  const vts = [...screens.keys()].sort((a, b) => a - b);
  let defaultVt = vts.at(-1);
  const asked = config.nonEmpty('SCREEN_DEFAULT');
  if (asked !== undefined) {
    const n = /^\d{1,2}$/.test(asked.trim()) ? Number(asked.trim()) : NaN;
    if (screens.has(n)) defaultVt = n;
    else problems.push(warn(config, 'SCREEN_DEFAULT', `"${asked}" is not a defined screen; screen ${String(defaultVt ?? '-').padStart(2, '0')} is shown first`));
  }
  return {
    screens: vts.map((vt) => ({ vt, script: screens.get(vt)!.script, args: screens.get(vt)!.args, overrides: overrides.get(vt) ?? {} })),
    defaultVt,
  };
}

export const planScreens: StepPlanner = (ctx) => {
  const problems: Problem[] = [];
  const table = screenTable(ctx.config, problems);
  const keys = ['SCREEN_DEFAULT', ...table.screens.map((s) => `SCREEN_${String(s.vt).padStart(2, '0')}`)];
  const why = table.screens.length ? `screens ${table.screens.map((s) => `${String(s.vt).padStart(2, '0')}=${s.script}`).join(', ')}` : 'no screens';
  return planned('screens', [], [{ kind: 'write-file', path: SCREENS_FILE, content: JSON.stringify(table, null, 2) + '\n', keys, why }], problems);
};
