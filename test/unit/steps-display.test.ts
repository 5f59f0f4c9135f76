// The display settings the login plans per screen (agent/steps/display.ts) and how the login
// applies them (agent/login/display.ts, with programs and probes injected): xrandr for given and
// connected outputs, LTSP 5's side-by-side placement, X_MODE_0 as a fallback, XRANDR_COMMAND_n,
// X_BLANKING, X_NUMLOCK, X_RAMPERC, USE_XFS; every refusal names its key and line, and the rest
// still applies. Also X_VIRTUAL_AUTO (x step) and CONSOLE_KEYMAP (keyboard step).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLoginFor, type LoginSettings } from '../../agent/steps/login.ts';
import { connectedOutputs, xMemoryLimitBytes, xrandrRuns, type DisplaySettings } from '../../agent/steps/display.ts';
import { applyDisplaySettings, xStartOptions, type Runner } from '../../agent/login/display.ts';
import { memoryLimited } from '../../agent/login/x-server.ts';
import { planKeyboard, planX, XORG_SNIPPET, GENTOO_KEYMAPS } from '../../agent/steps/x.ts';
import { CONF_FILE, ctxOf, fileContent, runs } from './steps-fixtures.ts';

function plan(rec: Record<string, string>): { s: LoginSettings; problems: Array<{ key: string; line: unknown; file: unknown; message: string }> } {
  const r = planLoginFor(ctxOf({ SCREEN_07: 'ldm', ...rec }));
  return { s: r.plan.screens[0]!, problems: r.problems.map((p) => ({ key: p.where.key!, line: p.where.line, file: p.where.file, message: p.message })) };
}
const display = (rec: Record<string, string>): DisplaySettings => plan(rec).s.display;

test('nothing set: no xrandr changes beyond placing connected monitors, no xset, NumLock left alone', () => {
  const d = display({});
  assert.deepEqual(d.xrandr, { outputs: 'connected', autoMultihead: true, heads: [] });
  assert.deepEqual(d.xset, []);
  assert.equal(d.numlock, undefined);
  assert.equal(d.xMemoryPercent, undefined);
  assert.deepEqual(d.fontServers, []);
  assert.deepEqual(xrandrRuns(d.xrandr!, ['VGA-1']), [['xrandr', '--output', 'VGA-1']]);
});

test('XRANDR_MODE_0 without outputs: every connected output, further ones left of the previous with the mode of output 0', () => {
  const d = display({ XRANDR_MODE_0: '1280x1024', XRANDR_RATE_0: '75' });
  assert.deepEqual(xrandrRuns(d.xrandr!, ['VGA-1', 'DVI-1']), [['xrandr', '--output', 'VGA-1', '--rate', '75', '--mode', '1280x1024', '--output', 'DVI-1', '--left-of', 'VGA-1']]);
  // no mode forced anywhere: --auto for the further outputs (LTSP 5's I10-xrandr)
  const auto = display({ XRANDR_ROTATE_1: 'left' });
  assert.deepEqual(xrandrRuns(auto.xrandr!, ['VGA-1', 'DVI-1']), [['xrandr', '--output', 'VGA-1', '--output', 'DVI-1', '--left-of', 'VGA-1', '--auto', '--rotate', 'left']]);
  const single = display({ XRANDR_AUTO_MULTIHEAD: 'False' });
  assert.deepEqual(xrandrRuns(single.xrandr!, ['VGA-1', 'DVI-1']), [['xrandr', '--output', 'VGA-1', '--output', 'DVI-1']]);
});

test('given outputs: each with its own settings; a new mode is defined and added to its output in runs of their own', () => {
  const d = display({
    XRANDR_OUTPUT_0: 'HDMI-1', XRANDR_MODE_0: 'lab720', XRANDR_NEWMODE_0: 'lab720 74.25 1280 1390 1430 1650 720 725 730 750 +hsync +vsync',
    XRANDR_OUTPUT_1: 'VGA-1', XRANDR_MODE_1: '1024x768', XRANDR_REFLECT_1: 'X', XRANDR_DPI_1: '96', XRANDR_SIZE_1: '1024x768', XRANDR_ORIENTATION_1: 'normal',
  });
  assert.equal(d.xrandr!.outputs, 'given');
  assert.deepEqual(xrandrRuns(d.xrandr!, []), [
    ['xrandr', '--newmode', 'lab720', '74.25', '1280', '1390', '1430', '1650', '720', '725', '730', '750', '+hsync', '+vsync'],
    ['xrandr', '--addmode', 'HDMI-1', 'lab720'],
    ['xrandr', '--output', 'HDMI-1', '--mode', 'lab720', '--output', 'VGA-1', '--mode', '1024x768', '--reflect', 'x', '--dpi', '96', '-s', '1024x768', '-o', 'normal'],
  ]);
});

