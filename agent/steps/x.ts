// X server and keyboard (LTSP 5's screen.d XS* scripts). Two steps, one idea: what the X server is told.
//
// x:        X_CONF is used as given (-config). Otherwise the X keys become one xorg.conf.d
//           snippet (Device: XSERVER, X_VIDEO_RAM, X_OPTION_xx; Monitor: X_HORZSYNC,
//           X_VERTREFRESH, X_MONITOR_OPTION_xx, modelines; Screen: X_MODE_n, X_VIRTUAL; Module:
//           X_MODULE_xx) that Xorg merges with its autoconfiguration, and -depth from
//           X_COLOR_DEPTH (16 on thin clients unless X_SMART_COLOR_DEPTH is false, as LTSP 5).
//           The X server's extra arguments (xServerArgs) are planned again by the login for
//           its screen, so that SCREEN_NN_X_COLOR_DEPTH works as in LTSP 5.
// keyboard: the XKB* keys as an InputClass for every keyboard. LTSP 5 ran setxkbmap after X
//           started, which does nothing where setxkbmap is missing (the Gentoo chroot); the
//           InputClass works for evdev and libinput alike and also for keyboards plugged in
//           later. Where setxkbmap exists the login also runs it (setxkbmapArgv, in its settings).

import { pushAll } from '../core/arrays.ts';
import type { Problem } from '../core/errors.ts';
import { declareKeys, type KeyReader } from '../config/declare.ts';
import { bool, derived, enumOf, format, int, k, T, unset, val } from '../config/key-spec.ts';
import { checkClientPath, checkXkb, checkXorgOption, read, readFamily, readInt, refuse, warn, type Checked } from '../config/values.ts';
import type { Action } from '../plan/actions.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

export const XORG_SNIPPET = '/etc/X11/xorg.conf.d/50-ltsp.conf';
export const KEYBOARD_SNIPPET = '/etc/X11/xorg.conf.d/40-ltsp-keyboard.conf';

const COLOR_DEPTHS = ['1', '4', '8', '15', '16', '24', '30'];

export const X_KEYS = declareKeys(
  'x',
  {
    X_CONF: k('x', T.path, unset, 'use this xorg.conf from the image instead of generating one'),
    CONFIGURE_X_COMMAND: k('x', T.command, unset, 'program that writes the xorg.conf instead of the built-in generator'),
    XSERVER: k('x', T.word, derived('X autodetection (geode for AMD Geode GX2, fbdev for PowerPC Rage 128)'), 'X video driver'),
    X_VIDEO_RAM: k('x', int(1, 2147483647, 'KB'), unset, 'video memory size for the driver'),
    'X_OPTION_<any>': k('x', T.string, unset, 'an Option line for the Device section: "Name" "Value"'),
    'X_MONITOR_OPTION_<any>': k('x', T.string, unset, 'an Option line for the Monitor section: "Name" "Value"'),
    X_HORZSYNC: k('x', T.string, unset, 'monitor horizontal sync range in kHz'),
    X_VERTREFRESH: k('x', T.string, unset, 'monitor vertical refresh range in Hz'),
    'X_MODE_<n>': k('x', T.string, unset, 'a screen mode, WxH or a name followed by modeline numbers'),
    X_VIRTUAL: k('x', format(/^\d+ +\d+$/, 'width and height separated by a space', '2560 1024'), unset, 'virtual desktop size'),
    'X_MODULE_<any>': k('x', T.word, unset, 'an X module to load'),
    X_COLOR_DEPTH: k('x', enumOf(...COLOR_DEPTHS), derived('16 on thin clients while X_SMART_COLOR_DEPTH is true'),
      'colour depth in bits per pixel', { manDefault: '24' }),
    X_SMART_COLOR_DEPTH: k('x', bool(), val('True'), 'pick 16-bit colour on thin clients to save bandwidth'),
    X_VIRTUAL_AUTO: k('x', bool(), val('False'),
      'without X_VIRTUAL, size the virtual desktop from the XRANDR_MODE_n modes (their widths and heights added up), so that all monitors fit; LTSP 5 turned it on for Intel graphics'),
  },
  { LTSP_FATCLIENT: bool(), 'XRANDR_MODE_<0-8>': T.word },
);

