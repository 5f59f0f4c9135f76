import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYBOARD_SNIPPET, planKeyboard, planX, setxkbmapArgv, XORG_SNIPPET } from '../../agent/steps/x.ts';
import { planLoginFor } from '../../agent/steps/login.ts';
import { applyRenames } from '../../agent/boot/checks.ts';
import { allText, confOf, ctxOf, fileContent, refusalOf } from './steps-fixtures.ts';

/** The X server's arguments as the login plans them for screen 07 (old key names renamed as at boot). */
const argsOf = (rec: Record<string, string>) => planLoginFor({ ...ctxOf(rec), config: applyRenames(confOf(rec)) }).plan.screens[0]!.xserverArgs;

test('x: no keys -> -depth 16 on thin clients only (LTSP 5 X_SMART_COLOR_DEPTH)', () => {
  const p = planX(ctxOf({}));
  assert.deepEqual(argsOf({}), ['-depth', '16']);
  assert.match(p.skipped!, /login starts X with -depth 16/);
  assert.equal(fileContent(p, XORG_SNIPPET), undefined);
  assert.deepEqual(argsOf({ LTSP_FATCLIENT: 'True' }), []);
  assert.match(planX(ctxOf({ LTSP_FATCLIENT: 'True' })).skipped!, /Xorg configures itself/);
  assert.match(planX(ctxOf({ X_SMART_COLOR_DEPTH: 'False' })).skipped!, /Xorg configures itself/);
  assert.deepEqual(argsOf({ X_COLOR_DEPTH: '24' }), ['-depth', '24']);
  // per screen, as LTSP 5's screen script read it
  assert.deepEqual(argsOf({ X_COLOR_DEPTH: '24', SCREEN_07: 'ldm', SCREEN_07_X_COLOR_DEPTH: '16' }), ['-depth', '16']);
});

test('x: X_COLOR_DEPTH takes only depths X supports; a bad one is refused and X picks its own', () => {
  const p = planX(ctxOf({ X_COLOR_DEPTH: '12' }));
  assert.match(refusalOf(p, 'X_COLOR_DEPTH'), /not a colour depth/);
  assert.deepEqual(argsOf({ X_COLOR_DEPTH: '12', X_SMART_COLOR_DEPTH: 'False' }), []);
  assert.deepEqual(argsOf({ X_COLOR_DEPTH: '12' }), ['-depth', '16'], 'the refused value is left out; the thin-client default applies');
  assert.ok(!JSON.stringify(p).includes('-depth 12'));
});

test('x: X_CONF is used as given and the generated parts stay out', () => {
  const rec = { X_CONF: '/etc/X11/xorg.conf.lab', XSERVER: 'vesa', X_COLOR_DEPTH: '24' };
  const p = planX(ctxOf(rec));
  assert.deepEqual(argsOf(rec), ['-config', '/etc/X11/xorg.conf.lab']);
  assert.equal(fileContent(p, XORG_SNIPPET), undefined);
  assert.match(refusalOf(p, 'X_CONF'), /XSERVER, X_COLOR_DEPTH is ignored|are ignored/);
  assert.deepEqual(argsOf({ XF86CONFIG_FILE: '/etc/X11/old.conf' }), ['-config', '/etc/X11/old.conf']);
  const evil = planX(ctxOf({ X_CONF: '/etc/../../tmp/evil.conf' }));
  assert.match(refusalOf(evil, 'X_CONF'), /\.\./);
  assert.ok(!allText(evil).includes('evil'));
});

