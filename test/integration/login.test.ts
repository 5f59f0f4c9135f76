// The login flow against a real sshd and ldminfod in the server namespace, the client's Xvfb in
// the client namespace (test-lab.md §3): the remote session's X client ends up as a window on the
// client display, for autologin and for a greeter login; a wrong password is retried on the same
// X server; an expired password is changed through the relayed prompts; the password never shows
// up in any process's argv or environment or in the agent's log.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withLab, labUnavailable, hasProgram, type Lab } from '../lab/lab.ts';
import { makeRig, drive, waitForWindow, killSession, killDisplay, freeDisplay } from '../lab/login-harness.ts';

const skip = labUnavailable() ?? (['Xvfb', 'xlogo', 'xwininfo', 'xauth'].every(hasProgram) && existsSync('/usr/sbin/sshd') ? undefined : 'needs openssh-server, xvfb, x11-apps, x11-utils, xauth');

test('autologin: the remote xlogo appears on the client display, session env as LDM passed it', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, {
      config: { LDM_AUTOLOGIN: 'True', LDM_USERNAME: rig.user.name, LDM_PASSWORD: rig.user.password, LDM_LANGUAGE: 'de_DE.UTF-8' },
      soundEnv: { PULSE_SERVER: `tcp:${lab.clientIp}:4713`, LTSP_ALSA_DEFAULT: 'pulse' },
      maxAutologinFailures: 1,
    });
    assert.match(await waitForWindow(rig, /xlogo/i), /xlogo/i);
    const env = readFileSync(join(rig.user.home, 'session-env'), 'utf8');
    assert.match(env, /^LTSP_CLIENT=10\.77\.0\.2$/m);
    assert.match(env, /^LTSP_CLIENT_HOSTNAME=ltsp-test$/m);
    assert.match(env, /^LTSP_CLIENT_MAC=52:54:00:AA:BB:CC$/m, 'uppercase, as Debian exported it');
    assert.match(env, /^PULSE_SERVER=tcp:10\.77\.0\.2:4713$/m);
    assert.match(env, /^LTSP_ALSA_DEFAULT=pulse$/m);
    assert.match(env, /^LANG=de_DE\.UTF-8$/m);
    assert.match(env, /^DISPLAY=localhost:\d+\.0$/m, 'X11 forwarded through ssh, not DIRECTX');
    killSession(rig);
    const { result } = await d.done;
    assert.equal(result['kind'], 'done');
  });
});

test('greeter login: sessions from ldminfod, rc.d hooks around the session; session killed on the server -> greeter back', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const rc = join(lab.dir, 'rc.d');
    mkdirSync(rc);
    const out = join(lab.dir, 'hooks.txt');
    const hook = (name: string, body: string) => writeFileSync(join(rc, name), body + '\n');
    hook('I10-test', `echo "init DISPLAY=$DISPLAY LDMINFO_IPADDR=$LDMINFO_IPADDR" >> ${out}`);
    hook('P10-test', `echo "pressh LDM_SERVER=$LDM_SERVER LDM_USERNAME=$LDM_USERNAME" >> ${out}`);
    hook('S10-test', `echo "start LDM_USERNAME=$LDM_USERNAME" >> ${out}; SHARED=yes`);
    hook('S11-test', `echo "start shared=$SHARED" >> ${out}`);
    hook('X10-test', `echo "xsession-before LDM_XSESSION=$LDM_XSESSION" >> ${out}`);
    hook('X95-run-x-session', `echo "LDM's own session runner must not run" >> ${out}`);
    hook('X99-test', `echo "xsession-after" >> ${out}`);
    hook('K10-test', `echo "stop" >> ${out}`);
    hook('not-a-hook', `echo "wrong name ran" >> ${out}`);
    const d = drive(rig, {
      answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp, session: 'xlogo' }],
      maxSessions: 5,
    });
    await waitForWindow(rig, /xlogo/i);
    const ask = (await d.waitFor((e) => e['ev'] === 'ask'))['setup'] as Record<string, unknown>;
    assert.deepEqual(ask['sessions'], [{ name: 'Logo', command: 'xlogo' }]);
    assert.deepEqual(ask['languages'], ['en_US.UTF-8', 'de_DE.UTF-8']);
    assert.equal(ask['defaultServer'], lab.serverIp);
    assert.deepEqual(ask['servers'], [{ host: lab.serverIp, rating: 80, down: false }]);
    assert.ok(d.events.some((e) => e['ev'] === 'message' && /Verifying/.test(String(e['text']))));
    assert.ok(d.events.some((e) => e['ev'] === 'close'), 'greeter taken off the screen before the session');
    killSession(rig);
    // the session is gone: a new X server and the greeter again (the script answers "shutdown")
    const { result } = await d.done;
    assert.equal(result['kind'], 'shutdown');
    assert.equal(d.events.filter((e) => e['ev'] === 'ask').length, 2);
    assert.equal(d.events.filter((e) => e['ev'] === 'display').length, 2, 'a fresh X server after logout');
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.deepEqual(lines.slice(0, 7), [
      `init DISPLAY=:${rig.display} LDMINFO_IPADDR=${lab.clientIp}`,
      `pressh LDM_SERVER=${lab.serverIp} LDM_USERNAME=${rig.user.name}`,
      `start LDM_USERNAME=${rig.user.name}`,
      'start shared=yes',
      `xsession-before LDM_XSESSION=${rig.xsession}`,
      'xsession-after',
      'stop',
    ]);
    assert.ok(!lines.some((l) => /must not run|wrong name/.test(l)));
  });
});