/** X_VIRTUAL_AUTO (LTSP 5's XS85-virtual): the XRANDR_MODE_n widths added up, and their heights. */
function virtualAuto(config: KeyReader<'XRANDR_MODE_<0-8>'>): string | undefined {
  let w = 0;
  let h = 0;
  for (const [, v] of config.family('XRANDR_MODE_<0-8>')) {
    const m = /^(\d{2,5})x(\d{2,5})/.exec(v.trim());
    if (!m) continue;
    w += Number(m[1]);
    h += Number(m[2]);
  }
  return w > 0 ? `${w} ${h}` : undefined;
}

/** The keys xServerArgs reads: whoever calls it declares them too (the login does). */
export type XServerArgsKey = 'X_CONF' | 'X_COLOR_DEPTH' | 'X_SMART_COLOR_DEPTH' | 'LTSP_FATCLIENT';

/**
 * The X server's own arguments: `-config X_CONF`, else `-depth` from X_COLOR_DEPTH (16 on thin
 * clients while X_SMART_COLOR_DEPTH, as LTSP 5). A depth that is no X depth is refused.
 */
export function xServerArgs(config: KeyReader<XServerArgsKey>, problems: Problem[]): { args: string[]; xconf?: string } {
  const xconf = read(config, 'X_CONF', problems, checkClientPath);
  if (xconf !== undefined) return { args: ['-config', xconf], xconf };
  const asked = read(config, 'X_COLOR_DEPTH', problems, (c, key, v) =>
    COLOR_DEPTHS.includes(v.trim()) ? { ok: true, value: Number(v.trim()) } : refuse<number>(c, key, `"${v}" is not a colour depth X supports`, `set ${key} to one of ${COLOR_DEPTHS.join(', ')}`),
  );
  const depth = asked ?? (config.bool('X_SMART_COLOR_DEPTH', true) && !config.bool('LTSP_FATCLIENT') ? 16 : undefined);
  return { args: depth !== undefined ? ['-depth', String(depth)] : [] };
}

type Mode = { name: string; modeline?: string };

/** X_MODE_n: "1280x1024", or a modeline `name clock hdisp hss hse htot vdisp vss vse vtot [flags]`. */
function checkMode(config: KeyReader, key: string, value: string): Checked<Mode> {
  const v = value.trim();
  if (/^\d{2,5}x\d{2,5}$/.test(v)) return { ok: true, value: { name: v } };
  const m = /^"?([A-Za-z0-9_.x-]+)"?\s+([\d.]+(?:\s+\d+){8}(?:\s+[+-](?:hsync|vsync|csync)|\s+(?:interlace|doublescan))*)$/i.exec(v);
  if (m) return { ok: true, value: { name: m[1]!, modeline: m[2]!.replace(/\s+/g, ' ') } };
  return refuse(config, key, `"${v}" is neither WIDTHxHEIGHT nor a modeline`, `set ${key} like 1280x1024`);
}

function checkRanges(config: KeyReader, key: string, value: string): Checked<string> {
  if (/^\s*\d+(\.\d+)?(\s*-\s*\d+(\.\d+)?)?(\s*,\s*\d+(\.\d+)?(\s*-\s*\d+(\.\d+)?)?)*\s*$/.test(value)) return { ok: true, value: value.trim() };
  return refuse(config, key, `"${value}" is not a list of ranges`, `set ${key} like 30-81 or "31.5-48.5, 56-70"`);
}

const section = (name: string, body: string[]) => [`Section "${name}"`, ...body.map((l) => `\t${l}`), 'EndSection'];
const option = (o: { name: string; value?: string }) => `Option "${o.name}"${o.value !== undefined ? ` "${o.value}"` : ''}`;

