// The LDM pipe protocol (LDM's greeter_iface.c) against a fake greeter: a shell script that logs every
// command it gets and answers from a file, as ldmgtkgreet would from its widgets.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LdmPipeGreeter, greeterEnv, markup } from '../../agent/login/greeter-ldm-pipe.ts';
import type { GreeterSetup } from '../../agent/login/greeter.ts';

const setup: GreeterSetup = {
  title: { hostname: 'ltsp-test', ip: '10.0.0.2' },
  servers: [{ host: 'server1' }, { host: 'server2' }],
  defaultServer: 'server2',
  sessions: [],
  languages: [],
  allowGuest: true,
  loginTimeoutS: 30,
};

// Answers: one line per reply-bearing command, in order of use; "@GUEST@" lines are sent
// unprompted right after the command named in GUEST_AFTER.
const FAKE = `#!/bin/sh
n=0
while IFS= read -r line; do
  printf '%s\\n' "$line" >> "$DIR/received"
  case "$line" in
    userid|passwd|hostname|language|session)
      if [ "$line" = "$GUEST_AFTER" ]; then echo "@backend@"; echo "@GUEST@"; GUEST_AFTER=; continue; fi
      n=$((n + 1)); sed -n "\${n}p" "$DIR/answers" ;;
    quit) exit 0 ;;
  esac
done
`;

async function withFake(answers: string[], guestAfter: string, work: (g: LdmPipeGreeter, received: () => string[], dir: string) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'ldm-greeter-'));
  try {
    writeFileSync(join(dir, 'greeter'), FAKE);
    chmodSync(join(dir, 'greeter'), 0o755);
    writeFileSync(join(dir, 'answers'), answers.join('\n') + '\n');
    writeFileSync(join(dir, 'received'), '');
    const g = new LdmPipeGreeter({ program: join(dir, 'greeter'), env: { DIR: dir, GUEST_AFTER: guestAfter } });
    try {
      await work(g, () => readFileSync(join(dir, 'received'), 'utf8').split('\n').filter(Boolean), dir);
    } finally {
      await g.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a login: username, password, then hostname, language, session, as ldm asks them', async () => {
  await withFake(['alice', 'pa ss', 'server1', 'None', '/usr/bin/xterm'], '', async (g, received) => {
    const a = await g.ask(setup);
    assert.deepEqual(a, { kind: 'login', username: 'alice', password: 'pa ss', server: 'server1', session: '/usr/bin/xterm', language: undefined });
    await g.message('Verifying password.  Please wait.', 'info');
    await g.message('Wrong <password> & co\nagain', 'error');
    await g.close();
    assert.deepEqual(received(), [
      'allowguest true',
      'prompt <b>Username</b>',
      'userid',
      'prompts <b>Password</b>',
      'passwd',
      'hostname',
      'language',
      'session',
      'msg Verifying password.  Please wait.',
      'msg <b>Wrong &lt;password&gt; &amp; co again</b>',
      'quit',
    ]);
  });
});

test('@GUEST@ while asked for the user name: a guest answer, still with host, language and session; other callbacks pass', async () => {
  await withFake(['None', 'de_DE.UTF-8', 'None'], 'userid', async (g, received) => {
    const a = await g.ask(setup);
    assert.deepEqual(a, { kind: 'guest', server: 'server2', session: undefined, language: 'de_DE.UTF-8' });
    assert.deepEqual(received().slice(2), ['userid', 'hostname', 'language', 'session']);
  });
});

test('a keyboard-interactive prompt is a userid/passwd round with the prompt text', async () => {
  await withFake(['bob', 'old', 'None', 'None', 'None', 'new-secret'], '', async (g, received) => {
    await g.ask(setup);
    assert.equal(await g.prompt('New password:', false), 'new-secret');
    assert.deepEqual(received().slice(-4), ['session', 'allowguest false', 'prompt New password:', 'passwd']);
  });
});

test('a greeter that dies makes ask() fail with a clear error', async () => {
  const g = new LdmPipeGreeter({ program: '/bin/true' });
  await assert.rejects(g.ask(setup), /exited while asked "userid"/);
  await g.close();
});

test('environment for the greeter and markup escaping', () => {
  assert.deepEqual(greeterEnv(setup), { LDM_SERVER: 'server2 server1', LDM_GUESTLOGIN: 'True', LDMINFO_IPADDR: '10.0.0.2', LDM_LOGIN_TIMEOUT: '30' });
  assert.equal(markup(' a <b>\n& c '), 'a &lt;b&gt; &amp; c');
});
