// The X server of the login, started the way the thin client starts it (Xorg :N vtN -auth
// <fresh cookie> -nolisten tcp), here with the dummy video driver: it becomes ready with our
// cookie, refuses a client without it, and leaves nothing behind when stopped.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot } from '../lab/lab.ts';
import { startXServer } from '../../agent/login/x-server.ts';
import { probeDisplay } from '../../agent/login/xauth.ts';

const skip = !isRoot() ? 'needs root' : existsSync('/usr/lib/xorg/modules/drivers/dummy_drv.so') ? undefined : 'needs xserver-xorg-core and xserver-xorg-video-dummy';

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

test('Xorg :N vtN with a fresh cookie: ready, refuses strangers, cleaned up', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-xorg-'));
  let n = 400 + Math.floor(Math.random() * 100);
  while (existsSync(`/tmp/.X11-unix/X${n}`)) n++;
  try {
    writeFileSync(join(dir, 'xorg.conf'), DUMMY_CONF);
    const x = await startXServer({
      display: n,
      vt: 7,
      program: 'Xorg',
      // what the X step hands over (-config), plus what a container without a console needs
      args: ['-config', join(dir, 'xorg.conf'), '-logfile', join(dir, 'Xorg.log'), '-novtswitch', '-sharevts'],
      hostname: 'ltsp-test',
      runDir: dir,
    });
    try {
      assert.equal(await probeDisplay(n, x.cookie), 'ok');
      assert.equal(await probeDisplay(n, Buffer.alloc(16)), 'refused', 'a wrong cookie is refused');
      const info = execFileSync('xdpyinfo', ['-display', `:${n}`], { env: { ...process.env, ...x.env } }).toString();
      assert.match(info, /dimensions:\s+1024x768/);
      assert.ok(readdirSync(dir).some((d) => d.startsWith('xauth-')));
    } finally {
      await x.stop();
    }
    assert.equal(await probeDisplay(n, undefined, 500), 'absent');
    assert.ok(!readdirSync(dir).some((d) => d.startsWith('xauth-')), 'the Xauthority directory is removed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
