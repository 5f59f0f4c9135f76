// The login flow against a real sshd and ldminfod in the server namespace, the client's Xvfb in
// the client namespace: the remote session's X client ends up as a window on the client display.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLab, labUnavailable, hasProgram } from '../lab/lab.ts';
import { makeRig, drive, waitForWindow, killSession } from '../lab/login-harness.ts';

const skip = labUnavailable() ?? (['sshd', 'Xvfb', 'xlogo', 'xwininfo'].every((p) => hasProgram(p) || hasProgram(`/usr/sbin/${p}`)) ? undefined : 'needs openssh-server, xvfb, x11-apps, x11-utils');

test('autologin: the remote xlogo appears on the client display, session env as LDM passed it', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, {
      config: { LDM_AUTOLOGIN: 'True', LDM_USERNAME: rig.user.name, LDM_PASSWORD: rig.user.password },
      soundEnv: { PULSE_SERVER: `tcp:${lab.clientIp}:4713` },
      maxAutologinFailures: 1,
    });
    const win = await waitForWindow(rig, /xlogo/i);
    assert.match(win, /xlogo/i);
    const env = readFileSync(join(rig.user.home, 'session-env'), 'utf8');
    assert.match(env, new RegExp(`^LTSP_CLIENT=${lab.clientIp.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(env, /^LTSP_CLIENT_HOSTNAME=ltsp-test$/m);
    assert.match(env, /^LTSP_CLIENT_MAC=52:54:00:12:34:56$/m);
    assert.match(env, /^PULSE_SERVER=tcp:10\.77\.0\.2:4713$/m);
    assert.match(env, /^DISPLAY=localhost:1\d\.0$/m);
    killSession(rig);
    const { result } = await d.done;
    assert.equal(result['kind'], 'done');
  });
});
