// What the user sees when the login cannot work, each against the real programs: an unknown or
// changed server host key is refused at once (before any password is sent) naming the server
// and the admin's fix; sshd down; ldminfod down (the login still works); two servers with
// different ldminfod ratings; LDM_USER_ALLOW.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withLab, labUnavailable, hasProgram } from '../lab/lab.ts';
import { makeRig, drive, waitForWindow, killSession, type LoginRig } from '../lab/login-harness.ts';
import { startLdminfod } from '../lab/ldminfod.ts';

const skip = labUnavailable() ?? (['Xvfb', 'xlogo', 'xwininfo', 'ssh-keygen'].every(hasProgram) && existsSync('/usr/sbin/sshd') ? undefined : 'needs openssh-server, xvfb, x11-apps, x11-utils');

function errors(events: Array<Record<string, unknown>>): string[] {
  return events.filter((e) => e['ev'] === 'message' && e['kind'] === 'error').map((e) => String(e['text']));
}

function sshdLog(rig: LoginRig): string {
  return readFileSync(join(rig.sshd.dir, 'sshd.log'), 'utf8');
}

test('unknown host key: refused at once, names the server and ltsp-update-sshkeys, no password sent', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    // known_hosts has a key for `server`, but not this server's
    const other = join(lab.dir, 'otherkey');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    writeFileSync(rig.knownHosts, `# ssh keys for LTSP\nsomeotherhost ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const d = drive(rig, { answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp }] });
    const { result } = await d.done;
    assert.equal(result['kind'], 'shutdown');
    const [msg] = errors(d.events);
    assert.ok(msg, JSON.stringify(d.events));
    assert.match(msg, /host key of server 10\.77\.0\.1 \(SHA256:[A-Za-z0-9+/]+\) is not in .*ssh_known_hosts/);
    assert.match(msg, /ltsp-update-sshkeys/);
    assert.match(msg, /ltsp-update-image/);
    assert.equal(d.events.filter((e) => e['ev'] === 'prompt').length, 0);
    assert.doesNotMatch(sshdLog(rig), /Failed|Accepted|Postponed/, 'no authentication was attempted');
  });
});

test('changed host key (server reinstalled): refused at once with both fingerprints', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    await rig.sshd.regenerateHostKey(); // known_hosts still has the old key under `server`
    const d = drive(rig, { answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp }] });
    await d.done;
    const [msg] = errors(d.events);
    assert.ok(msg, JSON.stringify(d.events));
    assert.match(msg, /host key of server 10\.77\.0\.1 CHANGED: it presented SHA256:\S+, .* has SHA256:\S+ \(line 2\)/);
    assert.match(msg, /Administrator: on the LTSP server run "ltsp-update-sshkeys"/);
    assert.doesNotMatch(sshdLog(rig), /Failed|Accepted|Postponed/, 'no authentication was attempted');
  });
});

test('sshd down: "nothing listens for SSH" on the greeter, X keeps running', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    rig.sshd.stop();
    const d = drive(rig, { answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp }] });
    await d.done;
    const [msg] = errors(d.events);
    assert.match(msg ?? '', /nothing listens for SSH on 10\.77\.0\.1:22 \(connection refused\)/);
    assert.match(msg ?? '', /start sshd on 10\.77\.0\.1, or set SSH_OVERRIDE_PORT/);
    assert.equal(d.events.filter((e) => e['ev'] === 'ask').length, 2, 'asked again');
    assert.equal(d.events.filter((e) => e['ev'] === 'display').length, 1, 'same X server');
  });
});

test('ldminfod down: the server is listed as down, the login still works', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab, { ldminfod: false });
    const d = drive(rig, {
      config: { LDM_XSESSION: rig.xsession },
      answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp }],
    });
    await waitForWindow(rig, /xlogo/i);
    const setup = (await d.waitFor((e) => e['ev'] === 'ask'))['setup'] as Record<string, unknown>;
    assert.deepEqual(setup['servers'], [{ host: lab.serverIp, down: true }]);
    assert.deepEqual(setup['sessions'], []);
    killSession(rig);
    assert.equal((await d.done).result['kind'], 'done');
    assert.match(readFileSync(rig.logFile, 'utf8'), /ldminfod on 10\.77\.0\.1:9571 is not reachable/);
  });
});

test('two servers: the one with the better ldminfod rating (lower load) is the default', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const second = '10.77.0.3';
    const rig = await makeRig(lab, { rating: 20, extraAddresses: [second] });
    await startLdminfod(lab, { sessions: [{ name: 'Logo', exec: 'xlogo' }], xsession: rig.xsession, rating: 90 }, { ip: second });
    rig.sshd.writeKnownHosts(rig.knownHosts, ['server', second]);
    const d = drive(rig, {
      config: { LDM_SERVER: `${lab.serverIp} ${second}` },
      answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: '' }],
    });
    await waitForWindow(rig, /xlogo/i);
    const setup = (await d.waitFor((e) => e['ev'] === 'ask'))['setup'] as Record<string, unknown>;
    assert.equal(setup['defaultServer'], second);
    assert.deepEqual(setup['servers'], [
      { host: lab.serverIp, rating: 20, down: false },
      { host: second, rating: 90, down: false },
    ]);
    const env = readFileSync(join(rig.user.home, 'session-env'), 'utf8');
    assert.match(env, /^SSH_CONNECTION=10\.77\.0\.2 \d+ 10\.77\.0\.3 22$/m, 'the session runs on the better-rated server');
    killSession(rig);
    await d.done;
  });
});

test('LDM_USER_ALLOW: another user is refused on the client before connecting', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, {
      config: { LDM_USER_ALLOW: 'alice,bob' },
      answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp }],
    });
    await d.done;
    assert.deepEqual(errors(d.events), [`User ${rig.user.name} may not log in on this computer.`]);
    assert.doesNotMatch(sshdLog(rig), /Connection from/);
  });
});

test('the network drops during the session: detected by keepalive, the greeter comes back and says so', { skip, timeout: 60_000 }, async () => {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const d = drive(rig, {
      answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: lab.serverIp }],
      keepaliveMs: 500,
      maxSessions: 5,
    });
    await waitForWindow(rig, /xlogo/i);
    execFileSync('ip', ['-n', lab.srv, 'link', 'set', `vs${lab.id}`, 'down']); // the cable is pulled
    const notice = await d.waitFor((e) => e['ev'] === 'message' && /connection to 10\.77\.0\.1 was lost/i.test(String(e['text'])), 30_000);
    assert.equal(notice['kind'], 'info');
    const { result } = await d.done; // the script then answers "shutdown"
    assert.equal(result['kind'], 'shutdown');
    assert.equal(d.events.filter((e) => e['ev'] === 'display').length, 2, 'a fresh X server and greeter');
  });
});
