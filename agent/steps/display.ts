// Display settings after X starts (LTSP 5's xinitrc.d I10-xrandr, I10-dpms, I10-numlock and
// screen-session.d XS10-xramperc, and the font server of screen-x-common), planned per ldm
// screen by the login planner so that SCREEN_NN_<KEY> overrides apply. The result is typed data:
// argv lists for xrandr and xset, the NumLock state, the X server's memory share and the font
// servers. The login applies them on its own X server once it is up (agent/login/display.ts).
//
// LTSP 5's meanings, kept:
//   XRANDR_DISABLE      no xrandr at all (X_MODE_n then only go into xorg.conf, the x step)
//   XRANDR_OUTPUT_n ... one xrandr run with --output NAME and that index's settings; without any
//                       XRANDR_OUTPUT_n every connected output (asked of the X server at login),
//                       each further one --left-of the previous (XRANDR_AUTO_MULTIHEAD, default
//                       on) and --auto when no mode is forced for it nor for output 0
//   X_MODE_0            a fallback for XRANDR_MODE_0 (and XRANDR_NEWMODE_0 when it is a modeline)
//   XRANDR_COMMAND_n    further xrandr runs, in sort -V order, a leading "xrandr" dropped
//   X_BLANKING          xset dpms N + xset s N; 0: xset s off + xset -dpms
//   X_NUMLOCK           NumLock on (True) or off (False); unset leaves it
//   X_RAMPERC           the X server's memory limited to this share of free RAM plus free swap
//   USE_XFS             -fp tcp/HOST:7100 for the first font server that answers (XFS_SERVER,
//                       else the login servers)
// Differences, on purpose: every value is checked for where it goes (a mode that is no mode, an
// output name with shell syntax, a rate that is no number are refused, the rest still applies);
// a mode from XRANDR_NEWMODE_n is also added to its output (--addmode), without which xrandr
// cannot select it.

import type { Problem } from '../core/errors.ts';
import type { KeyReader } from '../config/declare.ts';
import { bool, enumOf, format, int, k, T, unset, val, type KeyDecl } from '../config/key-spec.ts';
import { checkHost, ok, read, readFamily, readInt, readList, refuse, show, warn, type Checked } from '../config/values.ts';

const INDEXES = [0, 1, 2, 3, 4, 5, 6, 7, 8] as const;

/** The declarations of the keys displaySettings reads: the login planner owns them (it reads them per screen). */
export const DISPLAY_KEY_DECLS = {
  XRANDR_DISABLE: k('x', bool(), val('False'), 'leave outputs and modes alone instead of running xrandr'),
  XRANDR_AUTO_MULTIHEAD: k('x', bool(), val('True'), 'with no XRANDR_OUTPUT_n set, place each further monitor left of the previous one'),
  'XRANDR_OUTPUT_<0-8>': k('x', T.word, unset, 'output name (VGA-1, HDMI-1 ...) that the other XRANDR_*_n keys apply to'),
  'XRANDR_MODE_<0-8>': k('x', T.word, unset, 'mode for the output, e.g. 1280x1024'),
  'XRANDR_RATE_<0-8>': k('x', format(/^\d+(\.\d+)?$/, 'a refresh rate in Hz', '60'), unset, 'refresh rate for the output'),
  'XRANDR_NEWMODE_<0-8>': k('x', T.string, unset, 'a new mode to define: name followed by modeline numbers'),
  'XRANDR_ROTATE_<0-8>': k('x', enumOf('normal', 'left', 'right', 'inverted'), unset, 'rotation of the output'),
  'XRANDR_REFLECT_<0-8>': k('x', enumOf('normal', 'x', 'y', 'xy'), unset, 'mirroring of the output'),
  'XRANDR_DPI_<0-8>': k('x', T.word, unset, 'DPI to report, as a number or an output name to take it from'),
  'XRANDR_SIZE_<0-8>': k('x', T.word, unset, 'screen size for xrandr before 1.2 (WIDTHxHEIGHT or a size number)'),
  'XRANDR_ORIENTATION_<0-8>': k('x', enumOf('normal', 'inverted', 'left', 'right', '0', '1', '2', '3'), unset, 'orientation for xrandr before 1.2'),
  'XRANDR_COMMAND_<n>': k('x', T.command, unset, 'arguments for one extra xrandr run (a leading "xrandr" is dropped)'),
  X_NUMLOCK: k('x', bool(), unset, 'turn Num Lock on (True) or off (False) when X starts'),
  X_BLANKING: k('x', int(0, 2147483647, 's'), unset, 'seconds of idle time before the screen blanks; 0 never blanks'),
  X_RAMPERC: k('x', int(1, 100, '%'), val('100'), 'memory limit for the X server, in percent of free RAM plus free swap when it starts'),
  USE_XFS: k('x', bool(), unset, 'take fonts from an X font server (TCP 7100)'),
  XFS_SERVER: k('x', T.hosts, val('the login servers'), 'X font servers to try (TCP 7100); the first that answers is used'),
} as const satisfies Record<string, KeyDecl>;