test('X_MODE_0 stands in for XRANDR_MODE_0, a modeline for XRANDR_NEWMODE_0; XRANDR_MODE_0 wins', () => {
  assert.deepEqual(display({ X_MODE_0: '800x600' }).xrandr!.heads[0]!.args, ['--mode', '800x600']);
  const nm = display({ X_MODE_0: 'm1 74.25 1280 1390 1430 1650 720 725 730 750' }).xrandr!.heads[0]!;
  assert.deepEqual([nm.args, nm.newmode?.[0]], [['--mode', 'm1'], 'm1']);
  assert.deepEqual(display({ X_MODE_0: '800x600', XRANDR_MODE_0: '1024x768' }).xrandr!.heads[0]!.args, ['--mode', '1024x768']);
  assert.equal(display({ XRANDR_DISABLE: 'True', XRANDR_MODE_0: '800x600', XRANDR_COMMAND_0: '--output VGA-1 --off' }).xrandr, undefined);
  assert.deepEqual(display({ XRANDR_DISABLE: 'True', XRANDR_COMMAND_0: '--output VGA-1 --off' }).xrandrCommands, []);
});

test('SCREEN_NN_ overrides reach the screen\'s display settings', () => {
  const r = planLoginFor(ctxOf({ SCREEN_07: 'ldm', SCREEN_08: 'ldm', XRANDR_MODE_0: '1024x768', SCREEN_08_XRANDR_MODE_0: '800x600', SCREEN_08_X_NUMLOCK: 'True' }));
  const [seven, eight] = r.plan.screens;
  assert.deepEqual(seven!.display.xrandr!.heads[0]!.args, ['--mode', '1024x768']);
  assert.equal(seven!.display.numlock, undefined);
  assert.deepEqual(eight!.display.xrandr!.heads[0]!.args, ['--mode', '800x600']);
  assert.equal(eight!.display.numlock, true);
});

test('refusals name key and line; the other settings still apply', () => {
  const { s, problems } = plan({
    XRANDR_MODE_0: 'big', // line 3
    XRANDR_OUTPUT_1: 'VGA-1;reboot', // 4
    XRANDR_RATE_0: '60Hz', // 5
    XRANDR_ROTATE_0: 'sideways', // 6
    XRANDR_NEWMODE_1: 'm1 fast', // 7
    XRANDR_DPI_0: '-96', // 8
    XRANDR_COMMAND_1: '--output VGA-1 --mode `id`', // 9
    XRANDR_COMMAND_2: '--display :0 --output VGA-1 --off', // 10
    XRANDR_COMMAND_3: 'reboot', // 11
    X_BLANKING: 'never', // 12
    X_RAMPERC: '150', // 13
    XFS_SERVER: 'fonts;rm', // 14
    USE_XFS: 'True', // 15
    X_NUMLOCK: 'True', // 16
    XRANDR_SIZE_0: '800x600', // 17
  });
  const want: Array<[string, number, RegExp]> = [
    ['XRANDR_MODE_0', 3, /"big" is not a mode/],
    ['XRANDR_OUTPUT_1', 4, /is not an output name/],
    ['XRANDR_RATE_0', 5, /not a refresh rate/],
    ['XRANDR_ROTATE_0', 6, /not one of normal, left, right, inverted/],
    ['XRANDR_NEWMODE_1', 7, /not a mode name followed by a modeline/],
    ['XRANDR_DPI_0', 8, /neither a DPI number nor an output name/],
    ['XRANDR_COMMAND_1', 9, /not a plain xrandr argument/],
    ['XRANDR_COMMAND_2', 10, /not allowed.*own display/],
    ['XRANDR_COMMAND_3', 11, /does not start with an xrandr option/],
    ['X_BLANKING', 12, /.+/],
    ['X_RAMPERC', 13, /.+/],
    ['XFS_SERVER', 14, /.+/],
  ];
  for (const [key, line, re] of want) {
    const p = problems.find((x) => x.key === key);
    assert.ok(p, `${key} refused: ${JSON.stringify(problems)}`);
    assert.deepEqual([p.line, p.file], [line, CONF_FILE], key);
    assert.match(p.message, re, key);
  }
  assert.equal(problems.length, want.length, JSON.stringify(problems));
  // what was good still applies
  assert.deepEqual(s.display.xrandr!.heads, [{ index: 0, args: ['-s', '800x600'], modeForced: false }]);
  assert.equal(s.display.numlock, true);
  assert.deepEqual(s.display.xset, []);
  assert.equal(s.display.xMemoryPercent, undefined);
  assert.deepEqual(s.display.fontServers, []);
  assert.doesNotMatch(JSON.stringify(s.display), /reboot|`id`|rm/);
});

