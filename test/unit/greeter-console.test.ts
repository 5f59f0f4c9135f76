// The console greeter driven over streams: a pipe (one answer per line) and a fake
// terminal in raw mode (keys one by one, echo under the greeter's control).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ConsoleGreeter } from '../../agent/login/greeter-console.ts';
import type { GreeterSetup } from '../../agent/login/greeter.ts';
import { isSecretValue } from '../../agent/core/log.ts';

const setup: GreeterSetup = {
  title: { hostname: 'ltsp-test', ip: '10.0.0.2' },
  servers: [{ host: 'server1', rating: 70 }, { host: 'server2', down: true }],
  defaultServer: 'server1',
  sessions: [{ name: 'Xfce', command: '/usr/bin/startxfce4' }],
  languages: ['de_DE.UTF-8'],
  allowGuest: true,
};

function pipe() {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (b: Buffer) => (written += b.toString()));
  return { input, output, written: () => written };
}

/** A PassThrough that claims to be a terminal and records raw-mode switches. */
function terminal() {
  const p = pipe();
  const modes: boolean[] = [];
  Object.assign(p.input, { isTTY: true, setRawMode: (on: boolean) => modes.push(on) });
  return { ...p, modes };
}

test('over a pipe: user name and password lines answer a login; the password is a registered secret', async () => {
  const io = pipe();
  const g = new ConsoleGreeter(io);
  io.input.write('alice\nZürich pw\n');
  const a = await g.ask(setup);
  assert.deepEqual(a, { kind: 'login', username: 'alice', password: 'Zürich pw', server: 'server1', session: undefined, language: undefined });
  assert.ok(isSecretValue('Zürich pw'));
  assert.match(io.written(), /ltsp-test \(10\.0\.0\.2\)/);
  assert.match(io.written(), /Log in to server1, 70% free\. Other choices: !server !session !language !guest !reboot !shutdown/);
  assert.doesNotMatch(io.written(), /Zürich pw/);
  await g.close();
});

test('"!" commands pick server, session and language; !guest answers guest', async () => {
  const io = pipe();
  const g = new ConsoleGreeter(io);
  io.input.write('!server\n2\n!session\n2\n!language\n2\n!guest\n');
  assert.deepEqual(await g.ask(setup), { kind: 'guest', server: 'server2', session: '/usr/bin/startxfce4', language: 'de_DE.UTF-8' });
  assert.match(io.written(), /2\) server2 \(down\)/);
  io.input.write('!shutdown\n');
  assert.deepEqual(await g.ask(setup), { kind: 'shutdown' });
  await g.close();
});

test('messages and a prompt; unknown commands are refused', async () => {
  const io = pipe();
  const g = new ConsoleGreeter(io);
  await g.message('Wrong password', 'error');
  io.input.write('!nope\nbob\nx\n');
  await g.ask({ ...setup, allowGuest: false });
  io.input.write('s3cret\n');
  assert.equal(await g.prompt('New password:', false), 's3cret');
  assert.match(io.written(), /\*\*\* Wrong password/);
  assert.match(io.written(), /Unknown choice !nope/);
  assert.match(io.written(), /New password: /);
  await g.close();
});

test('on a terminal: raw mode, the user name echoed, the password not, backspace and Ctrl-U edit', async () => {
  const io = terminal();
  const g = new ConsoleGreeter(io);
  const answer = g.ask(setup);
  for (const key of ['a', 'l', 'x', '\x7f', 'i', 'c', 'e', '\r', 'w', 'r', 'o', 'n', 'g', '\x15', 'p', 'w', '\x1b[D', '!', '\r']) io.input.write(key);
  assert.deepEqual(await answer, { kind: 'login', username: 'alice', password: 'pw!', server: 'server1', session: undefined, language: undefined });
  const shown = io.written();
  assert.match(shown, /login: alx\x08 \x08ice\r\n/);
  assert.match(shown, /Password: \r\n$/);
  await g.close();
  assert.deepEqual(io.modes, [true, false]);
});

test('LDM_LOGIN_TIMEOUT with nothing typed logs in as guest', async () => {
  const io = pipe();
  const g = new ConsoleGreeter(io);
  assert.deepEqual(await g.ask({ ...setup, loginTimeoutS: 0.05 }), { kind: 'guest', server: 'server1', session: undefined, language: undefined });
  await g.close();
});

// End of input (a closed pipe, a hung-up terminal) must end the greeter, not make it ask
// again: every question after the end rejects with one typed error, and the greeter writes
// only a bounded amount before it gives up.

const ENDED = { code: 'LTSP_GREETER_INPUT_ENDED' };

test('over a pipe at end of input: ask() rejects with LTSP_GREETER_INPUT_ENDED after one prompt', async () => {
  const io = pipe();
  const g = new ConsoleGreeter(io);
  io.input.end();
  await assert.rejects(g.ask(setup), ENDED);
  assert.equal(io.written().match(/login: /g)?.length, 1);
  // asking again does not spin either
  await assert.rejects(g.ask(setup), ENDED);
  assert.equal(io.written().match(/login: /g)?.length, 2);
  await g.close();
});

test('end of input in the middle: after the user name, in a menu, in a server prompt', async () => {
  for (const [typed, call] of [
    ['alice\n', (g: ConsoleGreeter) => g.ask(setup)],
    ['!server\n', (g: ConsoleGreeter) => g.ask(setup)],
    ['', (g: ConsoleGreeter) => g.prompt('New password:', false)],
  ] as const) {
    const io = pipe();
    const g = new ConsoleGreeter(io);
    io.input.end(typed);
    await assert.rejects(call(g), ENDED, JSON.stringify(typed));
    assert.ok(io.written().length < 1000, `bounded output for ${JSON.stringify(typed)}`);
    await g.close();
  }
});

test('a last line without its newline still answers; only then the end', async () => {
  const io = pipe();
  const g = new ConsoleGreeter(io);
  io.input.end('bob\npw');
  assert.deepEqual(await g.ask(setup), { kind: 'login', username: 'bob', password: 'pw', server: 'server1', session: undefined, language: undefined });
  await assert.rejects(g.ask(setup), ENDED);
  await g.close();
});

test('empty lines then the end: one prompt per line, then the typed error', async () => {
  const io = pipe();
  const g = new ConsoleGreeter(io);
  io.input.end('\n\n\n');
  await assert.rejects(g.ask(setup), ENDED);
  assert.equal(io.written().match(/login: /g)?.length, 4);
  await g.close();
});

test('a hung-up terminal (raw mode): an end or a read error (EIO) ends the greeter; raw mode is restored', async () => {
  for (const hangUp of [(i: PassThrough) => i.end(), (i: PassThrough) => i.destroy(Object.assign(new Error('read EIO'), { code: 'EIO' }))]) {
    const io = terminal();
    const g = new ConsoleGreeter(io);
    const answer = g.ask(setup);
    io.input.write('al');
    hangUp(io.input);
    await assert.rejects(answer, ENDED);
    assert.equal(io.written().match(/login: /g)?.length, 1);
    await g.close();
    assert.deepEqual(io.modes, [true, false]);
  }
});
