import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServer } from 'node:net';
import { encodeXauth, decodeXauth, localEntries, inetEntry, findCookie, newCookie, parseDisplay, setupRequest, MIT_COOKIE } from '../../agent/login/xauth.ts';
import { createX11Forwarder, parseSetup } from '../../agent/login/x11-forward.ts';
import { xServerArgv } from '../../agent/login/x-server.ts';

const hasXauth = (() => {
  try {
    execFileSync('xauth', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

test('Xauthority round trip; xauth(1) reads what we write', { skip: hasXauth ? undefined : 'needs xauth' }, () => {
  const c = newCookie();
  const buf = encodeXauth([...localEntries(7, 'ltsp20', c), inetEntry('10.0.0.5', 7, c)]);
  const back = decodeXauth(buf);
  assert.equal(back.length, 3);
  assert.deepEqual(findCookie(back, 7, 'ltsp20'), c);
  assert.equal(findCookie(back, 8), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'xa-'));
  try {
    writeFileSync(join(dir, 'xa'), buf);
    const list = execFileSync('xauth', ['-f', join(dir, 'xa'), 'list']).toString();
    assert.match(list, new RegExp(`ltsp20/unix:7  MIT-MAGIC-COOKIE-1  ${c.toString('hex')}`));
    assert.match(list, new RegExp(`10\\.0\\.0\\.5:7  MIT-MAGIC-COOKIE-1  ${c.toString('hex')}`));
  } finally {
    rmSync(dir, { recursive: true });
  }
  assert.deepEqual(decodeXauth(buf.subarray(0, buf.length - 3)).length, 2, 'a truncated file keeps its whole entries');
});

test('parseDisplay', () => {
  assert.equal(parseDisplay(':7'), 7);
  assert.equal(parseDisplay('localhost:10.0'), 10);
  assert.equal(parseDisplay('nope'), undefined);
});

test('X server argv: Xorg gets vt and -br, Xvfb a screen; never TCP', () => {
  assert.deepEqual(xServerArgv({ display: 7, program: '/usr/bin/Xorg', xauthority: '/run/a', args: ['-depth', '16'] }), ['/usr/bin/Xorg', ':7', 'vt7', '-auth', '/run/a', '-nolisten', 'tcp', '-noreset', '-depth', '16', '-br']);
  assert.deepEqual(xServerArgv({ display: 9, program: 'Xvfb', xauthority: '/a' }), ['Xvfb', ':9', '-auth', '/a', '-nolisten', 'tcp', '-noreset', '-screen', '0', '1280x1024x24']);
});

test('X11 forwarding: the fake cookie is swapped for the real one; anything else is refused', async () => {
  const real = newCookie();
  const dir = mkdtempSync(join(tmpdir(), 'x11f-'));
  const sock = join(dir, 'X0');
  const got: Buffer[] = [];
  const srv = createServer((c) => c.on('data', (d) => got.push(d)));
  await new Promise<void>((r) => srv.listen(sock, r));
  try {
    const fwd = createX11Forwarder(0, real, sock);
    const fake = Buffer.from(fwd.fakeCookieHex, 'hex');
    const ch = new PassThrough();
    fwd.handle(ch);
    const req = setupRequest(MIT_COOKIE, fake);
    ch.write(req.subarray(0, 5)); // split across packets
    ch.write(req.subarray(5));
    await new Promise((r) => setTimeout(r, 100));
    const sent = Buffer.concat(got);
    const s = parseSetup(sent);
    assert.ok(s && s !== 'bad');
    assert.deepEqual(sent.subarray(s.dataOff, s.dataOff + 16), real);
    // a wrong cookie never reaches the X server
    got.length = 0;
    const bad = new PassThrough();
    let closed = false;
    bad.on('close', () => (closed = true));
    fwd.handle(bad);
    bad.write(setupRequest(MIT_COOKIE, newCookie()));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(closed, true);
    assert.equal(Buffer.concat(got).length, 0);
    fwd.closeAll();
  } finally {
    srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Xvfb gets the X step depth in its -screen geometry, Xorg gets -depth', async () => {
  const { xServerArgv } = await import('../../agent/login/x-server.ts');
  const xvfb = xServerArgv({ display: 7, program: '/usr/bin/Xvfb', xauthority: '/a', args: ['-depth', '16', '-fp', 'built-ins'] });
  assert.ok(!xvfb.includes('-depth'));
  assert.deepEqual(xvfb.slice(xvfb.indexOf('-screen'), xvfb.indexOf('-screen') + 3), ['-screen', '0', '1280x1024x16']);
  assert.ok(xvfb.includes('-fp'));
  const xorg = xServerArgv({ display: 7, program: 'Xorg', xauthority: '/a', args: ['-depth', '16'] });
  assert.deepEqual(xorg.slice(xorg.indexOf('-depth'), xorg.indexOf('-depth') + 2), ['-depth', '16']);
  assert.ok(xorg.includes('vt7'));
});