test('wrong password: an error on the greeter, asked again on the same X server, then the desktop', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, {
      config: { LDM_LOGIN_TIMEOUT: 'soon', SSH_OVERRIDE_PORT: 'ssh' }, // bad values are reported, never stop the login
      answers: [
        { kind: 'login', username: rig.user.name, password: 'not-the-password', server: lab.serverIp },
        { kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp },
      ],
    });
    await waitForWindow(rig, /xlogo/i);
    const err = d.events.find((e) => e['ev'] === 'message' && e['kind'] === 'error');
    assert.ok(err, 'an error message was shown');
    assert.match(String(err['text']), new RegExp(`${rig.user.name} on ${lab.serverIp.replace(/\./g, '\\.')} failed: wrong user name or password`));
    assert.equal(d.events.filter((e) => e['ev'] === 'display').length, 1, 'X kept running');
    assert.match(readFileSync(rig.logFile, 'utf8'), /LDM_LOGIN_TIMEOUT: \\"soon\\" is not a whole number/);
    assert.equal(d.events.filter((e) => e['ev'] === 'ask').length, 2);
    killSession(rig);
    assert.equal((await d.done).result['kind'], 'done');
  });
});

test('expired password (chage -d 0): changed through the relayed prompts, then logged in', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    execFileSync('chage', ['-d', '0', rig.user.name]);
    const newPassword = `New-${rig.user.password}-x9`;
    const d = drive(rig, {
      answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp }],
      prompts: [rig.user.password, newPassword, newPassword],
    });
    await waitForWindow(rig, /xlogo/i);
    const prompts = d.events.filter((e) => e['ev'] === 'prompt');
    assert.equal(prompts.length, 3, JSON.stringify(d.events));
    assert.match(String(prompts[0]!['text']), /current/i);
    assert.match(String(prompts[1]!['text']), /new/i);
    assert.ok(prompts.every((p) => p['echo'] === false), 'password prompts hide the input');
    assert.match(String(prompts[0]!['text']), /change your password/, "PAM's explanation is shown with the prompt");
    killSession(rig);
    assert.equal((await d.done).result['kind'], 'done');
    // the new password is the password now
    const shadow = execFileSync('chage', ['-l', rig.user.name]).toString();
    assert.doesNotMatch(shadow, /password must be changed/);
  });
});

test('greeter login typed with xdotool into the X greeter ends with the remote window on the display', { skip: skip ?? (hasProgram('xdotool') ? undefined : 'needs xdotool'), timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, { greeter: 'x11' });
    const disp = await d.waitFor((e) => e['ev'] === 'display');
    const env = { ...process.env, DISPLAY: `:${rig.display}`, XAUTHORITY: String(disp['xauthority']) };
    const x = (args: string[], input?: string) => execFileSync('xdotool', args, { env, input, timeout: 20_000, stdio: ['pipe', 'pipe', 'pipe'] }).toString();
    x(['search', '--sync', '--name', 'ltsp-agent greeter']);
    x(['type', '--delay', '15', rig.user.name]);
    x(['key', 'Return']);
    x(['type', '--delay', '15', '--file', '-'], rig.user.password); // stdin: the password stays out of xdotool's argv
    x(['key', 'Return']);
    await waitForWindow(rig, /xlogo/i);
    assert.throws(() => execFileSync('xdotool', ['search', '--name', 'ltsp-agent greeter'], { env, stdio: 'pipe' }), 'the greeter is gone');
    killSession(rig);
    assert.equal((await d.done).result['kind'], 'done');
  });
});