test('x: device, monitor, screen and module sections from the keys', () => {
  const p = planX(
    ctxOf({
      XSERVER: 'intel',
      X_VIDEO_RAM: '16384',
      X_OPTION_01: '"AccelMethod" "sna"',
      X_HORZSYNC: '30-81',
      X_VERTREFRESH: '56-75',
      X_MODE_0: '1280x1024',
      X_MODE_1: '"1024x768_60" 65 1024 1048 1184 1344 768 771 777 806 -hsync -vsync',
      X_VIRTUAL: '2560 1024',
      X_MODULE_01: 'glx',
    }),
  );
  const conf = fileContent(p, XORG_SNIPPET)!;
  assert.equal(
    conf.split('\n').slice(1).join('\n'),
    [
      'Section "Device"', '\tIdentifier "ltsp-device"', '\tDriver "intel"', '\tVideoRam 16384', '\tOption "AccelMethod" "sna"', 'EndSection',
      'Section "Monitor"', '\tIdentifier "ltsp-monitor"', '\tHorizSync 30-81', '\tVertRefresh 56-75', '\tModeline "1024x768_60" 65 1024 1048 1184 1344 768 771 777 806 -hsync -vsync', 'EndSection',
      'Section "Screen"', '\tIdentifier "ltsp-screen"', '\tDevice "ltsp-device"', '\tMonitor "ltsp-monitor"', '\tSubSection "Display"', '\t\tModes "1280x1024" "1024x768_60"', '\t\tVirtual 2560 1024', '\tEndSubSection', 'EndSection',
      'Section "Module"', '\tLoad "glx"', 'EndSection', '',
    ].join('\n'),
  );
});

test('x: hostile values are refused with their key and never reach xorg.conf', () => {
  const p = planX(ctxOf({ XSERVER: 'vesa"\nSection "Files"', X_OPTION_01: '"A" "B"\nEndSection', X_MODE_0: '1280x1024"', X_HORZSYNC: '30-81; rm', X_MODULE_01: '../../evil' }));
  for (const k of ['XSERVER', 'X_OPTION_01', 'X_MODE_0', 'X_HORZSYNC', 'X_MODULE_01']) refusalOf(p, k);
  assert.ok(!allText(p).includes('Files') && !allText(p).includes('evil') && !allText(p).includes('rm'));
});

test('keyboard: an InputClass for every keyboard, /etc/default/keyboard, and setxkbmap in the login settings', () => {
  const rec = { XKBLAYOUT: 'de,us', XKBVARIANT: 'nodeadkeys,', XKBOPTIONS: 'grp:alt_shift_toggle', XKBMODEL: 'pc105' };
  const p = planKeyboard(ctxOf(rec, ['/etc/default/keyboard', '/usr/bin/setxkbmap']));
  assert.equal(
    fileContent(p, KEYBOARD_SNIPPET)!.split('\n').slice(1).join('\n'),
    'Section "InputClass"\n\tIdentifier "ltsp-keyboard"\n\tMatchIsKeyboard "on"\n\tOption "XkbModel" "pc105"\n\tOption "XkbLayout" "de,us"\n\tOption "XkbVariant" "nodeadkeys,"\n\tOption "XkbOptions" "grp:alt_shift_toggle"\nEndSection\n',
  );
  assert.match(fileContent(p, '/etc/default/keyboard')!, /XKBLAYOUT="de,us"/);
  const login = planLoginFor(ctxOf(rec, ['/usr/bin/setxkbmap'])).plan.screens[0]!;
  assert.deepEqual(login.setxkbmap, ['setxkbmap', '-model', 'pc105', '-layout', 'de,us', '-variant', 'nodeadkeys,', '-option', 'grp:alt_shift_toggle']);
  assert.equal(login.keyboardLayout, 'de,us');
  assert.equal(planLoginFor(ctxOf(rec, [])).plan.screens[0]!.setxkbmap, undefined, 'no setxkbmap in the image: the InputClass does it');
  assert.deepEqual(setxkbmapArgv(confOf({ XKBLAYOUT: 'fr' })), ['setxkbmap', '-layout', 'fr']);
});

test('keyboard: the Gentoo chroot (no setxkbmap, no /etc/default/keyboard) still gets the InputClass', () => {
  const p = planKeyboard(ctxOf({ XKBLAYOUT: 'fr' }, []));
  assert.deepEqual(p.actions.map((a) => a.kind === 'write-file' && a.path), [KEYBOARD_SNIPPET]);
});

test('keyboard: skipped without XKB keys; hostile layout refused', () => {
  assert.match(planKeyboard(ctxOf({})).skipped!, /no XKB/);
  const p = planKeyboard(ctxOf({ XKBLAYOUT: 'de" Option "XkbRules" "evil' }));
  assert.match(refusalOf(p, 'XKBLAYOUT'), /not an XKB name/);
  assert.equal(setxkbmapArgv(confOf({ XKBLAYOUT: '$(reboot)' })), undefined);
});
