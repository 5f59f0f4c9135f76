// The screens (LTSP 5's ltsp_config.d 15/16, screen_session and screen.d): which screen runs on
// which virtual terminal, everything each one needs, and the services that run them. Planned
// once here, with LTSP 5's defaults, into /run/ltsp/screens.json; `ltsp-agent screen NN`
// (agent/screen/) reads only that file and runs what it says:
//   - SCREEN_01 .. SCREEN_12 = "script [args]"; scripts are names, never paths; a name ltsp-agent
//     does not know is refused by name with the list of known ones
//   - no screen defined and DEFAULT_DISPLAY_MANAGER unset or /usr/sbin/ldm: SCREEN_07=ldm
//   - SCREEN_DEFAULT must name a defined screen, else the highest-numbered one is the default
//   - SCREEN_NN_KEY=value: KEY=value for screen NN only (every key below, X keys included)
// Services: ldm on tty7 is the image's ltsp-login unit, as before; every other screen gets
// one unit on its VT (systemd ltsp-screen@N.service enabled under /run, OpenRC ltsp-screen.N
// in the default runlevel), and ltsp-login stays off when tty7 is no ldm screen; gettys on
// screen VTs are masked (systemd) or commented out of /etc/inittab (with DISABLE_GETTYS, also
// tty2-6, as LTSP 5 did).

import type { Problem } from '../core/errors.ts';
import { checkCommand, checkConfigLine, checkHost, read, readInt, refuse, show, warn, type Checked } from '../config/values.ts';
import { declareKeys, scopeReader, type KeyReader } from '../config/declare.ts';
import { bool, derived, format, int, k, T, unset, val } from '../config/key-spec.ts';
import { isSecretKey } from '../config/keys.ts';
import type { Action } from '../plan/actions.ts';
import { definePlanner, present, type PlannerInput, type StepContext } from './context.ts';
import { planned } from './step.ts';
import { setxkbmapArgv, xServerArgs, type XkbKey, type XServerArgsKey } from './x.ts';

export const SCREENS_FILE = '/run/ltsp/screens.json';

export const SCREENS_KEYS = declareKeys(
  'screens',
  {
    'SCREEN_<01-12>': k('screens', T.command, derived('SCREEN_07=ldm when no screen is defined'),
      'what runs on this virtual terminal: a screen script name and its arguments (ldm, xdmcp, shell, kiosk ...)'),
    SCREEN_DEFAULT: k('screens', format(/^(0?[1-9]|1[0-2])$/, 'a screen number from 1 to 12', '07'), derived('the highest defined screen'),
      'virtual terminal shown first'),
    'SCREEN_<01-12>_<KEY>': k('screens', T.perScreen, unset, 'the value of KEY for this one screen'),
    DEFAULT_DISPLAY_MANAGER: k('system', T.string, val('/usr/sbin/ldm'),
      'display manager the image should start; anything but LDM also drops the default SCREEN_07'),
    WAIT_FGCONSOLE: k('screens', bool(), val('True'),
      'start a screen only once its virtual terminal is in front'),
    DISABLE_GETTYS: k('system', bool(), val('True'),
      'remove the text logins on tty2-6 from /etc/inittab (gettys on screen terminals are always removed)'),
    XDM_SERVER: k('screens', T.host, derived('SERVER'), 'XDMCP server queried by the xdmcp screen'),
    DISABLE_ACCESS_CONTROL: k('screens', bool(), unset, 'let any host draw on the xdmcp screen\'s X server'),
    TELNET_HOST: k('screens', T.host, derived('SERVER'), 'host the telnet screen connects to'),
    RDP_SERVER: k('screens', T.host, val('server'), 'Windows host for the rdesktop and xfreerdp screens'),
    RDP_OPTIONS: k('screens', T.string, derived('-f (rdesktop), /f (xfreerdp)'),
      'extra arguments for rdesktop / xfreerdp: plain words; options that run programs are refused'),
    RDP_DOMAIN: k('screens', T.word, unset, 'Windows domain for the rdesktop and xfreerdp screens (-d / /d:)'),
    KIOSK_EXE: k('screens', T.command, derived('firefox, else chromium, else google-chrome, else opera'),
      'program the kiosk screen runs'),
    KIOSK_OPTIONS: k('screens', T.string, unset, 'arguments for KIOSK_EXE (plain words)'),
    KIOSK_DAEMON: k('screens', bool(), val('False'), 'restart the kiosk program whenever it exits, on the same X server'),
    KIOSK_WM: k('screens', T.command, unset, 'window manager for the kiosk screen'),
    KIOSKUSER: k('screens', T.word, val('ltspkiosk'), 'local unprivileged account the kiosk screen runs as (created when missing)'),
    'MENU_ITEM_<n>': k('screens', T.string, unset, 'label of an entry in the text menu screen'),
    'MENU_COMMAND_<n>': k('screens', T.command, unset, 'screen the text menu entry with the same number runs: a screen script and its arguments'),
    MENU_TITLE: k('screens', T.string, val('Please choose a desktop: '), 'title of the text menu screen'),
    MENU_LISTHEIGHT: k('screens', int(1, 20), val('5'), 'how many entries the text menu shows at once'),
    XINITRC_DAEMON: k('screens', bool(), derived('True for rdesktop and xfreerdp, KIOSK_DAEMON for kiosk'),
      'restart the screen\'s X program whenever it exits, on the same X server'),
  },
  {
    // the X server of the X screens, as the login's
    X_CONF: T.path,
    X_COLOR_DEPTH: { kind: 'enum', values: ['1', '4', '8', '15', '16', '24', '30'] },
    X_SMART_COLOR_DEPTH: bool(),
    LTSP_FATCLIENT: bool(),
    XKBLAYOUT: T.word,
    XKBMODEL: T.word,
    XKBVARIANT: T.word,
    XKBOPTIONS: T.word,
    XKBRULES: T.word,
  },
);

