// The screens planner: typed settings per screen script (as the runner gets them in
// /run/ltsp/screens.json), refusals that name key and line while the other screens still run,
// and the services (systemd runtime units, OpenRC, inittab gettys).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inittabSedScript, planScreens, SCREEN_SCRIPTS, SCREENS_FILE, type ScreensPlan } from '../../agent/steps/screens.ts';
import type { Action } from '../../agent/plan/actions.ts';
import { allText, ctxOf, fileContent, refusalOf, runs } from './steps-fixtures.ts';
import type { ProbedPath } from '../../agent/facts/types.ts';

const planOf = (rec: Record<string, string>, present: ProbedPath[] = []) => planScreens(ctxOf(rec, present));
const settings = (rec: Record<string, string>, present: ProbedPath[] = []) => JSON.parse(fileContent(planOf(rec, present), SCREENS_FILE)!) as ScreensPlan;
/** A screen's run settings, loosely typed for the assertions. */
interface Loose { argv: string[]; xserverArgs: string[]; title: string; listHeight: number; items: Array<{ label: string; run: { script: string; daemon?: boolean } }> }
const loose = (r: unknown) => r as Loose;
const run = (rec: Record<string, string>, vt: number) => loose(settings(rec).screens.find((s) => s.vt === vt)?.run);

test('screens: each script gets its typed settings with LTSP 5 defaults', () => {
  assert.deepEqual(run({ SCREEN_02: 'shell' }, 2), { script: 'shell' });
  assert.deepEqual(run({ SCREEN_03: 'telnet' }, 3), { script: 'telnet', host: '192.168.67.1' });
  assert.deepEqual(run({ SCREEN_03: 'telnet', TELNET_HOST: 'mainframe' }, 3), { script: 'telnet', host: 'mainframe' });
  assert.deepEqual(run({ SCREEN_03: 'telnet 10.1.1.1 2323' }, 3), { script: 'telnet', host: '10.1.1.1', port: '2323' });
  assert.deepEqual(run({ SCREEN_07: 'xdmcp' }, 7), { script: 'xdmcp', query: '192.168.67.1', accessControl: true, xserverArgs: ['-depth', '16'] });
  assert.deepEqual(run({ SCREEN_07: 'startx', XDM_SERVER: 'xdm.lan', DISABLE_ACCESS_CONTROL: 'True', X_COLOR_DEPTH: '24' }, 7), { script: 'startx', query: 'xdm.lan', accessControl: false, xserverArgs: ['-depth', '24'] });
  assert.deepEqual(run({ SCREEN_07: 'rdesktop' }, 7), { script: 'rdesktop', argv: ['rdesktop', '-f', 'server'], daemon: true, xserverArgs: ['-depth', '16'] });
  assert.deepEqual(run({ SCREEN_07: 'xfreerdp', RDP_SERVER: 'win.lan', RDP_OPTIONS: '/size:1024x768 +clipboard', RDP_DOMAIN: 'SCHOOL', XINITRC_DAEMON: 'False' }, 7), {
    script: 'xfreerdp', argv: ['xfreerdp', '/size:1024x768', '+clipboard', '/d:SCHOOL', '/v:win.lan'], daemon: false, xserverArgs: ['-depth', '16'],
  });
  assert.deepEqual(run({ SCREEN_07: 'rdesktop', RDP_OPTIONS: "-u '' -f", RDP_DOMAIN: 'SCHOOL' }, 7).argv, ['rdesktop', '-u', '', '-f', '-d', 'SCHOOL', 'server']);
  // arguments replace RDP_OPTIONS and RDP_SERVER, as in LTSP 5
  assert.deepEqual(run({ SCREEN_08: 'rdesktop -f 10.0.0.5', RDP_SERVER: 'ignored' }, 8).argv, ['rdesktop', '-f', '10.0.0.5']);
  assert.deepEqual(run({ SCREEN_07: 'kiosk', KIOSK_EXE: '/usr/bin/xlogo', KIOSK_OPTIONS: '-fg red', KIOSK_WM: '/usr/bin/openbox', KIOSK_DAEMON: 'True' }, 7), {
    script: 'kiosk', exe: ['/usr/bin/xlogo'], options: ['-fg', 'red'], wm: ['/usr/bin/openbox'], daemon: true, user: 'ltspkiosk', xserverArgs: ['-depth', '16'],
  });
  assert.deepEqual(run({ SCREEN_07: 'kiosk' }, 7), { script: 'kiosk', options: [], daemon: false, user: 'ltspkiosk', xserverArgs: ['-depth', '16'] });
});

