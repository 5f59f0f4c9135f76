import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { parseLdmInfo, fetchLdmInfo, chooseServer, type ServerInfo } from '../../agent/net/ldminfo.ts';

const REPLY = `language:de_DE.UTF-8
language:en_US.UTF-8
language:fr_FR.UTF-8
session:/usr/bin/startxfce4
session:/usr/bin/gnome-session
session-with-name:Xfce Session:/usr/bin/startxfce4
session-with-name:GNOME:/usr/bin/gnome-session --session=gnome
xsession:/etc/X11/Xsession
rating:73
`;

test('parse: languages in order, session-with-name wins over session, xsession, rating', () => {
  const i = parseLdmInfo(REPLY);
  assert.deepEqual(i.languages, ['de_DE.UTF-8', 'en_US.UTF-8', 'fr_FR.UTF-8']);
  assert.deepEqual(i.sessions, [
    { name: 'Xfce Session', command: '/usr/bin/startxfce4' },
    { name: 'GNOME', command: '/usr/bin/gnome-session --session=gnome' },
  ]);
  assert.equal(i.xsession, '/etc/X11/Xsession');
  assert.equal(i.rating, 73);
  assert.equal(i.serverError, false);
});

test('parse: old servers send only session: lines; the name is the text after the last /', () => {
  const i = parseLdmInfo('language:C\nSESSION:/usr/bin/startlxde\nSession:/opt/kde/bin/startkde\n');
  assert.deepEqual(i.sessions, [
    { name: 'startlxde', command: '/usr/bin/startlxde' },
    { name: 'startkde', command: '/opt/kde/bin/startkde' },
  ]);
});

test('parse: ERROR, junk, CRLF, out-of-range rating', () => {
  assert.equal(parseLdmInfo('ERROR\n').serverError, true);
  const i = parseLdmInfo('garbage\r\nrating:250\r\nlanguage:en_US.UTF-8\r\nrating:abc\r\n');
  assert.equal(i.rating, 100);
  assert.deepEqual(i.languages, ['en_US.UTF-8']);
});

test('chooseServer: best rating among answering servers; ties keep LDM_SERVER order; none -> first', () => {
  const s = (host: string, rating?: number, down = false): ServerInfo =>
    down ? { host } : { host, info: { languages: [], sessions: [], serverError: false, truncated: false, ...(rating !== undefined ? { rating } : {}) } };
  assert.equal(chooseServer([s('a', 10), s('b', 90), s('c', 50)]), 'b');
  assert.equal(chooseServer([s('a', 50), s('b', 50)]), 'a');
  assert.equal(chooseServer([s('a', 0, true), s('b', 5)]), 'b');
  assert.equal(chooseServer([s('a', 0, true), s('b', 0, true)]), 'a');
  assert.equal(chooseServer([s('a'), s('b', 1)]), 'b');
});

test('fetch: sends nothing, reads until close; caps the size; times out on a silent server', async () => {
  let received = 0;
  const big = Buffer.alloc(40000, 'x');
  // allowHalfOpen: a silent server must stay silent after our half-close (a real one ignores it)
  const srv = createServer({ allowHalfOpen: true }, (c) => {
    c.on('data', (d) => (received += d.length));
    const mode = srvMode;
    if (mode === 'reply') c.end(REPLY);
    else if (mode === 'big') c.end(Buffer.concat([Buffer.from('rating:42\n'), big]));
    // 'silent': never answers
  });
  let srvMode: 'reply' | 'big' | 'silent' = 'reply';
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  try {
    const i = await fetchLdmInfo('127.0.0.1', { port });
    assert.equal(i.rating, 73);
    assert.equal(received, 0, 'the protocol has no request');
    srvMode = 'big';
    const b = await fetchLdmInfo('127.0.0.1', { port });
    assert.equal(b.truncated, true);
    assert.equal(b.rating, 42);
    srvMode = 'silent';
    await assert.rejects(fetchLdmInfo('127.0.0.1', { port, timeoutMs: 200 }), (e: Error & { code?: string }) => e.code === 'LTSP_LDMINFO_UNREACHABLE' && /did not answer within 200 ms/.test(e.message));
  } finally {
    srv.close();
  }
  await assert.rejects(fetchLdmInfo('127.0.0.1', { port }), /not reachable \(ECONNREFUSED\)/);
});