test('guest button (LDM_GUESTLOGIN): logs in with LDM_USERNAME/LDM_PASSWORD on a guest server', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, {
      config: { LDM_GUESTLOGIN: 'True', LDM_USERNAME: rig.user.name, LDM_PASSWORD: rig.user.password, LDM_GUEST_SERVER: lab.serverIp },
      answers: [{ kind: 'guest' }],
    });
    await waitForWindow(rig, /xlogo/i);
    const setup = (await d.waitFor((e) => e['ev'] === 'ask'))['setup'] as Record<string, unknown>;
    assert.equal(setup['allowGuest'], true);
    killSession(rig);
    assert.equal((await d.done).result['kind'], 'done');
  });
});

/** A user logged in on one client (the session's window is up), and a second client with its own X display for the same user. */
async function sameUserOnTwoClients(lab: Lab) {
  const rig = await makeRig(lab);
  const login = [{ kind: 'login' as const, username: rig.user.name, password: rig.user.password, server: lab.serverIp }];
  const first = drive(rig, { answers: login });
  await waitForWindow(rig, /xlogo/i);
  const other = { ...rig, display: freeDisplay(), runDir: join(lab.dir, 'run2') };
  mkdirSync(other.runDir);
  lab.defer(() => killDisplay(other.display, lab.dir));
  const otherDisplay = { kind: 'start' as const, display: other.display, program: 'Xvfb', args: ['-screen', '0', '800x600x24'], runDir: other.runDir };
  return { rig, login, first, other, otherDisplay };
}

test('LDM_LIMIT_ONE_SESSION: a second login of the same user ends the first session', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const { rig, login, first, other, otherDisplay } = await sameUserOnTwoClients(lab);
    const second = drive(other, { config: { LDM_LIMIT_ONE_SESSION: 'True' }, display: otherDisplay, answers: login });
    const { result } = await first.done; // the first session was ended from the server side
    assert.equal(result['kind'], 'done');
    await waitForWindow(other, /xlogo/i);
    killSession(rig);
    assert.equal((await second.done).result['kind'], 'done');
  });
});

test('LDM_LIMIT_ONE_SESSION_PROMPT: the user is asked, and "no" keeps the other session and cancels this login', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const { rig, login, first, other, otherDisplay } = await sameUserOnTwoClients(lab);
    const second = drive(other, {
      config: { LDM_LIMIT_ONE_SESSION: 'True', LDM_LIMIT_ONE_SESSION_PROMPT: 'True' },
      display: otherDisplay,
      answers: login,
      prompts: ['no'],
    });
    const { result } = await second.done; // asked, said no, back at the greeter, which then shuts down
    assert.equal(result['kind'], 'shutdown');
    const q = second.events.find((e) => e['ev'] === 'prompt');
    assert.match(String(q?.['text']), /already logged in elsewhere/);
    assert.ok(second.events.some((e) => e['ev'] === 'message' && /Login cancelled/.test(String(e['text']))));
    assert.match(await waitForWindow(rig, /xlogo/i), /xlogo/i, 'the first session is still there');
    assert.equal(first.events.some((e) => e['ev'] === 'result'), false);
    killSession(rig);
    assert.equal((await first.done).result['kind'], 'done');
  });
});

/** Every process's argv and environment, and the files given, must not contain the secret. */
function scanForSecret(secret: string, files: string[]): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    for (const what of ['cmdline', 'environ']) {
      try {
        if (readFileSync(`/proc/${pid}/${what}`).includes(secret)) hits.push(`/proc/${pid}/${what}`);
      } catch {
        /* gone, or a kernel thread */
      }
    }
  }
  for (const f of files) if (existsSync(f) && readFileSync(f).includes(secret)) hits.push(f);
  return hits;
}