test('XRANDR_COMMAND_n: a leading xrandr dropped, run in sort -V order', () => {
  const d = display({ XRANDR_COMMAND_10: '--output VGA-1 --off', XRANDR_COMMAND_2: 'xrandr --output HDMI-1 --primary' });
  assert.deepEqual(d.xrandrCommands, [['xrandr', '--output', 'HDMI-1', '--primary'], ['xrandr', '--output', 'VGA-1', '--off']]);
});

test('X_BLANKING: xset dpms and s N; 0 turns both off', () => {
  assert.deepEqual(display({ X_BLANKING: '600' }).xset, [['xset', 'dpms', '600'], ['xset', 's', '600']]);
  assert.deepEqual(display({ X_BLANKING: '0' }).xset, [['xset', 's', 'off'], ['xset', '-dpms']]);
});

test('X_NUMLOCK, X_RAMPERC and USE_XFS (XFS_SERVER, else the login servers, else the boot server)', () => {
  assert.equal(display({ X_NUMLOCK: 'False' }).numlock, false);
  assert.equal(display({ X_RAMPERC: '100' }).xMemoryPercent, undefined);
  assert.equal(display({ X_RAMPERC: '40' }).xMemoryPercent, 40);
  assert.deepEqual(display({ USE_XFS: 'True', XFS_SERVER: 'fonts1 fonts2' }).fontServers, ['fonts1', 'fonts2']);
  assert.deepEqual(display({ USE_XFS: 'True', LDM_SERVER: 'app1 app2' }).fontServers, ['app1', 'app2']);
  assert.deepEqual(display({ USE_XFS: 'True' }).fontServers, ['192.168.67.1']);
  assert.deepEqual(display({ XFS_SERVER: 'fonts1' }).fontServers, [], 'only with USE_XFS');
});

test('connected outputs from xrandr --query; the memory limit from /proc/meminfo; prlimit wraps the X server', () => {
  const q = 'Screen 0: minimum 8 x 8\nVGA-1 connected primary 1024x768+0+0\n   1024x768 60.00*+\nDVI-1 disconnected\nHDMI-1 connected 800x600+1024+0\n';
  assert.deepEqual(connectedOutputs(q), ['VGA-1', 'HDMI-1']);
  assert.equal(xMemoryLimitBytes('MemTotal: 4000 kB\nMemFree:  1000 kB\nSwapFree: 3000 kB\n', 50), 2000 * 1024);
  assert.equal(xMemoryLimitBytes('nonsense', 50), undefined);
  assert.deepEqual(memoryLimited(['Xorg', ':7'], 1024), ['/usr/bin/prlimit', '--data=1024', '--', 'Xorg', ':7']);
});

test('xStartOptions: the first font server that answers; the memory limit only where prlimit exists', async () => {
  const d: DisplaySettings = { xrandrCommands: [], xset: [], fontServers: ['down', 'up', 'also-up'], xMemoryPercent: 25 };
  const asked: string[] = [];
  const io = { probe: async (h: string, p: number) => (asked.push(`${h}:${p}`), h !== 'down'), meminfo: async () => 'MemFree: 4000 kB\nSwapFree: 0 kB\n', hasPrlimit: async () => true };
  assert.deepEqual(await xStartOptions(d, undefined, io), { args: ['-fp', 'tcp/up:7100'], memoryLimitBytes: 1000 * 1024 });
  assert.deepEqual(asked, ['down:7100', 'up:7100']);
  assert.deepEqual(await xStartOptions(d, undefined, { ...io, hasPrlimit: async () => false }), { args: ['-fp', 'tcp/up:7100'] });
  assert.deepEqual(await xStartOptions({ ...d, fontServers: ['down'] }, undefined, { ...io, hasPrlimit: async () => false }), { args: [] });
});