test('screens: SCREEN_NN_<KEY> applies to that screen only; WAIT_FGCONSOLE per screen', () => {
  const s = settings({ SCREEN_03: 'rdesktop', SCREEN_04: 'rdesktop', RDP_SERVER: 'win1', SCREEN_04_RDP_SERVER: 'win2', SCREEN_04_WAIT_FGCONSOLE: 'False', SCREEN_04_X_COLOR_DEPTH: '24' });
  const [three, four] = s.screens;
  assert.deepEqual(loose(three!.run).argv.at(-1), 'win1');
  assert.deepEqual(loose(four!.run).argv.at(-1), 'win2');
  assert.deepEqual(loose(four!.run).xserverArgs, ['-depth', '24']);
  assert.equal(three!.waitFgconsole, true);
  assert.equal(four!.waitFgconsole, false);
  assert.equal(s.defaultVt, 4);
});

test('screens: the menu plans each entry as a screen; LTSP 5 default first entry is ldm', () => {
  assert.deepEqual(run({ SCREEN_07: 'menu' }, 7), { script: 'menu', title: 'Please choose a desktop: ', listHeight: 5, items: [{ label: 'Linux Server', run: { script: 'ldm' } }] });
  const m = run({ SCREEN_07: 'menu', MENU_TITLE: 'Pick one', MENU_LISTHEIGHT: '3', MENU_ITEM_01: 'Linux', MENU_COMMAND_01: 'ldm', MENU_ITEM_02: 'Windows', MENU_COMMAND_02: 'rdesktop -f 10.0.0.9', MENU_ITEM_03: 'Shell', MENU_COMMAND_03: 'shell' }, 7) as { title: string; listHeight: number; items: Array<{ label: string; run: { script: string; daemon?: boolean } }> };
  assert.equal(m.title, 'Pick one');
  assert.equal(m.listHeight, 3);
  assert.deepEqual(m.items.map((i) => [i.label, i.run.script]), [['Linux', 'ldm'], ['Windows', 'rdesktop'], ['Shell', 'shell']]);
  assert.equal(m.items[1]!.run.daemon, false, 'a menu entry returns to the menu, as LTSP 5 set XINITRC_DAEMON=False');
  const bad = planOf({ SCREEN_07: 'menu', MENU_ITEM_01: 'Evil', MENU_COMMAND_01: '/bin/sh -c reboot', MENU_ITEM_02: 'Nested', MENU_COMMAND_02: 'menu', MENU_ITEM_03: 'ok', MENU_COMMAND_03: 'shell' });
  assert.match(refusalOf(bad, 'MENU_COMMAND_01'), /unknown screen script "\/bin\/sh"/);
  assert.match(refusalOf(bad, 'MENU_COMMAND_02'), /cannot open another menu/);
  const items = loose((JSON.parse(fileContent(bad, SCREENS_FILE)!) as ScreensPlan).screens[0]!.run);
  assert.deepEqual(items.items.map((i) => i.label), ['ok'], 'the refused entries are left out, the rest stays');
});

test('screens: an unknown script is refused by name with the known ones; the other screens still run', () => {
  const p = planOf({ SCREEN_02: 'shell', SCREEN_05: 'xterminal', SCREEN_07: 'ldm' });
  const msg = refusalOf(p, 'SCREEN_05');
  assert.match(msg, /unknown screen script "xterminal"/);
  for (const s of SCREEN_SCRIPTS) assert.ok(msg.includes(s), `${s} listed`);
  const s = JSON.parse(fileContent(p, SCREENS_FILE)!) as ScreensPlan;
  assert.deepEqual(s.screens.map((x) => x.vt), [2, 7]);
  assert.deepEqual(s.refused.map((r) => [r.vt, r.script]), [[5, 'xterminal']]);
  assert.match(s.refused[0]!.message, /xterminal/);
});

