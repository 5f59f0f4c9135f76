// The secret store (agent/core/log.ts) and its users: a secret is compared as a whole value,
// lives for the process or for one login round, and masks log text without garbling it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, endSecretRound, forgetSecret, isSecretValue, registerSecret, scrub } from '../../agent/core/log.ts';
import { runProgram } from '../../agent/exec/process.ts';

test('a typed password lives for its round; LDM_PASSWORD for the process', () => {
  registerSecret('typed-once-9c2', 'round');
  registerSecret('from-lts-conf-44e', 'process');
  assert.ok(isSecretValue('typed-once-9c2') && isSecretValue('from-lts-conf-44e'));
  endSecretRound();
  assert.equal(isSecretValue('typed-once-9c2'), false, 'forgotten when the round ends');
  assert.ok(isSecretValue('from-lts-conf-44e'), 'kept: the next autologin needs it again');
  registerSecret('from-lts-conf-44e', 'round');
  endSecretRound();
  assert.ok(isSecretValue('from-lts-conf-44e'), 'a round registration never shortens a process secret');
  forgetSecret('from-lts-conf-44e');
});

test('whole values: a password such as "tcp" or "/" refuses only an argv word that IS it, and only in its round', async () => {
  registerSecret('tcp');
  registerSecret('/');
  await assert.rejects(async () => runProgram(['/bin/echo', 'tcp']), /a password would be visible in its argv or environment/);
  const ok = await runProgram(['/bin/echo', '-nolisten', 'tcp:1', '/tmp/x']);
  assert.equal(ok.code, 0, 'words that merely contain the password are no leak');
  endSecretRound();
  const next = await runProgram(['/bin/echo', '-nolisten', 'tcp']);
  assert.equal(next.code, 0, 'the next round starts its X server again');
});

test('log masking: long secrets anywhere, short ones as words, tiny ones only as whole values', () => {
  registerSecret('Sup3r-Secret-Pw');
  registerSecret('kiwi');
  registerSecret('a');
  assert.equal(scrub('auth failed for Sup3r-Secret-Pw!'), 'auth failed for ***!');
  assert.equal(scrub('prefixSup3r-Secret-Pwsuffix'), 'prefix***suffix');
  assert.equal(scrub('user typed kiwi here'), 'user typed *** here');
  assert.equal(scrub('kiwifruit /var/kiwis'), 'kiwifruit /var/kiwis', 'no garbling inside other words');
  assert.equal(scrub('a path at /var/lib/ltsp'), 'a path at /var/lib/ltsp', 'a one-letter password does not garble the log');
  assert.equal(scrub('a'), '***');
  const lines: string[] = [];
  const log = createLogger({ destination: new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }) as unknown as NodeJS.WritableStream, human: false });
  log.info({ answer: 'a', note: 'a path' }, 'typed Sup3r-Secret-Pw');
  const rec = JSON.parse(lines[0]!) as { answer: string; note: string; msg: string };
  assert.deepEqual([rec.answer, rec.note, rec.msg], ['***', 'a path', 'typed ***']);
  endSecretRound();
  assert.equal(scrub('user typed kiwi here'), 'user typed kiwi here');
});
