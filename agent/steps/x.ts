// X server and keyboard (spec §6). Two steps, one idea: what the X server is told.
//
// x:        X_CONF is used as given (-config). Otherwise the X keys become one xorg.conf.d
//           snippet (Device: XSERVER, X_VIDEO_RAM, X_OPTION_xx; Monitor: X_HORZSYNC,
//           X_VERTREFRESH, X_MONITOR_OPTION_xx, modelines; Screen: X_MODE_n, X_VIRTUAL; Module:
//           X_MODULE_xx) that Xorg merges with its autoconfiguration, and -depth from
//           X_COLOR_DEPTH (16 on thin clients unless X_SMART_COLOR_DEPTH is false, as LTSP 5).
//           The X server's extra arguments go to /run/ltsp/xserver.json for the login phase.
// keyboard: the XKB* keys as an InputClass for every keyboard. LTSP 5 ran setxkbmap after X
//           started, which does nothing where setxkbmap is missing (the Gentoo chroot); the
//           InputClass works for evdev and libinput alike and also for keyboards plugged in
//           later. Where setxkbmap exists the login phase also runs it (/run/ltsp/keyboard.json).

import { pushAll } from '../core/arrays.ts';
import type { Problem } from '../core/errors.ts';
import type { Config } from '../config/config.ts';
import { checkClientPath, checkXkb, checkXorgOption, read, readFamily, readInt, refuse, warn, type Checked } from '../config/values.ts';
import type { Action } from '../plan/actions.ts';
import { present, type StepPlanner } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

export const XORG_SNIPPET = '/etc/X11/xorg.conf.d/50-ltsp.conf';
export const KEYBOARD_SNIPPET = '/etc/X11/xorg.conf.d/40-ltsp-keyboard.conf';
export const XSERVER_ARGS_FILE = '/run/ltsp/xserver.json';
export const KEYBOARD_FILE = '/run/ltsp/keyboard.json';

/** LTSP 4 / typo names, read when the new name is not set (ltsp_config.d/05ltsp-4-compat). */
function compat(config: Config, key: string, old: string): string {
  return config.nonEmpty(key) !== undefined || config.nonEmpty(old) === undefined ? key : old;
}

type Mode = { name: string; modeline?: string };

/** X_MODE_n: "1280x1024", or a modeline `name clock hdisp hss hse htot vdisp vss vse vtot [flags]`. */
function checkMode(config: Config, key: string, value: string): Checked<Mode> {
  const v = value.trim();
  if (/^\d{2,5}x\d{2,5}$/.test(v)) return { ok: true, value: { name: v } };
  const m = /^"?([A-Za-z0-9_.x-]+)"?\s+([\d.]+(?:\s+\d+){8}(?:\s+[+-](?:hsync|vsync|csync)|\s+(?:interlace|doublescan))*)$/i.exec(v);
  if (m) return { ok: true, value: { name: m[1]!, modeline: m[2]!.replace(/\s+/g, ' ') } };
  return refuse(config, key, `"${v}" is neither WIDTHxHEIGHT nor a modeline`, `set ${key} like 1280x1024`);
}

function checkRanges(config: Config, key: string, value: string): Checked<string> {
  if (/^\s*\d+(\.\d+)?(\s*-\s*\d+(\.\d+)?)?(\s*,\s*\d+(\.\d+)?(\s*-\s*\d+(\.\d+)?)?)*\s*$/.test(value)) return { ok: true, value: value.trim() };
  return refuse(config, key, `"${value}" is not a list of ranges`, `set ${key} like 30-81 or "31.5-48.5, 56-70"`);
}

const section = (name: string, body: string[]) => [`Section "${name}"`, ...body.map((l) => `\t${l}`), 'EndSection'];
const option = (o: { name: string; value?: string }) => `Option "${o.name}"${o.value !== undefined ? ` "${o.value}"` : ''}`;