/** The keys displaySettings reads: whoever calls it declares them (the login owns DISPLAY_KEY_DECLS, and reads X_MODE_<n> of the x step). */
export type DisplayKey = keyof typeof DISPLAY_KEY_DECLS | 'X_MODE_<n>';

/** One head of the xrandr run: an output (or, without XRANDR_OUTPUT_n, the nth connected one) and its arguments. */
export interface XrandrHead {
  readonly index: number;
  /** XRANDR_OUTPUT_n; undefined: the nth connected output, found at login. */
  readonly output?: string;
  /** A mode to define before the run (XRANDR_NEWMODE_n): name, then the modeline numbers and flags. */
  readonly newmode?: readonly string[];
  /** --mode, --rate, --rotate, --reflect, --dpi, -s, -o for this head, in LTSP 5's order. */
  readonly args: readonly string[];
  /** A mode is set for this head (so no --auto is added for it). */
  readonly modeForced: boolean;
}

export interface XrandrPlan {
  /** 'given': XRANDR_OUTPUT_n name the outputs; 'connected': every connected output, asked at login. */
  readonly outputs: 'given' | 'connected';
  /** XRANDR_AUTO_MULTIHEAD (only for 'connected'). */
  readonly autoMultihead: boolean;
  readonly heads: readonly XrandrHead[];
}

export interface DisplaySettings {
  /** Undefined with XRANDR_DISABLE. A plan with no heads on 'connected' still places the monitors. */
  readonly xrandr?: XrandrPlan;
  /** XRANDR_COMMAND_n: further xrandr argv lists, each starting with "xrandr". */
  readonly xrandrCommands: readonly (readonly string[])[];
  /** X_BLANKING: xset argv lists. */
  readonly xset: readonly (readonly string[])[];
  /** X_NUMLOCK; undefined leaves NumLock as it is. */
  readonly numlock?: boolean;
  /** X_RAMPERC below 100: the X server's memory limit in percent of MemFree + SwapFree. */
  readonly xMemoryPercent?: number;
  /** USE_XFS: font servers to try, in order (TCP 7100); empty: none. */
  readonly fontServers: readonly string[];
}

const OUTPUT = /^[A-Za-z0-9][A-Za-z0-9_.+:-]{0,63}$/;
const MODE = /^\d{2,5}x\d{2,5}i?([_@][0-9.]{1,10})?$/;
const MODE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
const MODELINE_FLAG = /^[+-](hsync|vsync|csync)$|^(interlace|doublescan|csync)$/i;

/** XRANDR_OUTPUT_n: an output name as X reports it (VGA-1, HDMI-A-0, DUMMY0). */
export function checkOutput(config: KeyReader, key: string, value: string): Checked<string> {
  const v = value.trim();
  return OUTPUT.test(v) ? ok(v) : refuse(config, key, `${show(value)} is not an output name`, `set ${key} to an output name as "xrandr --query" lists it, like VGA-1 or HDMI-1`);
}

/** XRANDR_NEWMODE_n: `name clock hdisp hsyncstart hsyncend htotal vdisp vsyncstart vsyncend vtotal [flags]`. */
export function checkNewmode(config: KeyReader, key: string, value: string): Checked<string[]> {
  const words = value.trim().replace(/^"([^"]*)"/, '$1').split(/\s+/);
  const [name, clock, ...rest] = words;
  const numbers = rest.slice(0, 8);
  const flags = rest.slice(8);
  if (
    name !== undefined &&
    MODE_NAME.test(name) &&
    clock !== undefined &&
    /^\d{1,4}(\.\d{1,4})?$/.test(clock) &&
    numbers.length === 8 &&
    numbers.every((n) => /^\d{1,5}$/.test(n)) &&
    flags.every((f) => MODELINE_FLAG.test(f))
  ) {
    return ok(words);
  }
  return refuse(config, key, `${show(value)} is not a mode name followed by a modeline`, `set ${key} like "1280x1024_60 108.00 1280 1328 1440 1688 1024 1025 1028 1066 +hsync +vsync" (cvt prints one)`);
}