export const planX = definePlanner(X_KEYS, (ctx) => {
  const { config } = ctx;
  const problems: Problem[] = [];
  const actions: Action[] = [];
  if (config.nonEmpty('CONFIGURE_X_COMMAND') !== undefined) problems.push(warn(config, 'CONFIGURE_X_COMMAND', 'ignored: the agent writes the X configuration from the X_* keys', 'remove CONFIGURE_X_COMMAND; set the X_* keys instead'));

  const server = xServerArgs(config, problems);
  const autoVirtual = config.bool('X_VIRTUAL_AUTO') ? virtualAuto(config) : undefined;
  if (server.xconf !== undefined) {
    const ignored: string[] = (['XSERVER', 'X_COLOR_DEPTH', 'X_VIDEO_RAM', 'X_HORZSYNC', 'X_VERTREFRESH'] as const).filter((key) => config.nonEmpty(key) !== undefined);
    if (autoVirtual !== undefined) ignored.push('X_VIRTUAL_AUTO');
    if (config.family('X_MODE_<n>').length > 0) ignored.push('X_MODE_<n>');
    if (ignored.length) problems.push(warn(config, 'X_CONF', `X_CONF is used as given, so ${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} ignored`));
  } else {
    const keys: string[] = [];
    const use = <T>(key: string, v: T | undefined): T | undefined => (v !== undefined && keys.push(key), v);

    const driver = use('XSERVER', read(config, 'XSERVER', problems, (c, k, v) => (/^[a-z0-9_]+$/i.test(v) ? { ok: true, value: v } : refuse<string>(c, k, `"${v}" is not an X driver name`, 'set XSERVER like intel, vesa, fbdev or modesetting'))));
    const videoRam = use('X_VIDEO_RAM', readInt(config, 'X_VIDEO_RAM', problems, { min: 1 }));
    const deviceOptions = readFamily(config, 'X_OPTION_<any>', problems, checkXorgOption);
    const horz = use('X_HORZSYNC', read(config, 'X_HORZSYNC', problems, checkRanges));
    const vert = use('X_VERTREFRESH', read(config, 'X_VERTREFRESH', problems, checkRanges));
    const monitorOptions = readFamily(config, 'X_MONITOR_OPTION_<any>', problems, checkXorgOption);
    const modes = readFamily(config, 'X_MODE_<n>', problems, checkMode);
    const virtual =
      use('X_VIRTUAL', read(config, 'X_VIRTUAL', problems, (c, k, v) => (/^\d+\s+\d+$/.test(v.trim()) ? { ok: true, value: v.trim().split(/\s+/).join(' ') } : refuse<string>(c, k, `"${v}" is not "WIDTH HEIGHT"`, 'set X_VIRTUAL like "2560 1024"')))) ??
      use('X_VIRTUAL_AUTO', autoVirtual);
    const modules = readFamily(config, 'X_MODULE_<any>', problems, (c, k, v) => (/^[A-Za-z0-9_-]+$/.test(v) ? { ok: true, value: v } : refuse<string>(c, k, `"${v}" is not an X module name`, `set ${k} like glx or int10`)));
    for (const x of [...deviceOptions, ...monitorOptions, ...modes, ...modules]) keys.push(x.key);

    const device = [
      'Identifier "ltsp-device"',
      ...(driver ? [`Driver "${driver}"`] : []),
      ...(videoRam !== undefined ? [`VideoRam ${videoRam}`] : []),
      ...deviceOptions.map((o) => option(o.value)),
    ];
    const monitor = [
      'Identifier "ltsp-monitor"',
      ...(horz ? [`HorizSync ${horz}`] : []),
      ...(vert ? [`VertRefresh ${vert}`] : []),
      ...modes.filter((m) => m.value.modeline).map((m) => `Modeline "${m.value.name}" ${m.value.modeline}`),
      ...monitorOptions.map((o) => option(o.value)),
    ];
    const display = [...(modes.length ? [`Modes ${modes.map((m) => `"${m.value.name}"`).join(' ')}`] : []), ...(virtual ? [`Virtual ${virtual}`] : [])];
    if (keys.length > 0) {
      const lines = [generatedHeader()];
      // Xorg needs the Screen to tie a Monitor (ranges, modelines) and the Modes to the Device.
      pushAll(lines, section('Device', device));
      if (monitor.length > 1) pushAll(lines, section('Monitor', monitor));
      lines.push(
        ...section('Screen', [
          'Identifier "ltsp-screen"',
          'Device "ltsp-device"',
          ...(monitor.length > 1 ? ['Monitor "ltsp-monitor"'] : []),
          ...(display.length ? ['SubSection "Display"', ...display.map((d) => `\t${d}`), 'EndSubSection'] : []),
        ]),
      );
      if (modules.length) pushAll(lines, section('Module', modules.map((m) => `Load "${m.value}"`)));
      actions.push({ kind: 'write-file', path: XORG_SNIPPET, content: lines.join('\n') + '\n', keys, why: 'X settings from lts.conf, merged with Xorg\'s autoconfiguration' });
    }
  }
  if (actions.length === 0) {
    const why = server.xconf !== undefined ? `the login starts X with -config ${server.xconf}` : 'no X keys: Xorg configures itself';
    return skipped('x', server.args.length > 0 && server.xconf === undefined ? `nothing to write: the login starts X with ${server.args.join(' ')}` : why, problems);
  }
  return planned('x', [], actions, problems);
});

