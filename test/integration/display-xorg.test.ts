// The display settings on the real Xorg with the dummy video driver (it has RandR outputs and
// modes): planned from lts.conf values by the login planner, applied by the login's code on
// the X server it starts. xrandr --query shows the mode asked for, xset q shows NumLock on and
// the blanking time, the X server runs under X_RAMPERC's limit, and refused values (a mode that
// is no mode, an output name with shell syntax, a bad rate) are left out while the rest applies.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot } from '../lab/lab.ts';
import { startXServer } from '../../agent/login/x-server.ts';
import { applyDisplaySettings, xStartOptions } from '../../agent/login/display.ts';
import { planLoginFor } from '../../agent/steps/login.ts';
import { ctxOf } from '../unit/steps-fixtures.ts';

const tools = ['/usr/bin/xrandr', '/usr/bin/xset', '/usr/lib/xorg/modules/drivers/dummy_drv.so', '/usr/bin/prlimit'];
const skip = !isRoot() ? 'needs root' : tools.every((t) => existsSync(t)) ? undefined : 'needs xserver-xorg-video-dummy, x11-xserver-utils (xrandr, xset) and util-linux (prlimit)';

const DUMMY_CONF = `Section "ServerFlags"
  Option "AutoAddDevices" "false"
EndSection
Section "Device"
  Identifier "dummy"
  Driver "dummy"
  VideoRam 32768
EndSection
Section "Screen"
  Identifier "screen"
  Device "dummy"
  DefaultDepth 24
  SubSection "Display"
    Depth 24
    Modes "1024x768"
  EndSubSection
EndSection
`;

async function withDummyX(lts: Record<string, string>, check: (q: { xrandr: string; xset: string; pid: number; problems: string[] }) => void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-display-'));
  let n = 500 + Math.floor(Math.random() * 100);
  while (existsSync(`/tmp/.X11-unix/X${n}`)) n++;
  try {
    writeFileSync(join(dir, 'xorg.conf'), DUMMY_CONF);
    const planned = planLoginFor(ctxOf({ SCREEN_07: 'ldm', ...lts }));
    const settings = planned.plan.screens[0]!;
    const start = await xStartOptions(settings.display);
    const x = await startXServer({
      display: n,
      vt: 7,
      program: 'Xorg',
      args: ['-config', join(dir, 'xorg.conf'), '-logfile', join(dir, 'Xorg.log'), '-novtswitch', '-sharevts', ...start.args],
      ...(start.memoryLimitBytes !== undefined ? { memoryLimitBytes: start.memoryLimitBytes } : {}),
      hostname: 'ltsp-test',
      runDir: dir,
    });
    try {
      await applyDisplaySettings(settings.display, x);
      const env = { ...process.env, ...x.env };
      check({
        xrandr: execFileSync('xrandr', ['--query'], { env }).toString(),
        xset: execFileSync('xset', ['q'], { env }).toString(),
        pid: x.daemon.pid,
        problems: planned.problems.map((p) => `${p.where.key}:${p.where.line} ${p.message}`),
      });
    } finally {
      await x.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('XRANDR_MODE_0 on the connected output, NumLock on, blanking after 300 s, X memory limited', { skip, timeout: 90_000 }, async () => {
  await withDummyX({ XRANDR_MODE_0: '800x600', X_NUMLOCK: 'True', X_BLANKING: '300', X_RAMPERC: '50' }, ({ xrandr, xset, pid, problems }) => {
    assert.deepEqual(problems, []);
    assert.match(xrandr, /^DUMMY0 connected (primary )?800x600\+0\+0/m, xrandr);
    assert.match(xrandr, /^\s+800x600\s+[\d.]+\*/m, 'the 800x600 mode is the current one');
    assert.match(xset, /Num Lock:\s+on/);
    assert.match(xset, /timeout:\s+300\b/);
    const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
    const data = /^Max data size\s+(\d+)\s+(\d+)\s+bytes/m.exec(limits);
    assert.ok(data, `the X server has a data limit:\n${limits}`);
    const meminfo = readFileSync('/proc/meminfo', 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(meminfo)![1]);
    const whole = (kb('MemFree') + kb('SwapFree')) * 1024;
    assert.ok(Number(data[1]) > whole * 0.3 && Number(data[1]) < whole * 0.7, `about half of free RAM+swap (${data[1]} of ${whole})`);
  });
});

test('an output named with XRANDR_OUTPUT_0, a new mode added to it; X_BLANKING=0 turns blanking off', { skip, timeout: 90_000 }, async () => {
  await withDummyX(
    { XRANDR_OUTPUT_0: 'DUMMY0', XRANDR_NEWMODE_0: 'lab720 74.25 1280 1390 1430 1650 720 725 730 750 +hsync +vsync', XRANDR_MODE_0: 'lab720', X_BLANKING: '0', X_NUMLOCK: 'False' },
    ({ xrandr, xset, problems }) => {
      assert.deepEqual(problems, []);
      assert.match(xrandr, /^DUMMY0 connected (primary )?1280x720\+0\+0/m, xrandr);
      assert.match(xrandr, /^\s+lab720\s/m);
      assert.match(xset, /Num Lock:\s+off/);
      assert.match(xset, /timeout:\s+0\b/);
    },
  );
});

test('refused values (a mode that is no mode, an output with shell syntax, a bad rate) are named, the rest applies', { skip, timeout: 90_000 }, async () => {
  await withDummyX(
    { XRANDR_MODE_0: '800x600', XRANDR_RATE_0: 'fast', XRANDR_MODE_1: 'huge', XRANDR_OUTPUT_2: 'DUMMY1;reboot', XRANDR_COMMAND_1: '--output DUMMY0 --mode $(reboot)', X_BLANKING: '240' },
    ({ xrandr, xset, problems }) => {
      assert.equal(problems.length, 4, problems.join('\n'));
      for (const key of ['XRANDR_RATE_0:4', 'XRANDR_MODE_1:5', 'XRANDR_OUTPUT_2:6', 'XRANDR_COMMAND_1:7']) assert.ok(problems.some((p) => p.startsWith(key)), `${key} named in ${problems.join('\n')}`);
      // the refused output name is as if unset: the mode goes to the connected output
      assert.match(xset, /timeout:\s+240\b/);
      assert.match(xrandr, /^DUMMY0 connected (primary )?800x600\+0\+0/m, xrandr);
    },
  );
});