function checkMode(newmodes: ReadonlySet<string>) {
  return (config: KeyReader, key: string, value: string): Checked<string> => {
    const v = value.trim();
    if (MODE.test(v) || newmodes.has(v)) return ok(v);
    return refuse(config, key, `${show(value)} is not a mode`, `set ${key} to WIDTHxHEIGHT like 1280x1024, or to the name of a mode an XRANDR_NEWMODE_n defines`);
  };
}

function checkRate(config: KeyReader, key: string, value: string): Checked<string> {
  const v = value.trim();
  const n = Number(v);
  if (/^\d{1,3}(\.\d{1,3})?$/.test(v) && n > 0 && n <= 500) return ok(v);
  return refuse(config, key, `${show(value)} is not a refresh rate`, `set ${key} to a rate in Hz, like 60 or 75`);
}

function checkEnum(values: readonly string[]) {
  return (config: KeyReader, key: string, value: string): Checked<string> => {
    const v = value.trim().toLowerCase();
    return values.includes(v) ? ok(v) : refuse(config, key, `${show(value)} is not one of ${values.join(', ')}`, `set ${key} to one of ${values.join(', ')}`);
  };
}

function checkDpi(config: KeyReader, key: string, value: string): Checked<string> {
  const v = value.trim();
  if ((/^\d{1,4}(\.\d{1,3})?$/.test(v) && Number(v) > 0) || (OUTPUT.test(v) && /^[A-Za-z]/.test(v))) return ok(v);
  return refuse(config, key, `${show(value)} is neither a DPI number nor an output name`, `set ${key} like 96, or to an output name to take the DPI from`);
}

function checkSize(config: KeyReader, key: string, value: string): Checked<string> {
  const v = value.trim();
  if (/^\d{1,5}x\d{1,5}$/.test(v) || /^\d{1,2}$/.test(v)) return ok(v);
  return refuse(config, key, `${show(value)} is not a screen size`, `set ${key} to WIDTHxHEIGHT or a size number from "xrandr --query"`);
}

/** xrandr options that would point it at another display or make it print instead of set. */
const XRANDR_REFUSED_OPTIONS = /^(-d|-display|--display|-q|--query|--verbose|--help|--version)$/;
const XRANDR_WORD = /^[A-Za-z0-9_.:+,=@x/-]{1,64}$/;

/** XRANDR_COMMAND_n: xrandr's arguments as plain words (a leading "xrandr" dropped), on our display only. */
export function checkXrandrCommand(config: KeyReader, key: string, value: string): Checked<string[]> {
  if (/[\r\n\u0000]/.test(value)) return refuse(config, key, `${show(value)} is not one line`, `${key} must be xrandr's arguments on one line`);
  const words = value.trim().split(/[ \t]+/).filter((w) => w !== '');
  if (words[0] === 'xrandr' || words[0] === '/usr/bin/xrandr') words.shift();
  if (words.length === 0) return refuse(config, key, 'no xrandr arguments', `set ${key} to xrandr's arguments, like "--output VGA-1 --mode 1024x768"`);
  if (!words[0]!.startsWith('-')) return refuse(config, key, `${show(value)} does not start with an xrandr option`, `set ${key} to xrandr's arguments, like "--output VGA-1 --mode 1024x768"`);
  for (const w of words) {
    if (!XRANDR_WORD.test(w)) return refuse(config, key, `${show(w)} in ${show(value)} is not a plain xrandr argument (shell syntax or quoting)`, `write ${key} as xrandr options and plain values only; the agent runs xrandr without a shell`);
    if (XRANDR_REFUSED_OPTIONS.test(w)) return refuse(config, key, `${show(w)} is not allowed in ${key}: the settings apply to the screen's own display`, `remove ${w} from ${key}`);
  }
  return ok(['xrandr', ...words]);
}

type Reader = KeyReader<DisplayKey>;

