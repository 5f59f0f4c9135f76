// `ltsp-agent login` as an admin runs it from a workstation: lts.conf from a file, --server,
// --known-hosts of the image, the running X server of --display, the console greeter reading
// the answers from standard input (a pipe: the password is in no argv).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withLab, labUnavailable, hasProgram } from '../lab/lab.ts';
import { withXvfb } from '../lab/xvfb.ts';
import { makeRig, waitForWindow, killSession } from '../lab/login-harness.ts';
import { parseDisplay } from '../../agent/login/xauth.ts';

const MAIN = fileURLToPath(new URL('../../agent/cli/main.ts', import.meta.url));
const skip = labUnavailable() ?? (['Xvfb', 'xlogo', 'xwininfo', 'xauth'].every(hasProgram) && existsSync('/usr/sbin/sshd') ? undefined : 'needs openssh-server, xvfb, x11-apps, x11-utils, xauth');

test('ltsp-agent login --server --known-hosts --display with the console greeter', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const conf = join(lab.dir, 'lts.conf');
    writeFileSync(conf, `[default]\n  LDM_SESSION = xlogo\n  KILL_DBUS_DAEMON = False\n[cli-test]\n  LDM_LANGUAGE = de_DE.UTF-8\n`);
    await withXvfb(async (x) => {
      const n = parseDisplay(x.display)!;
      const args = ['netns', 'exec', lab.cli, process.execPath, '--import', 'tsx', MAIN, 'login', '--lts-conf', conf, '--server', `${lab.serverIp}:22`, '--known-hosts', rig.knownHosts, '--display', x.display, '--greeter', 'console', '--hostname', 'cli-test', '--ip', lab.clientIp];
      const child = spawn('ip', args, { env: { ...process.env, XAUTHORITY: x.xauthority, LTSP_AGENT_LOG_LEVEL: 'info' }, stdio: ['pipe', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      child.stdin!.end(`${rig.user.name}\n${rig.user.password}\n`);
      const exit = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      try {
        await waitForWindow({ ...rig, display: n }, /xlogo/i, 30_000, x.xauthority);
      } catch (e) {
        throw new Error(`${(e as Error).message}\nagent stderr:\n${err}`);
      }
      const env = readFileSync(join(rig.user.home, 'session-env'), 'utf8');
      assert.match(env, /^LANG=de_DE\.UTF-8$/m, 'the [cli-test] section of lts.conf applied');
      assert.match(env, /^LTSP_CLIENT_HOSTNAME=cli-test$/m);
      killSession(rig);
      assert.equal(await exit, 0, err);
      assert.match(err, /^login: $/m);
      assert.match(err, /^Password: $/m);
      assert.match(err, /session ended/);
      assert.ok(!err.includes(rig.user.password), 'the password is not echoed or logged');
    });
  });
});