/** The keys screenTable reads: whoever calls it declares them too (the login does). */
export type ScreenTableKey = 'SCREEN_<01-12>' | 'SCREEN_<01-12>_<KEY>' | 'SCREEN_DEFAULT' | 'DEFAULT_DISPLAY_MANAGER';

/** The screen scripts ltsp-agent runs (LTSP 5's screen.d names). `startx` is LTSP 5's alias of xdmcp. */
export const SCREEN_SCRIPTS = ['ldm', 'shell', 'telnet', 'xdmcp', 'startx', 'rdesktop', 'xfreerdp', 'kiosk', 'menu'] as const;
export type ScreenScript = (typeof SCREEN_SCRIPTS)[number];

export const isScreenScript = (s: string): s is ScreenScript => (SCREEN_SCRIPTS as readonly string[]).includes(s);

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

// ---- typed settings per screen ------------------------------------------------------------------

/** The X server of an X screen: the login's set-up (X step arguments, keyboard). */
export interface XSetup {
  readonly xserverArgs: readonly string[];
  readonly setxkbmap?: readonly string[];
}

/** What one screen script runs, with every value checked. */
export type ScreenRun =
  | { readonly script: 'ldm' }
  | { readonly script: 'shell' }
  | { readonly script: 'telnet'; readonly host: string; readonly port?: string }
  /** `X -query HOST` (xdmcp, startx): the X server itself is the XDMCP client. */
  | ({ readonly script: 'xdmcp' | 'startx'; readonly query: string; readonly accessControl: boolean } & XSetup)
  /** An X server, then `argv` on it (rdesktop / xfreerdp); `daemon`: restart argv, not X. */
  | ({ readonly script: 'rdesktop' | 'xfreerdp'; readonly argv: readonly string[]; readonly daemon: boolean } & XSetup)
  /** An X server, then the kiosk program as `user`; exe undefined: the first browser found at run time. */
  | ({
      readonly script: 'kiosk';
      readonly exe?: readonly string[];
      readonly options: readonly string[];
      readonly wm?: readonly string[];
      readonly daemon: boolean;
      readonly user: string;
    } & XSetup)
  | { readonly script: 'menu'; readonly title: string; readonly listHeight: number; readonly items: ReadonlyArray<{ readonly label: string; readonly run: ScreenRun }> };

