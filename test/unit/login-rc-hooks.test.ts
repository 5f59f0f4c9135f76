import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listHooks, runHooks } from '../../agent/login/rc-hooks.ts';
import { registerSecret } from '../../agent/core/log.ts';
import { guestCredentials, userAllowed, userMessage } from '../../agent/login/flow.ts';
import { hostToUsername, planLoginFor } from '../../agent/steps/login.ts';
import { ctxOf } from './steps-fixtures.ts';
import { LtspError } from '../../agent/core/errors.ts';

test('rc.d: names by letter, /etc overrides, sorted; LDM-native scripts skipped; one shell per action', async () => {
  const d = mkdtempSync(join(tmpdir(), 'rcd-'));
  try {
    const etc = join(d, 'etc');
    const usr = join(d, 'usr');
    mkdirSync(etc);
    mkdirSync(usr);
    const out = join(d, 'out');
    writeFileSync(join(usr, 'S10-a'), `echo usr-a >> ${out}; V=1`);
    writeFileSync(join(etc, 'S10-a'), `echo etc-a >> ${out}; V=1`);
    writeFileSync(join(usr, 'S05-b'), `echo b >> ${out}`);
    writeFileSync(join(usr, 'S20-c'), `echo "c V=$V user=$LDM_USERNAME" >> ${out}`);
    writeFileSync(join(usr, 'S15-userLoginCheck'), `echo native >> ${out}`);
    writeFileSync(join(usr, 'S30.dpkg-old'), `echo dotted >> ${out}`);
    writeFileSync(join(usr, 'X10-x'), `echo x >> ${out}`);
    assert.deepEqual((await listHooks('start', [etc, usr])).map((h) => h.path), [join(usr, 'S05-b'), join(etc, 'S10-a'), join(usr, 'S15-userLoginCheck'), join(usr, 'S20-c')]);
    const r = await runHooks('start', { dirs: [etc, usr], env: { LDM_USERNAME: 'ann' } });
    assert.equal(r.code, 0);
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n'), ['b', 'etc-a', 'c V=1 user=ann']);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('rc.d: a hook that starts a background program does not hold the login; output goes to the hook log', async () => {
  const d = mkdtempSync(join(tmpdir(), 'rcd-'));
  try {
    writeFileSync(join(d, 'X52-bg'), `sleep 30 &\necho $! > ${d}/bg.pid\necho started-in-background\n`);
    const logFile = join(d, 'hooks.log');
    const r = await runHooks('xsession', { dirs: [d], env: {}, timeoutMs: 10_000, logFile });
    assert.equal(r.code, 0, 'finished, not killed by the timeout');
    assert.match(readFileSync(logFile, 'utf8'), /started-in-background/);
    process.kill(Number(readFileSync(join(d, 'bg.pid'), 'utf8')));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('rc.d: a secret in the hook environment is refused, the login goes on', async () => {
  const d = mkdtempSync(join(tmpdir(), 'rcd-'));
  try {
    writeFileSync(join(d, 'I10-x'), 'true');
    registerSecret('s3cret-hook-pw');
    const r = await runHooks('init', { dirs: [d], env: { LDM_PASSWORD: 's3cret-hook-pw' } });
    assert.equal(r.code, null);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

/** The planned settings of screen 07 for these lts.conf values, and the planned password. */
function settingsOf(rec: Record<string, string>, hostname = 'ltsp20') {
  const p = planLoginFor(ctxOf(rec, [], {}, { hostname }));
  return { s: p.plan.screens[0]!, password: p.secrets?.passwords['7'] };
}

test('guest/autologin credentials as LDM get_guest; LDM_USER_ALLOW; user messages', () => {
  const c = settingsOf({ LDM_SERVER: 'a b', LDM_GUEST_SERVER: 'b c' });
  assert.deepEqual(guestCredentials(c.s, c.password), { username: 'ltsp20', password: 'ltsp20', server: 'b' });
  assert.deepEqual(guestCredentials(c.s, c.password, 'c').server, 'c');
  assert.deepEqual(guestCredentials(c.s, c.password, 'a').server, 'b');
  const c2 = settingsOf({ LDM_SERVER: 'a', LDM_USERNAME: 'kiosk', LDM_PASSWORD: 'pw' }, 'h');
  assert.equal(c2.s.guest.password, 'LDM_PASSWORD');
  assert.equal(JSON.stringify(c2.s).includes('"pw"'), false, 'the password is not in the settings');
  assert.deepEqual(guestCredentials(c2.s, c2.password), { username: 'kiosk', password: 'pw', server: 'a' });
  assert.equal(hostToUsername('pc/guest', 'pc07'), 'guest07');
  assert.equal(hostToUsername('pc/guest', 'pcx7'), undefined);
  assert.equal(hostToUsername('pc/guest', 'lab07'), undefined);
  const h = settingsOf({ HOST_TO_USERNAME: 'pc/guest', LDM_SERVER: 's' }, 'pc12');
  assert.deepEqual(guestCredentials(h.s, h.password), { username: 'guest12', password: 'guest12', server: 's' });
  assert.equal(userAllowed(settingsOf({}).s, 'x'), true);
  assert.equal(userAllowed(settingsOf({ LDM_USER_ALLOW: 'ann, bob' }).s, 'bob'), true);
  assert.equal(userAllowed(settingsOf({ LDM_USER_ALLOW: 'ann,bob' }).s, 'eve'), false);
  assert.equal(userMessage(new LtspError('LTSP_SSH_AUTH', 'login as x on s failed: wrong user name or password', {}, 'type the user name and password again')), 'login as x on s failed: wrong user name or password.\nType the user name and password again.');
  assert.equal(userMessage(new LtspError('LTSP_SSH_HOSTKEY_UNKNOWN', 'm', {}, 'run y')), 'm.\nAdministrator: run y.');
});
