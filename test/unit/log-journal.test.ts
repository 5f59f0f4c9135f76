// Log lines carry journald priorities when the agent's stderr is systemd's journal stream
// (JOURNAL_STREAM), so that `journalctl -p err -u ltsp-login` shows the agent's errors.
import { strict as assert } from 'node:assert';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { createLogger, isJournalStream, journalPriority, registerSecret } from '../../agent/core/log.ts';

const dir = mkdtempSync(join(tmpdir(), 'log-journal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('pino levels map to the syslog priorities of sd-daemon(3)', () => {
  assert.deepEqual([10, 20, 30, 40, 50, 60].map(journalPriority), [7, 7, 6, 4, 3, 2]);
});

test('JOURNAL_STREAM is recognised by the device and inode of the very stream', () => {
  const fd = openSync(join(dir, 'stream'), 'w');
  const other = openSync(join(dir, 'other'), 'w');
  try {
    const st = fstatSync(fd);
    const env = { JOURNAL_STREAM: `${st.dev}:${st.ino}` };
    assert.equal(isJournalStream(fd, env), true);
    assert.equal(isJournalStream(other, env), false, 'another file (a pipe or terminal the service handed on) is not the journal');
    assert.equal(isJournalStream(fd, {}), false);
    assert.equal(isJournalStream(fd, { JOURNAL_STREAM: 'garbage' }), false);
  } finally {
    closeSync(fd);
    closeSync(other);
  }
});

test('under the journal every line starts with its priority; secrets stay masked', async () => {
  const file = join(dir, 'journal.log');
  const dest = pino.destination({ dest: file, sync: true });
  const st = fstatSync((dest as unknown as { fd: number }).fd);
  const saved = process.env['JOURNAL_STREAM'];
  process.env['JOURNAL_STREAM'] = `${st.dev}:${st.ino}`;
  try {
    registerSecret('s3cret-pw');
    const log = createLogger({ destination: dest as unknown as NodeJS.WritableStream, level: 'debug' });
    log.debug('probing');
    log.info('boot phase done');
    log.warn('key unknown');
    log.error({ password: 's3cret-pw' }, 'login failed with s3cret-pw');
    log.fatal('cannot go on');
    log.flush();
  } finally {
    if (saved === undefined) delete process.env['JOURNAL_STREAM'];
    else process.env['JOURNAL_STREAM'] = saved;
  }
  await new Promise((ok) => setTimeout(ok, 50));
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => l.slice(0, 3)), ['<7>', '<6>', '<4>', '<3>', '<2>']);
  for (const l of lines) assert.doesNotThrow(() => JSON.parse(l.slice(3)), 'after the prefix, the JSON line as before');
  assert.match(lines[3]!, /"msg":"login failed with \*\*\*"/);
  assert.doesNotMatch(lines.join('\n'), /s3cret-pw/);
});

test('without the journal the lines are unchanged JSON', () => {
  const file = join(dir, 'plain.log');
  const dest = pino.destination({ dest: file, sync: true });
  const log = createLogger({ destination: dest as unknown as NodeJS.WritableStream });
  log.error('plain');
  const line = readFileSync(file, 'utf8').trimEnd();
  assert.equal(line[0], '{');
  assert.equal((JSON.parse(line) as { level: number }).level, 50);
});