export interface ScreenSettings {
  readonly vt: number;
  /** The SCREEN_NN value as written (script and arguments), for messages. */
  readonly script: string;
  readonly args: readonly string[];
  /** Per-screen values (secrets left out); shown for the admin, not read by the runner. */
  readonly overrides: Readonly<Record<string, string>>;
  /** WAIT_FGCONSOLE: start only once this VT is in front. */
  readonly waitFgconsole: boolean;
  readonly run: ScreenRun;
}

export interface ScreensPlan {
  readonly screens: readonly ScreenSettings[];
  /** Screens whose SCREEN_NN was refused: the runner names the reason and exits. */
  readonly refused: ReadonlyArray<{ readonly vt: number; readonly script: string; readonly message: string }>;
  readonly defaultVt: number | undefined;
}

type ScreensKey = (typeof SCREENS_KEYS)['own'][number]['name'] | (typeof SCREENS_KEYS)['also'][number]['name'];
type Reader = KeyReader<ScreensKey>;

/** Words of a free-text options key (RDP_OPTIONS, KIOSK_OPTIONS): plain words; '' or "" is an empty argument. */
export function checkOptionWords(config: KeyReader, key: string, value: string): Checked<string[]> {
  const words = value.trim().split(/[ \t]+/).filter((w) => w.length > 0);
  const out: string[] = [];
  for (const w of words) {
    if (w === "''" || w === '""') {
      out.push('');
      continue;
    }
    const line = checkConfigLine(config, key, w);
    if (!line.ok) return line;
    if (!/^[A-Za-z0-9_@%+=:,./~^-]+$/.test(w)) {
      return refuse(config, key, `${show(w)} in ${show(value)} has shell syntax or quoting; the words are passed as they are, without a shell`, `write ${key} as plain words separated by spaces`);
    }
    out.push(w);
  }
  return { ok: true, value: out };
}

/**
 * Options of rdesktop / xfreerdp that make the client run a program, read arguments from
 * elsewhere, or load code: an RDP_OPTIONS with one of them is refused (the rest of the screen
 * still runs with the default options).
 */
const RDP_RUNS_PROGRAM: Readonly<Record<'rdesktop' | 'xfreerdp', RegExp>> = {
  // rdesktop: none of its options runs a local program; -p takes a password (not in argv)
  rdesktop: /^-p(.*)$/,
  // xfreerdp: /action-script runs a script, /args-from reads more arguments, /vc /dvc /plugin load code, /p: a password in argv
  xfreerdp: /^[/+-](action-script|args-from|vc|dvc|plugin|p|kbd-remap-script)(:.*)?$/i,
};

export function checkRdpOptions(config: KeyReader, key: string, value: string, client: 'rdesktop' | 'xfreerdp'): Checked<string[]> {
  const words = checkOptionWords(config, key, value);
  if (!words.ok) return words;
  const bad = words.value.find((w) => RDP_RUNS_PROGRAM[client].test(w));
  if (bad !== undefined) {
    return refuse(config, key, `${show(bad)} in ${key} would make ${client} run a program, load code, read arguments from elsewhere or put a password in its argv`, `remove ${show(bad)} from ${key}`);
  }
  return words;
}

const KIOSK_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

function xSetup(config: Reader, facts: { present: ReadonlySet<string> }): XSetup {
  const x = xServerArgs(config, []); // the x step reports these keys' problems
  const setxkbmap = facts.present.has('/usr/bin/setxkbmap') ? setxkbmapArgv(config, []) : undefined;
  return { xserverArgs: x.args, ...(setxkbmap ? { setxkbmap } : {}) };
}