export const planX: StepPlanner = (ctx) => {
  const { config } = ctx;
  const problems: Problem[] = [];
  const actions: Action[] = [];
  const args: string[] = [];
  if (config.nonEmpty('CONFIGURE_X_COMMAND') !== undefined) problems.push(warn(config, 'CONFIGURE_X_COMMAND', 'ignored: the agent writes the X configuration from the X_* keys'));

  const xconfKey = compat(config, 'X_CONF', 'XF86CONFIG_FILE');
  const xconf = read(config, xconfKey, problems, checkClientPath);
  if (xconf !== undefined) {
    args.push('-config', xconf);
    const ignored = ['XSERVER', 'X_MODE_0', 'X_COLOR_DEPTH', 'X_VIDEO_RAM', 'X_HORZSYNC', 'X_VERTREFRESH'].filter((k) => config.nonEmpty(k) !== undefined);
    if (ignored.length) problems.push(warn(config, xconfKey, `${xconfKey} is used as given, so ${ignored.join(', ')} ${ignored.length > 1 ? 'are' : 'is'} ignored`));
  } else {
    const keys: string[] = [];
    const use = <T>(key: string, v: T | undefined): T | undefined => (v !== undefined && keys.push(key), v);

    const driver = use('XSERVER', read(config, 'XSERVER', problems, (c, k, v) => (/^[a-z0-9_]+$/i.test(v) ? { ok: true, value: v } : refuse<string>(c, k, `"${v}" is not an X driver name`, 'set XSERVER like intel, vesa, fbdev or modesetting'))));
    const videoRamKey = compat(config, 'X_VIDEO_RAM', 'X_VIDEORAM');
    const videoRam = use(videoRamKey, readInt(config, videoRamKey, problems, { min: 1 }));
    const deviceOptions = readFamily(config, 'X_OPTION_', problems, checkXorgOption);
    const horzKey = compat(config, 'X_HORZSYNC', 'X_HORIZSYNC');
    const horz = use(horzKey, read(config, horzKey, problems, checkRanges));
    const vert = use('X_VERTREFRESH', read(config, 'X_VERTREFRESH', problems, checkRanges));
    const monitorOptions = readFamily(config, 'X_MONITOR_OPTION_', problems, checkXorgOption);
    const modes = readFamily(config, 'X_MODE_', problems, checkMode);
    const virtual = use('X_VIRTUAL', read(config, 'X_VIRTUAL', problems, (c, k, v) => (/^\d+\s+\d+$/.test(v.trim()) ? { ok: true, value: v.trim().split(/\s+/).join(' ') } : refuse<string>(c, k, `"${v}" is not "WIDTH HEIGHT"`, 'set X_VIRTUAL like "2560 1024"'))));
    const modules = readFamily(config, 'X_MODULE_', problems, (c, k, v) => (/^[A-Za-z0-9_-]+$/.test(v) ? { ok: true, value: v } : refuse<string>(c, k, `"${v}" is not an X module name`, `set ${k} like glx or int10`)));
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

    const fat = config.bool('LTSP_FATCLIENT');
    const depth = readInt(config, 'X_COLOR_DEPTH', problems, { min: 1, max: 32 }) ?? (config.bool('X_SMART_COLOR_DEPTH', true) && !fat ? 16 : undefined);
    if (depth !== undefined) args.push('-depth', String(depth));
  }
  if (args.length > 0) actions.push({ kind: 'write-file', path: XSERVER_ARGS_FILE, content: JSON.stringify({ args }) + '\n', keys: ['X_CONF', 'X_COLOR_DEPTH', 'X_SMART_COLOR_DEPTH'], why: 'arguments for the X server the login starts' });
  if (actions.length === 0) return skipped('x', 'no X keys: Xorg configures itself', problems);
  return planned('x', [], actions, problems);
};

const XKB_KEYS = [
  ['XKBRULES', 'XkbRules', '-rules'],
  ['XKBMODEL', 'XkbModel', '-model'],
  ['XKBLAYOUT', 'XkbLayout', '-layout'],
  ['XKBVARIANT', 'XkbVariant', '-variant'],
  ['XKBOPTIONS', 'XkbOptions', '-option'],
] as const;

function xkbSettings(config: Config, problems: Problem[]): Array<{ key: (typeof XKB_KEYS)[number][0]; option: string; flag: string; value: string }> {
  const out = [];
  for (const [key, option, flag] of XKB_KEYS) {
    const value = read(config, key, problems, checkXkb);
    if (value !== undefined) out.push({ key, option, flag, value });
  }
  return out;
}

/** setxkbmap's argv for the XKB* keys, or undefined when none is set (for the login phase). */
export function setxkbmapArgv(config: Config): string[] | undefined {
  const s = xkbSettings(config, []);
  return s.length ? ['setxkbmap', ...s.flatMap((x) => [x.flag, x.value])] : undefined;
}

export const planKeyboard: StepPlanner = (ctx) => {
  const { config } = ctx;
  const problems: Problem[] = [];
  const settings = xkbSettings(config, problems);
  if (settings.length === 0) return skipped('keyboard', 'no XKB* keys: the X server\'s default keyboard layout', problems);
  const keys = settings.map((s) => s.key);
  const actions: Action[] = [
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
  if (present(ctx, '/usr/bin/setxkbmap')) {
    actions.push({ kind: 'write-file', path: KEYBOARD_FILE, content: JSON.stringify({ setxkbmap: setxkbmapArgv(config) }) + '\n', keys, why: 'the login runs setxkbmap once X is up, as LTSP 5 did' });
  }
  return planned('keyboard', [], actions, problems);
};