test('applyDisplaySettings: asks for connected outputs, runs xrandr, commands, xset on the display, sets NumLock; a failure does not stop the rest', async () => {
  const d = display({ XRANDR_MODE_0: '800x600', XRANDR_COMMAND_0: '--output VGA-1 --primary', X_BLANKING: '300', X_NUMLOCK: 'True' });
  const ran: string[] = [];
  const run: Runner = async (argv, opts) => {
    ran.push(`${opts.env?.['DISPLAY']} ${argv.join(' ')}`);
    const stdout = argv[1] === '--query' ? 'VGA-1 connected 1024x768+0+0\n' : '';
    if (argv.includes('--primary')) throw new Error('xrandr: program not found');
    return { argv, code: argv[0] === 'xset' && argv[1] === 'dpms' ? 1 : 0, signal: null, stdout, stderr: '', ms: 1 };
  };
  const numlock: boolean[] = [];
  await applyDisplaySettings(d, { env: { DISPLAY: ':7' }, display: 7 }, undefined, { run, numlock: async (on) => numlock.push(on) });
  assert.deepEqual(ran, [':7 xrandr --query', ':7 xrandr --output VGA-1 --mode 800x600', ':7 xrandr --output VGA-1 --primary', ':7 xset dpms 300', ':7 xset s 300']);
  assert.deepEqual(numlock, [true]);
});

test('X_VIRTUAL_AUTO: the virtual size from the XRANDR_MODE_n modes, unless X_VIRTUAL is set', () => {
  const p = planX(ctxOf({ X_VIRTUAL_AUTO: 'True', XRANDR_MODE_0: '1280x1024', XRANDR_MODE_1: '1024x768' }, ['/etc/X11/xorg.conf.d']));
  assert.match(fileContent(p, XORG_SNIPPET)!, /Virtual 2304 1792/);
  const given = planX(ctxOf({ X_VIRTUAL_AUTO: 'True', X_VIRTUAL: '3000 1200', XRANDR_MODE_0: '1280x1024' }, ['/etc/X11/xorg.conf.d']));
  assert.match(fileContent(given, XORG_SNIPPET)!, /Virtual 3000 1200/);
  assert.equal(fileContent(planX(ctxOf({ X_VIRTUAL_AUTO: 'False', XRANDR_MODE_0: '1280x1024' })), XORG_SNIPPET), undefined);
});

test('CONSOLE_KEYMAP: loadkeys on Debian, /etc/conf.d/keymaps on Gentoo, a bad name refused with its line', () => {
  assert.deepEqual(runs(planKeyboard(ctxOf({ CONSOLE_KEYMAP: 'de-latin1-nodeadkeys' }, ['/bin/loadkeys']))), [['/bin/loadkeys', 'de-latin1-nodeadkeys']]);
  const gentoo = planKeyboard(ctxOf({ CONSOLE_KEYMAP: 'fr', XKBLAYOUT: 'fr' }, ['/etc/conf.d', '/bin/loadkeys']));
  assert.match(fileContent(gentoo, GENTOO_KEYMAPS)!, /^keymap="fr"$/m);
  assert.deepEqual(runs(gentoo), []);
  const none = planKeyboard(ctxOf({ CONSOLE_KEYMAP: 'fr' }, []));
  assert.equal(none.problems[0]?.where.key, 'CONSOLE_KEYMAP');
  for (const bad of ['-C /dev/tty1', '../../etc/passwd', 'de"; reboot']) {
    const p = planKeyboard(ctxOf({ CONSOLE_KEYMAP: bad }, ['/bin/loadkeys']));
    assert.deepEqual(runs(p), [], bad);
    assert.equal(p.problems[0]?.where.key, 'CONSOLE_KEYMAP', bad);
    assert.equal(p.problems[0]?.where.line, 2, bad);
    assert.match(p.problems[0]!.message, /not a console keymap name/, bad);
  }
});