/** One screen script's settings from a reader that already has the screen's SCREEN_NN_<KEY> values. */
function screenRun(script: ScreenScript, args: readonly string[], config: Reader, ctx: { server: string; facts: { present: ReadonlySet<string> } }, key: string, problems: Problem[], inMenu: boolean): ScreenRun | undefined {
  const server = () => {
    const r = checkHost(config, 'SERVER', ctx.server);
    if (r.ok) return r.value;
    problems.push(r.problem);
    return undefined;
  };
  const hostArg = (v: string): string | undefined => {
    const r = checkHost(config, key, v);
    if (r.ok) return r.value;
    problems.push(r.problem);
    return undefined;
  };
  switch (script) {
    case 'ldm':
    case 'shell':
      return { script };
    case 'telnet': {
      // LTSP 5: arguments replace TELNET_HOST (host [port])
      const host = args[0] !== undefined ? hostArg(args[0]) : (read(config, 'TELNET_HOST', problems, checkHost) ?? server());
      const port = args[1];
      if (port !== undefined && !/^\d{1,5}$/.test(port)) {
        const r = refuse(config, key, `${show(port)} is not a port number`, `write ${key} as "telnet HOST [PORT]"`);
        if (!r.ok) problems.push(r.problem);
        return undefined;
      }
      return host === undefined ? undefined : { script, host, ...(port !== undefined ? { port } : {}) };
    }
    case 'xdmcp':
    case 'startx': {
      // LTSP 5's arguments replaced -query; only "-query HOST" / "-broadcast"-free HOST forms are kept
      const query = args.length > 0 ? (args[0] === '-query' && args[1] ? hostArg(args[1]) : hostArg(args[0]!)) : (read(config, 'XDM_SERVER', problems, checkHost) ?? server());
      if (query === undefined) return undefined;
      return { script, query, accessControl: !config.bool('DISABLE_ACCESS_CONTROL'), ...xSetup(config, ctx.facts) };
    }
    case 'rdesktop':
    case 'xfreerdp': {
      const daemon = inMenu ? false : config.bool('XINITRC_DAEMON', true);
      if (args.length > 0) {
        // arguments replace RDP_OPTIONS and RDP_SERVER, as in LTSP 5
        const r = checkRdpOptions(config, key, args.join(' '), script);
        if (!r.ok) {
          problems.push(r.problem);
          return undefined;
        }
        return { script, argv: [script, ...r.value], daemon, ...xSetup(config, ctx.facts) };
      }
      const host = read(config, 'RDP_SERVER', problems, checkHost) ?? 'server';
      const optionsValue = config.nonEmpty('RDP_OPTIONS');
      let options = script === 'rdesktop' ? ['-f'] : ['/f'];
      if (optionsValue !== undefined) {
        const r = checkRdpOptions(config, 'RDP_OPTIONS', optionsValue, script);
        if (r.ok) options = r.value;
        else problems.push(r.problem);
      }
      const domain = read(config, 'RDP_DOMAIN', problems, (c, k2, v) =>
        /^[A-Za-z0-9_.-]+$/.test(v) && !v.startsWith('-') ? { ok: true, value: v } : refuse<string>(c, k2, `${show(v)} is not a Windows domain name`, `set ${k2} to a domain like SCHOOL`),
      );
      const argv =
        script === 'rdesktop'
          ? ['rdesktop', ...options, ...(domain ? ['-d', domain] : []), host]
          : ['xfreerdp', ...options, ...(domain ? [`/d:${domain}`] : []), `/v:${host}`];
      // the host was checked (no leading "-"): rdesktop cannot read it as an option
      return { script, argv, daemon, ...xSetup(config, ctx.facts) };
    }
    case 'kiosk': {
      // LTSP 5: the first argument is KIOSK_EXE, the rest KIOSK_OPTIONS
      let exe: string[] | undefined;
      if (args[0] !== undefined) {
        const r = checkCommand(config, key, args[0]);
        if (r.ok) exe = r.value;
        else problems.push(r.problem);
      } else {
        const v = config.nonEmpty('KIOSK_EXE');
        if (v !== undefined) {
          const r = checkCommand(config, 'KIOSK_EXE', v);
          if (r.ok) exe = r.value;
          else problems.push(r.problem);
        }
      }
      let options: string[] = [];
      const optValue = args.length > 1 ? args.slice(1).join(' ') : config.nonEmpty('KIOSK_OPTIONS');
      if (optValue !== undefined) {
        const r = checkOptionWords(config, args.length > 1 ? key : 'KIOSK_OPTIONS', optValue);
        if (r.ok) options = r.value;
        else problems.push(r.problem);
      }
      let wm: string[] | undefined;
      const wmValue = config.nonEmpty('KIOSK_WM');
      if (wmValue !== undefined) {
        const r = checkCommand(config, 'KIOSK_WM', wmValue);
        if (r.ok) wm = r.value;
        else problems.push(r.problem);
      }
      const userValue = config.nonEmpty('KIOSKUSER') ?? 'ltspkiosk';
      let user = 'ltspkiosk';
      if (!KIOSK_USER.test(userValue) || userValue === 'root') {
        const r = refuse(config, 'KIOSKUSER', `${show(userValue)} is not an unprivileged local user name`, 'set KIOSKUSER to a name like ltspkiosk (never root)');
        if (!r.ok) problems.push(r.problem);
      } else user = userValue;
      const daemon = inMenu ? false : config.bool('KIOSK_DAEMON') || config.bool('XINITRC_DAEMON');
      return { script, ...(exe ? { exe } : {}), options, ...(wm ? { wm } : {}), daemon, user, ...xSetup(config, ctx.facts) };
    }
    case 'menu': {
      if (inMenu) {
        const r = refuse(config, key, 'a menu entry cannot open another menu', `set ${key} to a screen such as "ldm" or "rdesktop HOST"`);
        if (!r.ok) problems.push(r.problem);
        return undefined;
      }
      const items: Array<{ label: string; run: ScreenRun }> = [];
      const labels = new Map<string, string>();
      for (const [k2, v] of config.family('MENU_ITEM_<n>')) {
        const line = checkConfigLine(config, k2, v);
        if (line.ok && line.value !== '') labels.set(String(Number(k2.slice('MENU_ITEM_'.length))), line.value);
        else if (!line.ok) problems.push(line.problem);
      }
      const commands = new Map<string, [string, string]>();
      for (const [k2, v] of config.family('MENU_COMMAND_<n>')) commands.set(String(Number(k2.slice('MENU_COMMAND_'.length))), [k2, v]);
      // LTSP 5's default first entry: "Linux Server" running ldm
      if (!labels.has('1')) labels.set('1', 'Linux Server');
      if (!commands.has('1')) commands.set('1', ['MENU_COMMAND_01', 'ldm']);
      for (const n of [...labels.keys()].sort((a, b) => Number(a) - Number(b))) {
        const command = commands.get(n);
        if (command === undefined) {
          problems.push(warn(config, `MENU_ITEM_${n.padStart(2, '0')}`, `menu entry ${n} has no MENU_COMMAND_${n.padStart(2, '0')}; it is left out`));
          continue;
        }
        const [ck, cv] = command;
        const words = checkCommand(config, ck, cv);
        if (!words.ok) {
          problems.push(words.problem);
          continue;
        }
        const [name, ...rest] = words.value;
        if (!isScreenScript(name!)) {
          problems.push(unknownScript(config, ck, name!));
          continue;
        }
        const run = screenRun(name, rest, config, ctx, ck, problems, true);
        if (run) items.push({ label: labels.get(n)!, run });
      }
      const title = read(config, 'MENU_TITLE', problems, checkConfigLine) ?? 'Please choose a desktop: ';
      return { script, title, listHeight: readInt(config, 'MENU_LISTHEIGHT', problems, {}, 5), items };
    }
  }
}