test('the password is in no process argv or environment and in no log during a login', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const rc = join(lab.dir, 'rc.d');
    mkdirSync(rc);
    writeFileSync(join(rc, 'S10-sleep'), 'sleep 0.3\n'); // a hook process alive during the login
    const d = drive(rig, {
      answers: [
        { kind: 'login', username: rig.user.name, password: `${rig.user.password}-wrong`, server: lab.serverIp },
        { kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp },
      ],
    });
    const hits = new Set<string>();
    let scans = 0;
    let running = true;
    const scanner = (async () => {
      while (running) {
        for (const h of scanForSecret(rig.user.password, [])) hits.add(h);
        scans++;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await waitForWindow(rig, /xlogo/i);
    for (const h of scanForSecret(rig.user.password, [rig.logFile, join(rig.sshd.dir, 'sshd.log'), join(rig.user.home, 'session-env')])) hits.add(h);
    killSession(rig);
    await d.done;
    running = false;
    await scanner;
    for (const h of scanForSecret(rig.user.password, [rig.logFile])) hits.add(h);
    assert.ok(scans > 5, `scanned ${scans} times`);
    assert.ok(readFileSync(rig.logFile, 'utf8').includes('logged in'), 'the log has the login');
    assert.deepEqual([...hits], []);
  });
});

test('LDM_DIRECTX: the session talks to the client display over TCP, admitted only from the server', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, {
      config: { LDM_AUTOLOGIN: 'yes', LDM_USERNAME: rig.user.name, LDM_PASSWORD: rig.user.password, LDM_DIRECTX: 'True' },
      maxAutologinFailures: 1,
    });
    await waitForWindow(rig, /xlogo/i);
    const env = readFileSync(join(rig.user.home, 'session-env'), 'utf8');
    assert.match(env, new RegExp(`^DISPLAY=10\\.77\\.0\\.2:${rig.display}$`, 'm'));
    // the client itself (not the server) is refused by the relay
    const port = 6000 + rig.display;
    const probe = `const s=require('net').connect(${port},'${lab.clientIp}');s.on('connect',()=>s.write(Buffer.from([0x6c,0,11,0,0,0,0,0,0,0,0,0])));s.on('data',d=>{console.log('reply',d[0]);process.exit()});s.on('close',()=>{console.log('closed');process.exit()});s.on('error',()=>{console.log('closed');process.exit()})`;
    assert.equal(lab.exec(lab.cli, [process.execPath, '-e', probe]).trim(), 'closed', 'no X setup reply for a peer that is not the server');
    killSession(rig);
    assert.equal((await d.done).result['kind'], 'done');
  });
});

test('SHUTDOWN_TIME during a session: session-active while it runs, the HALT is shown on the display and waits for the logout, then power off', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const runDir = join(lab.dir, 'run-ltsp');
    mkdirSync(runDir, { recursive: true });
    const d = drive(rig, { config: { LDM_AUTOLOGIN: 'True', LDM_USERNAME: rig.user.name, LDM_PASSWORD: rig.user.password }, maxAutologinFailures: 1, runDir });
    await waitForWindow(rig, /xlogo/i);
    assert.ok(existsSync(join(runDir, 'session-active')), 'the session marks itself active');
    // what the cron line of SHUTDOWN_TIME does when it finds session-active
    writeFileSync(join(runDir, 'logout-action'), 'HALT\n');
    const notice = await d.waitFor((e) => e['ev'] === 'notice');
    assert.equal(notice['text'], 'This computer will shut down when you log out.');
    assert.match(await waitForWindow(rig, /ltsp-agent notice/), /ltsp-agent notice/, 'the notice is on the session display');
    assert.equal(d.events.some((e) => e['ev'] === 'power'), false, 'no power-off while the session runs');
    killSession(rig);
    const { result } = await d.done;
    assert.equal(result['kind'], 'shutdown');
    assert.deepEqual(d.events.filter((e) => e['ev'] === 'power').map((e) => e['action']), ['poweroff']);
    assert.equal(existsSync(join(runDir, 'session-active')), false, 'unmarked at the end');
    assert.equal(existsSync(join(runDir, 'logout-action')), false, 'the action is used up');
  });
});