const XKB_KEYS = [
  ['XKBRULES', 'XkbRules', '-rules'],
  ['XKBMODEL', 'XkbModel', '-model'],
  ['XKBLAYOUT', 'XkbLayout', '-layout'],
  ['XKBVARIANT', 'XkbVariant', '-variant'],
  ['XKBOPTIONS', 'XkbOptions', '-option'],
] as const;

export const KEYBOARD_KEYS = declareKeys('keyboard', {
  XKBLAYOUT: k('keyboard', T.word, unset, 'keyboard layout(s), comma-separated (us, de, fr ...)'),
  XKBMODEL: k('keyboard', T.word, unset, 'keyboard model (pc105 ...)'),
  XKBVARIANT: k('keyboard', T.word, unset, 'layout variant(s), comma-separated'),
  XKBOPTIONS: k('keyboard', T.word, unset, 'XKB options, comma-separated (grp:alt_shift_toggle ...)'),
  XKBRULES: k('keyboard', T.word, unset, 'XKB rules file (evdev ...)'),
  CONSOLE_KEYMAP: k('keyboard', T.word, unset, 'keymap for the text console (kbd\'s loadkeys; Gentoo: /etc/conf.d/keymaps)', { manDefault: 'en' }),
});

export const GENTOO_KEYMAPS = '/etc/conf.d/keymaps';

/** CONSOLE_KEYMAP: a kbd keymap name (de-latin1-nodeadkeys, fr, uk), never an option or a path. */
function checkKeymap(config: KeyReader, key: string, value: string): Checked<string> {
  const v = value.trim();
  if (/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$/.test(v)) return { ok: true, value: v };
  return refuse(config, key, `"${v.replace(/[^\x20-\x7e]/g, '?').slice(0, 60)}" is not a console keymap name`, `set ${key} to a keymap name like de-latin1-nodeadkeys, fr or uk`);
}