test('screens: RDP_OPTIONS cannot smuggle a second command or an option that runs a program', () => {
  const hostile: Array<[string, RegExp]> = [
    ['/f; xterm', /shell syntax/],
    ['-f && reboot', /shell syntax/],
    ['$(reboot)', /shell syntax/],
    ['`id`', /shell syntax/],
    ['/action-script:/tmp/evil.sh', /run a program/],
    ['/args-from:stdin', /run a program/],
    ['/vc:evilplugin', /run a program/],
    ['/p:secret', /password/],
    ['-f\n/bin/sh', /line break/],
  ];
  for (const [value, why] of hostile) {
    const p = planOf({ SCREEN_03: 'xfreerdp', RDP_SERVER: 'win.lan', RDP_OPTIONS: value });
    assert.match(refusalOf(p, 'RDP_OPTIONS'), why, value);
    // the screen still starts, with the default options
    const r = loose((JSON.parse(fileContent(p, SCREENS_FILE)!) as ScreensPlan).screens[0]!.run);
    assert.deepEqual(r.argv, ['xfreerdp', '/f', '/v:win.lan'], value);
    assert.ok(!allText(p).includes('reboot') && !allText(p).includes('evil'), value);
  }
  assert.match(refusalOf(planOf({ SCREEN_03: 'rdesktop', RDP_OPTIONS: '-f -p secret' }), 'RDP_OPTIONS'), /password/);
  assert.match(refusalOf(planOf({ SCREEN_03: 'rdesktop', RDP_SERVER: '-r disk:x=/' }), 'RDP_SERVER'), /not a host name/);
  assert.match(refusalOf(planOf({ SCREEN_03: 'rdesktop', RDP_DOMAIN: '-r' }), 'RDP_DOMAIN'), /not a Windows domain/);
  assert.match(refusalOf(planOf({ SCREEN_07: 'kiosk', KIOSK_OPTIONS: '--url $(reboot)' }), 'KIOSK_OPTIONS'), /shell syntax/);
  assert.match(refusalOf(planOf({ SCREEN_07: 'kiosk', KIOSK_EXE: '/usr/bin/firefox;reboot' }), 'KIOSK_EXE'), /shell syntax/);
  assert.match(refusalOf(planOf({ SCREEN_07: 'kiosk', KIOSKUSER: 'root' }), 'KIOSKUSER'), /unprivileged/);
  assert.match(refusalOf(planOf({ SCREEN_07: 'xdmcp', XDM_SERVER: '-broadcast' }), 'XDM_SERVER'), /not a host name/);
  assert.match(refusalOf(planOf({ SCREEN_03: 'telnet', TELNET_HOST: 'host -l root' }), 'TELNET_HOST'), /not a host name/);
});

test('screens: systemd units per screen, gettys masked, ltsp-login only for ldm on tty7, no second display manager', () => {
  const p = planOf({ SCREEN_02: 'shell', SCREEN_07: 'kiosk' }, ['/etc/systemd/system']);
  const links = p.actions.filter((a): a is Extract<Action, { kind: 'symlink' }> => a.kind === 'symlink').map((a) => `${a.path} -> ${a.target}`);
  for (const want of [
    '/run/systemd/system/multi-user.target.wants/ltsp-screen@2.service -> /etc/systemd/system/ltsp-screen@.service',
    '/run/systemd/system/multi-user.target.wants/ltsp-screen@7.service -> /etc/systemd/system/ltsp-screen@.service',
    '/run/systemd/system/getty@tty2.service -> /dev/null',
    '/run/systemd/system/autovt@tty2.service -> /dev/null',
    '/run/systemd/system/getty@tty7.service -> /dev/null',
    '/run/systemd/system/ltsp-login.service -> /dev/null',
    '/run/systemd/system/display-manager.service -> /dev/null',
  ]) assert.ok(links.includes(want), `${want}\n${links.join('\n')}`);
  // ldm on tty7 stays the image's ltsp-login unit; other screens get theirs
  const withLogin = planOf({ SCREEN_02: 'shell', SCREEN_07: 'ldm', SCREEN_08: 'ldm' }, ['/etc/systemd/system']);
  const l2 = JSON.stringify(withLogin.actions);
  assert.ok(!l2.includes('ltsp-screen@7') && l2.includes('ltsp-screen@8') && l2.includes('ltsp-screen@2') && !l2.includes('ltsp-login.service'), l2);
  assert.ok(l2.includes('getty@tty7.service'));
  // DEFAULT_DISPLAY_MANAGER other than ldm with a screen on tty7: the screen wins, with a warning
  const dm = planOf({ SCREEN_07: 'kiosk', DEFAULT_DISPLAY_MANAGER: '/usr/sbin/gdm3' }, ['/etc/systemd/system']);
  assert.match(dm.problems.find((x) => x.where.key === 'DEFAULT_DISPLAY_MANAGER')!.message, /tty7/);
  // ... and without one on tty7 the admin's display manager is left alone
  const free = planOf({ SCREEN_02: 'shell', DEFAULT_DISPLAY_MANAGER: '/usr/sbin/gdm3' }, ['/etc/systemd/system']);
  assert.ok(!JSON.stringify(free.actions).includes('display-manager.service'));
  // a refused screen gets no unit
  assert.ok(!JSON.stringify(planOf({ SCREEN_05: 'nope', SCREEN_07: 'ldm' }, ['/etc/systemd/system']).actions).includes('ltsp-screen@5'));
});

