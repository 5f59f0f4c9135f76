// The greeter's own lts.conf keys (LDM's greeter read them): extra menu entries, the theme and
// the clock format. Planned per ldm screen by the login planner, checked here; the greeter
// (agent/login/greeter-x11.ts) only shows what the settings say.

import type { Problem } from '../core/errors.ts';
import type { KeyReader } from '../config/declare.ts';
import { k, T, unset, val, type KeyDecl } from '../config/key-spec.ts';
import { checkClientPath, checkCommand, ok, read, refuse, show, warn, type Checked } from '../config/values.ts';

export const GREETER_KEY_DECLS = {
  LDM_THEME: k('login', T.string, val('default'),
    'greeter theme: a name under /usr/share/ldm/themes or an absolute path; the X greeter takes its colours (greeter-gtkrc), logo.png and bg.png'),
  LDM_CLOCK_FORMAT: k('login', T.string, val('%x, <b>%H:%M</b>'),
    'strftime format of the greeter clock (%a %A %b %B %c %d %e %H %I %k %l %m %M %p %S %y %Y %x %X %R %T %D %F %j %Z %%); markup tags are dropped'),
  'LDM_MENU_ITEM_<0-9>': k('login', T.string, unset, 'label of an extra greeter menu entry'),
  'LDM_MENU_COMMAND_<0-9>': k('login', T.command, unset, 'command of the greeter menu entry with the same number, run on the client with the greeter\'s display'),
} as const satisfies Record<string, KeyDecl>;

export type GreeterKey = keyof typeof GREETER_KEY_DECLS;

export const THEMES_DIR = '/usr/share/ldm/themes';

export interface GreeterMenuEntry {
  readonly label: string;
  readonly argv: readonly string[];
}

export interface GreeterLook {
  /** LDM_MENU_ITEM_n / LDM_MENU_COMMAND_n pairs, in number order. */
  readonly menu: readonly GreeterMenuEntry[];
  /** The theme directory (greeter-gtkrc, logo.png, bg.png); a missing one means the built-in look. */
  readonly themeDir: string;
  /** LDM_CLOCK_FORMAT, markup removed; undefined: the built-in clock. */
  readonly clockFormat?: string;
}

const CONVERSIONS = new Set(['a', 'A', 'b', 'B', 'c', 'd', 'e', 'H', 'I', 'k', 'l', 'm', 'M', 'p', 'S', 'y', 'Y', 'x', 'X', 'R', 'T', 'D', 'F', 'j', 'Z', 'n', 't', '%', 'h']);

/** LDM_CLOCK_FORMAT: a strftime format with Pango markup; the markup is dropped, unknown conversions refused. */
export function checkClockFormat(config: KeyReader, key: string, value: string): Checked<string> {
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return refuse(config, key, `${show(value)} contains a control character`, `set ${key} to a format on one line, like "%H:%M"`);
  const text = value.replace(/<\/?[A-Za-z][^<>]{0,80}>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  if (text.length > 80) return refuse(config, key, `${show(value)} is too long for the greeter clock`, `set ${key} to at most 80 characters`);
  for (const m of text.matchAll(/%(.?)/g)) {
    if (!CONVERSIONS.has(m[1]!)) return refuse(config, key, `"%${m[1] ?? ''}" in ${show(value)} is not a strftime conversion the greeter knows`, `use ${[...CONVERSIONS].filter((c) => c !== 'n' && c !== 't').map((c) => `%${c}`).join(' ')}`);
  }
  return ok(text.trim());
}

function checkTheme(config: KeyReader, key: string, value: string): Checked<string> {
  const v = value.trim();
  if (v.startsWith('/')) return checkClientPath(config, key, v);
  if (/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/.test(v) && !v.includes('..')) return ok(`${THEMES_DIR}/${v}`);
  return refuse(config, key, `${show(value)} is neither a theme name nor an absolute path`, `set ${key} to a directory name under ${THEMES_DIR}, or an absolute path`);
}

function checkLabel(config: KeyReader, key: string, value: string): Checked<string> {
  const v = value.trim();
  if (/[\u0000-\u001f\u007f]/.test(v)) return refuse(config, key, `${show(value)} contains a control character`, `set ${key} to a short label on one line`);
  if ([...v].length > 40) return refuse(config, key, `${show(value)} is longer than 40 characters`, `set ${key} to a short label`);
  return ok(v);
}

/** The greeter's look and menu for one screen. */
export function greeterLook(config: KeyReader<GreeterKey>, problems: Problem[]): GreeterLook {
  const menu: GreeterMenuEntry[] = [];
  for (let i = 0; i <= 9; i++) {
    const itemKey = `LDM_MENU_ITEM_${i}` as GreeterKey;
    const commandKey = `LDM_MENU_COMMAND_${i}` as GreeterKey;
    const label = read(config, itemKey, problems, checkLabel);
    const argv = read(config, commandKey, problems, checkCommand);
    const hasItem = config.nonEmpty(itemKey) !== undefined;
    const hasCommand = config.nonEmpty(commandKey) !== undefined;
    if (hasItem && !hasCommand) problems.push(warn(config, itemKey, `${itemKey} has no ${commandKey}: the entry is left out`, `set ${commandKey} to the program the entry runs`));
    if (hasCommand && !hasItem) problems.push(warn(config, commandKey, `${commandKey} has no ${itemKey}: the entry is left out`, `set ${itemKey} to the entry's label`));
    if (label && argv) menu.push({ label, argv });
  }
  const themeDir = read(config, 'LDM_THEME', problems, checkTheme) ?? `${THEMES_DIR}/default`;
  const clockFormat = read(config, 'LDM_CLOCK_FORMAT', problems, checkClockFormat);
  return { menu, themeDir, ...(clockFormat ? { clockFormat } : {}) };
}
