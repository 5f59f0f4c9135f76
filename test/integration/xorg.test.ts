// The X step's configuration in a real X server: Xorg with the dummy video driver and the
// inputtest keyboard (this VM has no screen and no keyboard), started with the xorg.conf.d
// snippets the x and keyboard steps wrote and the arguments they handed over. Xorg refuses to
// start on a snippet it cannot parse; once up it shows the configured mode and depth (xdpyinfo).
//
// The keyboard: Xorg applies an InputClass only to keyboards that are hot-plugged through udev,
// which a real client has and this VM does not (its one keyboard comes from the config file).
// So here the layout is proven through the other half of the keyboard step, the setxkbmap
// command it hands to the login phase, run against this server as the login runs it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasProgram, labUnavailable, withLab } from '../lab/lab.ts';
import { KEYBOARD_SNIPPET, XORG_SNIPPET } from '../../agent/steps/x.ts';
import { LOGIN_FILE, type LoginPlan } from '../../agent/steps/login.ts';
import { labFacts, runSteps } from './steps-lab.ts';

const missing = ['Xorg', 'setxkbmap', 'xdpyinfo'].filter((p) => !hasProgram(p));
const skip =
  labUnavailable() ??
  (missing.length ? `needs ${missing.join(', ')}` : existsSync('/usr/lib/xorg/modules/drivers/dummy_drv.so') ? undefined : 'needs xserver-xorg-video-dummy');

test('X: Xorg with the generated configuration has the configured layout and mode', { skip }, () =>
  withLab(async (lab) => {
    const root = join(lab.dir, 'root');
    mkdirSync(root);
    const run = runSteps(lab, {
      root,
      steps: ['x', 'keyboard', 'login'],
      config: {
        XSERVER: 'dummy',
        X_VIDEO_RAM: '65536',
        X_HORZSYNC: '5.0-1000.0',
        X_VERTREFRESH: '5.0-200.0',
        X_MODE_0: '1280x1024',
        X_COLOR_DEPTH: '24',
        XKBLAYOUT: 'de',
        XKBVARIANT: 'nodeadkeys',
      },
      facts: labFacts(lab, ['/usr/bin/Xorg', '/usr/bin/setxkbmap']),
    });
    assert.equal(run.byStep('x').outcome, 'ok', run.byStep('x').reason);
    assert.equal(run.byStep('keyboard').outcome, 'ok', run.byStep('keyboard').reason);
    assert.ok(existsSync(join(root, XORG_SNIPPET)) && existsSync(join(root, KEYBOARD_SNIPPET)));
    const login = (JSON.parse(readFileSync(join(root, LOGIN_FILE), 'utf8')) as LoginPlan).screens[0]!;
    const args = login.xserverArgs;

    // What the lab adds: a keyboard without hardware. No layout in it: that comes from the steps.
    const base = join(lab.dir, 'xorg-lab.conf');
    writeFileSync(
      base,
      [
        'Section "ServerFlags"', '\tOption "AutoAddDevices" "false"', 'EndSection',
        'Section "InputDevice"', '\tIdentifier "lab-keyboard"', '\tDriver "inputtest"', `\tOption "SocketPath" "${join(lab.dir, 'kbd.sock')}"`, '\tOption "DeviceType" "Keyboard"', 'EndSection',
        'Section "ServerLayout"', '\tIdentifier "lab"', '\tScreen "ltsp-screen"', '\tInputDevice "lab-keyboard" "CoreKeyboard"', 'EndSection',
      ].join('\n') + '\n',
    );
    const display = `:${90 + Math.floor(Math.random() * 100)}`;
    const xlog = join(lab.dir, 'Xorg.log');
    lab.spawn(lab.cli, ['Xorg', display, '-config', base, '-configdir', join(root, 'etc/X11/xorg.conf.d'), '-logfile', xlog, '-nolisten', 'tcp', '-noreset', '-novtswitch', '-sharevts', 'vt7', ...args]);
    const socket = `/tmp/.X11-unix/X${display.slice(1)}`;
    for (let i = 0; i < 200 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 50));
    let info = '';
    for (let i = 0; i < 100; i++) {
      try {
        info = lab.exec(lab.cli, ['xdpyinfo', '-display', display]);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const xorgLog = existsSync(xlog) ? readFileSync(xlog, 'utf8') : '(no log)';
    assert.match(info, /dimensions:\s+1280x1024 pixels/, xorgLog.split('\n').filter((l) => /\(EE\)|\(WW\)/.test(l)).join('\n'));
    assert.match(info, /depth of root window:\s+24 planes/);
    lab.exec(lab.cli, [...login.setxkbmap!, '-display', display]);
    const query = lab.exec(lab.cli, ['setxkbmap', '-display', display, '-query']);
    assert.match(query, /layout:\s+de\b/);
    assert.match(query, /variant:\s+nodeadkeys\b/);
  }));