test('screens: OpenRC services and inittab gettys (DISABLE_GETTYS: tty2-6 as LTSP 5, plus every screen terminal)', () => {
  const p = planOf({ SCREEN_08: 'shell', SCREEN_07: 'ldm' }, ['/sbin/openrc', '/etc/inittab']);
  const links = p.actions.filter((a): a is Extract<Action, { kind: 'symlink' }> => a.kind === 'symlink').map((a) => `${a.path} -> ${a.target}`);
  assert.ok(links.includes('/etc/init.d/ltsp-screen.8 -> ltsp-screen'));
  assert.ok(links.includes('/etc/runlevels/default/ltsp-screen.8 -> /etc/init.d/ltsp-screen.8'));
  assert.ok(!links.some((l) => l.includes('ltsp-screen.7')), 'ldm on tty7 is the ltsp-login service');
  assert.ok(!p.actions.some((a) => a.kind === 'remove'));
  const kiosk = planOf({ SCREEN_07: 'kiosk' }, ['/sbin/openrc']);
  assert.ok(kiosk.actions.some((a) => a.kind === 'remove' && a.path === '/etc/runlevels/default/ltsp-login'));
  assert.deepEqual(runs(p), [['sed', '-i', '-E', '-e', inittabSedScript([2, 3, 4, 5, 6, 7, 8]), '</etc/inittab>']]);
  assert.deepEqual(runs(planOf({ SCREEN_08: 'shell', DISABLE_GETTYS: 'False' }, ['/etc/inittab'])), [['sed', '-i', '-E', '-e', inittabSedScript([8]), '</etc/inittab>']]);
  // the sed script on a Debian and a Gentoo inittab: only the getty lines of those terminals
  const dir = mkdtempSync(join(tmpdir(), 'inittab-'));
  try {
    const f = join(dir, 'inittab');
    const text = ['id:2:initdefault:', '1:2345:respawn:/sbin/getty 38400 tty1', '2:23:respawn:/sbin/getty 38400 tty2', 'c7:12345:respawn:/sbin/agetty 38400 tty7 linux', 'c12:12345:respawn:/sbin/agetty 38400 tty12 linux', '#3:23:respawn:/sbin/getty 38400 tty3', 's0:12345:respawn:/sbin/agetty -L 9600 ttyS0 vt100', ''].join('\n');
    writeFileSync(f, text);
    execFileSync('sed', ['-i', '-E', '-e', inittabSedScript([2, 3, 7]), f]);
    assert.deepEqual(readFileSync(f, 'utf8').split('\n'), ['id:2:initdefault:', '1:2345:respawn:/sbin/getty 38400 tty1', '#2:23:respawn:/sbin/getty 38400 tty2', '#c7:12345:respawn:/sbin/agetty 38400 tty7 linux', 'c12:12345:respawn:/sbin/agetty 38400 tty12 linux', '#3:23:respawn:/sbin/getty 38400 tty3', 's0:12345:respawn:/sbin/agetty -L 9600 ttyS0 vt100', '']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
