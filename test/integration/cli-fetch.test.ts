// `ltsp-agent fetch` as an admin types it, with combined short flags (-qo FILE), against the
// test TFTP server on the loopback address (nothing leaves the machine).
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(REPO, 'dist', 'ltsp-agent');

async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((ok) => s.bind(0, '127.0.0.1', ok));
  const port = s.address().port;
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

test('fetch -qo FILE downloads quietly into FILE', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-fetch-'));
  const port = await freeUdpPort();
  const server = spawn('node', ['--import', 'tsx', join(REPO, 'test/integration/tftp-server.ts'), '127.0.0.1', String(port), dir, 'good'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    writeFileSync(join(dir, 'lts.conf'), '[default]\nSERVER=192.168.67.1\n');
    await new Promise<void>((ok, fail) => {
      server.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && ok());
      server.once('exit', (c) => fail(new Error(`tftp-server exited ${c}`)));
    });
    const out = join(dir, 'got.conf');
    const r = spawnSync('node', [BUNDLE, 'fetch', '-qo', out, '--timeout', '10', `tftp://127.0.0.1:${port}/lts.conf`], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '', '-q: no progress and no summary');
    assert.equal(readFileSync(out, 'utf8'), '[default]\nSERVER=192.168.67.1\n');
  } finally {
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
