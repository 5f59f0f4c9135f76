// The SCREEN_xx table (LTSP 5's ltsp_config.d and screen_session): which screen script runs on which virtual terminal, and which
// one is shown first. Computed once here, with LTSP 5's defaults, and handed to the screen phase
// as /run/ltsp/screens.json:
//   - SCREEN_01 .. SCREEN_12 = "script [args]"; scripts are names looked up in screen.d, never paths
//   - no screen defined and DEFAULT_DISPLAY_MANAGER unset or /usr/sbin/ldm: SCREEN_07=ldm
//   - SCREEN_DEFAULT must name a defined screen, else the highest-numbered one is the default
//   - SCREEN_NN_KEY=value: KEY=value for screen NN only

import type { Problem } from '../core/errors.ts';
import { checkCommand, checkConfigLine, refuse, warn } from '../config/values.ts';
import { declareKeys, type KeyReader } from '../config/declare.ts';
import { derived, format, k, T, unset, val } from '../config/key-spec.ts';
import { isSecretKey } from '../config/keys.ts';
import { definePlanner } from './context.ts';
import { planned } from './step.ts';

export const SCREENS_FILE = '/run/ltsp/screens.json';

export const SCREENS_KEYS = declareKeys('screens', {
  'SCREEN_<01-12>': k('screens', T.command, derived('SCREEN_07=ldm when no screen is defined'),
    'what runs on this virtual terminal: a screen script name and its arguments (ldm, xdmcp, shell, kiosk ...)'),
  SCREEN_DEFAULT: k('screens', format(/^(0?[1-9]|1[0-2])$/, 'a screen number from 1 to 12', '07'), derived('the highest defined screen'),
    'virtual terminal shown first'),
  'SCREEN_<01-12>_<KEY>': k('screens', T.perScreen, unset, 'the value of KEY for this one screen'),
  DEFAULT_DISPLAY_MANAGER: k('system', T.string, val('/usr/sbin/ldm'),
    'display manager the image should start; anything but LDM also drops the default SCREEN_07'),
});

/** The keys screenTable reads: whoever calls it declares them too (the login does). */
export type ScreenTableKey = 'SCREEN_<01-12>' | 'SCREEN_<01-12>_<KEY>' | 'SCREEN_DEFAULT' | 'DEFAULT_DISPLAY_MANAGER';

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

export function screenTable(config: KeyReader<ScreenTableKey>, problems: Problem[]): ScreenTable {
  const screens = new Map<number, { script: string; args: string[]; key: string }>();
  const overrides = new Map<number, Record<string, string>>();
  for (const [key, value] of config.family('SCREEN_<01-12>_<KEY>')) {
    const m = /^SCREEN_(\d\d)_(.+)$/s.exec(key)!;
    const line = checkConfigLine(config, key, value);
    if (line.ok) overrides.set(Number(m[1]), { ...overrides.get(Number(m[1])), [m[2]!]: line.value });
    else problems.push(line.problem);
  }
  for (const [key, value] of config.family('SCREEN_<01-12>')) {
    const vt = Number(key.slice('SCREEN_'.length));
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

export const planScreens = definePlanner(SCREENS_KEYS, (ctx) => {
  const problems: Problem[] = [];
  const table = screenTable(ctx.config, problems);
  // The table as the screen phase reads it, without secrets: SCREEN_07_LDM_PASSWORD stays in
  // the login's root-only secrets file.
  const shown = { ...table, screens: table.screens.map((s) => ({ ...s, overrides: Object.fromEntries(Object.entries(s.overrides).filter(([key]) => !isSecretKey(key))) })) };
  const keys = ['SCREEN_DEFAULT', ...table.screens.map((s) => `SCREEN_${String(s.vt).padStart(2, '0')}`)];
  const why = table.screens.length ? `screens ${table.screens.map((s) => `${String(s.vt).padStart(2, '0')}=${s.script}`).join(', ')}` : 'no screens';
  return planned('screens', [], [{ kind: 'write-file', path: SCREENS_FILE, content: JSON.stringify(shown, null, 2) + '\n', keys, why }], problems);
});