/** The display settings of one screen (a reader with that screen's SCREEN_NN_<KEY> values). */
export function displaySettings(config: Reader, problems: Problem[]): DisplaySettings {
  const xrandr = config.bool('XRANDR_DISABLE') ? undefined : xrandrPlan(config, problems);
  const xrandrCommands = xrandr === undefined ? [] : readFamily(config, 'XRANDR_COMMAND_<n>', problems, checkXrandrCommand).map((c) => c.value);

  const xset: string[][] = [];
  const blanking = readInt(config, 'X_BLANKING', problems, { min: 0, max: 2147483647 });
  if (blanking === 0) xset.push(['xset', 's', 'off'], ['xset', '-dpms']);
  else if (blanking !== undefined) xset.push(['xset', 'dpms', String(blanking)], ['xset', 's', String(blanking)]);

  const numlock = config.nonEmpty('X_NUMLOCK') !== undefined ? config.bool('X_NUMLOCK') : undefined;
  const ram = readInt(config, 'X_RAMPERC', problems, { min: 1, max: 100 });
  const fontServers = config.bool('USE_XFS') ? readList(config, 'XFS_SERVER', problems, checkHost) : [];
  return {
    ...(xrandr ? { xrandr } : {}),
    xrandrCommands,
    xset,
    ...(numlock !== undefined ? { numlock } : {}),
    ...(ram !== undefined && ram < 100 ? { xMemoryPercent: ram } : {}),
    fontServers,
  };
}

function xrandrPlan(config: Reader, problems: Problem[]): XrandrPlan {
  const at = (prefix: string, i: number) => `XRANDR_${prefix}_${i}` as DisplayKey;
  const one = <T>(prefix: string, i: number, check: (c: KeyReader, key: string, v: string) => Checked<T>) => read(config, at(prefix, i), problems, check);

  // X_MODE_0 stands in for XRANDR_MODE_0 (and NEWMODE_0 when it carries a modeline), as LTSP 5;
  // its problems are the x step's to report.
  const xMode0 = config.nonEmpty('X_MODE_0' as DisplayKey)?.trim();
  const compat: { mode?: string; newmode?: string[] } = {};
  if (xMode0 !== undefined && config.nonEmpty('XRANDR_MODE_0' as DisplayKey) === undefined) {
    const words = xMode0.split(/\s+/);
    if (words.length > 1) {
      const nm = checkNewmode(config, 'X_MODE_0', xMode0);
      if (nm.ok) Object.assign(compat, { mode: nm.value[0]!, newmode: nm.value });
    } else if (MODE.test(xMode0)) compat.mode = xMode0;
  }

  const newmodes = new Map<number, string[]>();
  for (const i of INDEXES) {
    const nm = one('NEWMODE', i, checkNewmode);
    if (nm) newmodes.set(i, nm);
  }
  if (compat.newmode && !newmodes.has(0) && config.nonEmpty('XRANDR_NEWMODE_0' as DisplayKey) === undefined) newmodes.set(0, compat.newmode);
  const newmodeNames = new Set([...newmodes.values()].map((w) => w[0]!));

  const heads: XrandrHead[] = [];
  const firstKey = new Map<number, DisplayKey>();
  let anyOutput = false;
  for (const i of INDEXES) {
    const output = one('OUTPUT', i, checkOutput);
    if (output !== undefined) anyOutput = true; // a refused name is as if unset: the rest still applies
    const mode = one('MODE', i, checkMode(newmodeNames)) ?? (i === 0 ? compat.mode : undefined);
    const args: string[] = [];
    const rate = one('RATE', i, checkRate);
    if (rate) args.push('--rate', rate);
    if (mode) args.push('--mode', mode);
    const rotate = one('ROTATE', i, checkEnum(['normal', 'left', 'right', 'inverted']));
    if (rotate) args.push('--rotate', rotate);
    const reflect = one('REFLECT', i, checkEnum(['normal', 'x', 'y', 'xy']));
    if (reflect) args.push('--reflect', reflect);
    const dpi = one('DPI', i, checkDpi);
    if (dpi) args.push('--dpi', dpi);
    const size = one('SIZE', i, checkSize);
    if (size) args.push('-s', size);
    const orientation = one('ORIENTATION', i, checkEnum(['normal', 'inverted', 'left', 'right', '0', '1', '2', '3']));
    if (orientation) args.push('-o', orientation);
    const newmode = newmodes.get(i);
    if (output === undefined && args.length === 0 && newmode === undefined) continue;
    heads.push({ index: i, ...(output ? { output } : {}), ...(newmode ? { newmode } : {}), args, modeForced: mode !== undefined });
    firstKey.set(i, (['MODE', 'RATE', 'ROTATE', 'REFLECT', 'DPI', 'SIZE', 'ORIENTATION'] as const).map((p) => at(p, i)).find((key) => config.nonEmpty(key) !== undefined) ?? at('MODE', i));
  }
  const kept = heads.map((h) => {
    if (!anyOutput || h.output !== undefined || h.args.length === 0) return h;
    problems.push(warn(config, firstKey.get(h.index)!, `XRANDR_OUTPUT_${h.index} is not set, so the XRANDR_*_${h.index} settings have no output to apply to`, `set XRANDR_OUTPUT_${h.index}, or remove the other XRANDR_OUTPUT_n so that the settings go to the connected outputs in turn`));
    return { ...h, args: [], modeForced: false };
  });
  return { outputs: anyOutput ? 'given' : 'connected', autoMultihead: config.bool('XRANDR_AUTO_MULTIHEAD', true), heads: kept.filter((h) => h.output !== undefined || h.args.length > 0 || h.newmode !== undefined) };
}