function unknownScript(config: KeyReader, key: string, name: string): Problem {
  const r = refuse(config, key, `unknown screen script ${show(name)}; ltsp-agent runs ${SCREEN_SCRIPTS.join(', ')}`, `set ${key} to one of those, or run your program from a kiosk screen`);
  return r.ok ? warn(config, key, name) : r.problem;
}

type ScreensContext = StepContext<ScreensKey>;

export function planScreenSettings(ctx: ScreensContext): { plan: ScreensPlan; problems: Problem[] } {
  const problems: Problem[] = [];
  const table = screenTable(ctx.config, problems);
  const screens: ScreenSettings[] = [];
  const refused: Array<{ vt: number; script: string; message: string }> = [];
  for (const s of table.screens) {
    const key = `SCREEN_${String(s.vt).padStart(2, '0')}`;
    const config = ctx.config.overlay(s.overrides, key);
    const mine: Problem[] = [];
    const run = isScreenScript(s.script) ? screenRun(s.script, s.args, config, ctx, key, mine, false) : undefined;
    if (!isScreenScript(s.script)) mine.push(unknownScript(config, key, s.script));
    problems.push(...mine);
    const overrides = Object.fromEntries(Object.entries(s.overrides).filter(([k2]) => !isSecretKey(k2)));
    if (run === undefined) {
      const first = mine.find((p) => p.severity === 'error');
      refused.push({ vt: s.vt, script: s.script, message: first ? `${first.message} (${first.where.key ?? key})` : `${key} cannot run` });
      continue;
    }
    screens.push({ vt: s.vt, script: s.script, args: s.args, overrides, waitFgconsole: config.bool('WAIT_FGCONSOLE', true), run });
  }
  // Dedup: a shared key (RDP_OPTIONS) read by two screens reports once.
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const id = `${p.code} ${p.where.key} ${p.where.line} ${p.message}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
  const defaultVt = table.defaultVt !== undefined && screens.some((s) => s.vt === table.defaultVt) ? table.defaultVt : screens.at(-1)?.vt;
  return { plan: { screens, refused, defaultVt }, problems: unique };
}

/** The same planning for `ltsp-agent screen --lts-conf` on a workstation: no boot, same settings. */
export function planScreensFor(input: PlannerInput): { plan: ScreensPlan; problems: Problem[] } {
  return planScreenSettings({ facts: input.facts, server: input.server, hostname: input.hostname, config: scopeReader(input.config, SCREENS_KEYS, input.record) });
}

// ---- services -----------------------------------------------------------------------------------

export const SCREEN_UNIT_TEMPLATE = '/etc/systemd/system/ltsp-screen@.service';
const RUNTIME_UNITS = '/run/systemd/system';

/** Comments out getty lines of /etc/inittab for these VTs (sed, no shell; the numbers are ours). */
export function inittabSedScript(vts: readonly number[]): string {
  return `s/^([^#].*getty.*[[:space:]]tty(${vts.join('|')})([[:space:]].*)?)$/#\\1/`;
}

/**
 * The services: LTSP 5's login screen (ldm on tty7) stays the ltsp-login unit the image already
 * enables; every other screen gets its own ltsp-screen unit on its VT, and ltsp-login is kept
 * off when tty7 is not an ldm screen, so that two programs never fight for one VT.
 */
function serviceActions(ctx: ScreensContext, plan: ScreensPlan, problems: Problem[]): Action[] {
  const actions: Action[] = [];
  const vts = plan.screens.map((s) => s.vt);
  if (vts.length === 0) return actions;
  const key = (vt: number) => `SCREEN_${String(vt).padStart(2, '0')}`;
  const keys = vts.map(key);
  const loginOn7 = plan.screens.some((s) => s.vt === 7 && s.run.script === 'ldm');
  const units = vts.filter((vt) => !(vt === 7 && loginOn7));
  const dm = ctx.config.nonEmpty('DEFAULT_DISPLAY_MANAGER');
  const otherDm = dm !== undefined && dm !== '/usr/sbin/ldm';
  if (present(ctx, '/etc/systemd/system') || present(ctx, '/run/systemd/system')) {
    if (units.length > 0) actions.push({ kind: 'mkdir', path: `${RUNTIME_UNITS}/multi-user.target.wants`, keys, why: 'runtime units of this boot' });
    for (const vt of units) {
      actions.push({ kind: 'symlink', path: `${RUNTIME_UNITS}/multi-user.target.wants/ltsp-screen@${vt}.service`, target: SCREEN_UNIT_TEMPLATE, keys: [key(vt)], why: `screen ${vt} runs as a service on tty${vt}` });
    }
    for (const vt of vts) {
      for (const getty of [`getty@tty${vt}.service`, `autovt@tty${vt}.service`]) {
        actions.push({ kind: 'symlink', path: `${RUNTIME_UNITS}/${getty}`, target: '/dev/null', keys: [key(vt)], why: `no getty fights screen ${vt} for tty${vt}` });
      }
    }
    if (!loginOn7) actions.push({ kind: 'symlink', path: `${RUNTIME_UNITS}/ltsp-login.service`, target: '/dev/null', keys: ['SCREEN_07'], why: 'tty7 is not an ldm screen: the login unit stays off' });
    if (!otherDm || vts.includes(7)) {
      if (otherDm) problems.push(warn(ctx.config, 'DEFAULT_DISPLAY_MANAGER', `${show(dm!)} would start on tty7, where SCREEN_07 runs; the image's display manager is not started`, 'move SCREEN_07 to another terminal, or remove DEFAULT_DISPLAY_MANAGER'));
      actions.push({ kind: 'symlink', path: `${RUNTIME_UNITS}/display-manager.service`, target: '/dev/null', keys: otherDm ? ['DEFAULT_DISPLAY_MANAGER', 'SCREEN_07'] : keys, why: 'the screens own the display; no second display manager on the same terminal' });
    }
  }
  if (present(ctx, '/sbin/openrc')) {
    for (const vt of units) {
      actions.push({ kind: 'symlink', path: `/etc/init.d/ltsp-screen.${vt}`, target: 'ltsp-screen', keys: [key(vt)], why: `screen ${vt} as the OpenRC service ltsp-screen.${vt}` });
      actions.push({ kind: 'symlink', path: `/etc/runlevels/default/ltsp-screen.${vt}`, target: `/etc/init.d/ltsp-screen.${vt}`, keys: [key(vt)], why: `start ltsp-screen.${vt} in the default runlevel` });
    }
    if (!loginOn7) actions.push({ kind: 'remove', path: '/etc/runlevels/default/ltsp-login', keys: ['SCREEN_07'], why: 'tty7 is not an ldm screen: the login service stays off' });
  }
  if (present(ctx, '/etc/inittab')) {
    const gettys = new Set(vts);
    if (ctx.config.bool('DISABLE_GETTYS', true)) for (const vt of [2, 3, 4, 5, 6]) gettys.add(vt);
    const list = [...gettys].sort((a, b) => a - b);
    actions.push({ kind: 'run', argv: ['sed', '-i', '-E', '-e', inittabSedScript(list), { path: '/etc/inittab' }], keys: ['DISABLE_GETTYS', ...keys], why: `no getty on tty${list.join(', tty')} (screens${ctx.config.bool('DISABLE_GETTYS', true) ? ' and DISABLE_GETTYS' : ''})` });
  }
  return actions;
}

export const planScreens = definePlanner(SCREENS_KEYS, (ctx) => {
  const { plan, problems } = planScreenSettings(ctx);
  const keys = ['SCREEN_DEFAULT', ...plan.screens.map((s) => `SCREEN_${String(s.vt).padStart(2, '0')}`)];
  const why = plan.screens.length ? `screens ${plan.screens.map((s) => `${String(s.vt).padStart(2, '0')}=${s.script}`).join(', ')}` : 'no screens';
  const summary = plan.screens.map((s) => `screen ${String(s.vt).padStart(2, '0')}: ${describeRun(s.run)}${s.vt === plan.defaultVt ? ' (shown first)' : ''}${s.waitFgconsole ? '' : ', starts without waiting for its terminal'}`);
  for (const r of plan.refused) summary.push(`screen ${String(r.vt).padStart(2, '0')}: refused: ${r.message}`);
  return planned('screens', [], [
    { kind: 'write-file', path: SCREENS_FILE, content: JSON.stringify(plan, null, 2) + '\n', mode: 0o644, summary, keys, why },
    ...serviceActions(ctx, plan, problems),
  ], problems);
});

/** One line for the text plan. */
export function describeRun(r: ScreenRun): string {
  switch (r.script) {
    case 'ldm':
      return 'the login (ltsp-agent login)';
    case 'shell':
      return 'a root shell';
    case 'telnet':
      return `telnet ${r.host}${r.port ? ` ${r.port}` : ''}`;
    case 'xdmcp':
    case 'startx':
      return `X -query ${r.query}${r.accessControl ? '' : ' -ac'}`;
    case 'rdesktop':
    case 'xfreerdp':
      return `X, then ${r.argv.join(' ')}${r.daemon ? ' (restarted on the same X server)' : ''}`;
    case 'kiosk':
      return `X, then ${(r.exe ?? ['(first browser found)']).concat(r.options).join(' ')} as ${r.user}${r.wm ? ` under ${r.wm.join(' ')}` : ''}${r.daemon ? ' (restarted)' : ''}`;
    case 'menu':
      return `menu "${r.title.trim()}": ${r.items.map((i) => `${i.label} -> ${describeRun(i.run)}`).join('; ')}`;
  }
}
