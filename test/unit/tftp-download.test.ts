// The streaming ends of `ltsp-agent fetch`: a file written as blocks arrive (atomic, restartable)
// and stdout, which cannot be rewound. The transfer itself is tested against servers in
// test/integration/tftp.test.ts (an endless file stops at the cap with memory kept small).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileSystem } from '../../agent/exec/files.ts';
import { forwardSink } from '../../agent/net/tftp/download.ts';

test('openAtomic: written as it comes, started again on reset, in place only on commit', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'atomic-'));
  try {
    const target = join(dir, 'out');
    writeFileSync(target, 'old copy\n');
    const f = await new FileSystem('/').openAtomic(target, 0o640);
    f.write(Buffer.from('first try, '));
    f.reset();
    f.write(Buffer.from('hello '));
    f.write(Buffer.from('world\n'));
    assert.equal(readFileSync(target, 'utf8'), 'old copy\n', 'the target is untouched until commit');
    await f.commit();
    assert.equal(readFileSync(target, 'utf8'), 'hello world\n');
    assert.equal(statSync(target).mode & 0o777, 0o640);
    const g = await new FileSystem('/').openAtomic(target);
    g.write(Buffer.from('half'));
    await g.abort();
    assert.equal(readFileSync(target, 'utf8'), 'hello world\n');
    assert.deepEqual(readdirSync(dir), ['out'], 'no temp file is left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('forwardSink: holds back the first bytes while a restart is possible, then streams', () => {
  const out: string[] = [];
  const s = forwardSink((c) => out.push(c.toString()), 5);
  s.write(Buffer.from('abc'));
  s.reset();
  s.write(Buffer.from('xyz'));
  assert.equal(out.length, 0, "nothing written while under the hold size");
  s.write(Buffer.from('123'));
  assert.deepEqual(out, ['xyz', '123']);
  s.write(Buffer.from('!'));
  assert.deepEqual(out, ['xyz', '123', '!']);
  assert.throws(() => s.reset(), /started again after data was already written/);
  const t = forwardSink((c) => out.push(c.toString()), 100);
  t.write(Buffer.from('small'));
  t.flush();
  assert.equal(out.at(-1), 'small');
});