/**
 * The xrandr runs, given the outputs X reports as connected (only asked for when no
 * XRANDR_OUTPUT_n is set): each XRANDR_NEWMODE_n and its --addmode on its own (xrandr takes the
 * words after a modeline's flags for more flags, so nothing may follow one), then LTSP 5's one
 * run for the outputs. Empty when there is nothing to do.
 */
export function xrandrRuns(plan: XrandrPlan, connected: readonly string[]): string[][] {
  const runs: string[][] = [];
  const addmodes: string[][] = [];
  const outputs: string[] = [];
  const head0Forced = plan.heads.find((h) => h.index === 0)?.modeForced ?? false;
  const place = (output: string, head: XrandrHead | undefined, extra: string[]) => {
    outputs.push('--output', output, ...extra, ...(head?.args ?? []));
    const nm = head?.newmode;
    if (nm && head.args[head.args.indexOf('--mode') + 1] === nm[0]) addmodes.push(['xrandr', '--addmode', output, nm[0]!]);
  };
  for (const h of plan.heads) if (h.newmode) runs.push(['xrandr', '--newmode', ...h.newmode]);
  if (plan.outputs === 'given') {
    for (const h of plan.heads) if (h.output) place(h.output, h, []);
  } else {
    connected.forEach((output, i) => {
      const head = plan.heads.find((h) => h.index === i);
      const extra: string[] = [];
      if (plan.autoMultihead && i > 0) {
        extra.push('--left-of', connected[i - 1]!);
        if (!head?.modeForced && !head0Forced) extra.push('--auto');
      }
      place(output, head, extra);
    });
  }
  runs.push(...addmodes);
  if (outputs.length > 0) runs.push(['xrandr', ...outputs]);
  return runs;
}

/** The outputs `xrandr --query` reports as connected, in its order. */
export function connectedOutputs(query: string): string[] {
  const out: string[] = [];
  for (const line of query.split('\n')) {
    const m = /^(\S+) connected\b/.exec(line);
    if (m && OUTPUT.test(m[1]!)) out.push(m[1]!);
  }
  return out;
}

/** X_RAMPERC: the limit in bytes from /proc/meminfo's MemFree and SwapFree (kB), as LTSP 5 computed it. */
export function xMemoryLimitBytes(meminfo: string, percent: number): number | undefined {
  let kb = 0;
  let seen = false;
  for (const line of meminfo.split('\n')) {
    const m = /^(MemFree|SwapFree):\s+(\d+)\s*kB/.exec(line);
    if (m) {
      kb += Number(m[2]);
      seen = true;
    }
  }
  return seen ? Math.floor((kb * percent) / 100) * 1024 : undefined;
}

/** The settings as a person reads them in the text plan. */
export function describeDisplay(d: DisplaySettings): string {
  const parts: string[] = [];
  if (!d.xrandr) parts.push('xrandr off');
  else if (d.xrandr.heads.length > 0 || d.xrandr.outputs === 'connected') {
    const heads = d.xrandr.heads.map((h) => `${h.output ?? `output ${h.index}`}${h.args.length ? ` ${h.args.join(' ')}` : ''}`);
    parts.push(`xrandr ${d.xrandr.outputs === 'connected' ? `connected outputs${d.xrandr.autoMultihead ? ' side by side' : ''}` : 'given outputs'}${heads.length ? `: ${heads.join('; ')}` : ''}`);
  }
  if (d.xrandrCommands.length) parts.push(`${d.xrandrCommands.length} XRANDR_COMMAND`);
  if (d.xset.length) parts.push(d.xset.map((a) => a.join(' ')).join(', '));
  if (d.numlock !== undefined) parts.push(`NumLock ${d.numlock ? 'on' : 'off'}`);
  if (d.xMemoryPercent !== undefined) parts.push(`X memory ${d.xMemoryPercent}% of free RAM+swap`);
  if (d.fontServers.length) parts.push(`font server ${d.fontServers.join(' or ')}`);
  return parts.join('; ');
}