/** The console keymap actions: Gentoo's keymaps service file where OpenRC's /etc/conf.d is, else loadkeys now (as LTSP 5.2 and ALT Linux did). */
function consoleKeymap(ctx: { facts: { present: ReadonlySet<string> } }, keymap: string): Action | undefined {
  if (ctx.facts.present.has('/etc/conf.d')) {
    const content = [generatedHeader(), `keymap="${keymap}"`, 'windowkeys="YES"', 'extended_keymaps=""', 'dumpkeys_charset=""', 'fix_euro="NO"'].join('\n') + '\n';
    return { kind: 'write-file', path: GENTOO_KEYMAPS, content, keys: ['CONSOLE_KEYMAP'], why: 'the console keymap OpenRC\'s keymaps service loads' };
  }
  const loadkeys = ctx.facts.present.has('/bin/loadkeys') ? '/bin/loadkeys' : ctx.facts.present.has('/usr/bin/loadkeys') ? '/usr/bin/loadkeys' : undefined;
  if (loadkeys === undefined) return undefined;
  return { kind: 'run', argv: [loadkeys, keymap], timeoutMs: 15_000, bestEffort: true, keys: ['CONSOLE_KEYMAP'], why: 'the console keymap' };
}

/** The keys setxkbmapArgv reads: whoever calls it declares them too (the login does). */
export type XkbKey = (typeof XKB_KEYS)[number][0];

function xkbSettings(config: KeyReader<XkbKey>, problems: Problem[]): Array<{ key: (typeof XKB_KEYS)[number][0]; option: string; flag: string; value: string }> {
  const out = [];
  for (const [key, option, flag] of XKB_KEYS) {
    const value = read(config, key, problems, checkXkb);
    if (value !== undefined) out.push({ key, option, flag, value });
  }
  return out;
}

/** setxkbmap's argv for the XKB* keys, or undefined when none is set (for the login phase). */
export function setxkbmapArgv(config: KeyReader<XkbKey>, problems: Problem[] = []): string[] | undefined {
  const s = xkbSettings(config, problems);
  return s.length ? ['setxkbmap', ...s.flatMap((x) => [x.flag, x.value])] : undefined;
}

export const planKeyboard = definePlanner(KEYBOARD_KEYS, (ctx) => {
  const { config } = ctx;
  const problems: Problem[] = [];
  const settings = xkbSettings(config, problems);
  const keymap = read(config, 'CONSOLE_KEYMAP', problems, checkKeymap);
  const consoleAction = keymap !== undefined ? consoleKeymap(ctx, keymap) : undefined;
  if (keymap !== undefined && consoleAction === undefined) problems.push(warn(config, 'CONSOLE_KEYMAP', 'the client chroot has no loadkeys (kbd) and no /etc/conf.d/keymaps: the console keymap stays as it is', 'install kbd in the client chroot'));
  if (settings.length === 0 && consoleAction === undefined) return skipped('keyboard', 'no XKB* keys: the X server\'s default keyboard layout', problems);
  if (settings.length === 0) return planned('keyboard', [], [consoleAction!], problems);
  const keys = settings.map((s) => s.key);
  const actions: Action[] = [
    ...(consoleAction ? [consoleAction] : []),
    {
      kind: 'write-file',
      path: KEYBOARD_SNIPPET,
      content: [generatedHeader(), ...section('InputClass', ['Identifier "ltsp-keyboard"', 'MatchIsKeyboard "on"', ...settings.map((s) => `Option "${s.option}" "${s.value}"`)])].join('\n') + '\n',
      keys,
      why: 'keyboard layout for every keyboard, also ones plugged in later',
    },
  ];
  if (present(ctx, '/etc/default/keyboard')) {
    // Read by console-setup and by udev for hot-plugged keyboards (Debian's 50-keyboard).
    const get = (k: string) => settings.find((s) => s.key === k)?.value ?? '';
    const content = [generatedHeader(), `XKBMODEL="${get('XKBMODEL') || 'pc105'}"`, `XKBLAYOUT="${get('XKBLAYOUT') || 'us'}"`, `XKBVARIANT="${get('XKBVARIANT')}"`, `XKBOPTIONS="${get('XKBOPTIONS')}"`, 'BACKSPACE="guess"'].join('\n') + '\n';
    actions.push({ kind: 'write-file', path: '/etc/default/keyboard', content, keys, why: 'the console and udev use the same layout' });
  }
  return planned('keyboard', [], actions, problems);
});
