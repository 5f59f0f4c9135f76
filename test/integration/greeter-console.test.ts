// The console greeter on a real terminal (a tmux pane): the user name is echoed, the
// password is not, and the answer is exactly what was typed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runProgram } from '../../agent/exec/process.ts';
import { hasProgram } from '../lab/lab.ts';

const skip = hasProgram('tmux') ? undefined : 'needs tmux';
const repo = resolve(import.meta.dirname, '../..');

test('typed on a terminal: echo for the user name, none for the password', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'console-greeter-'));
  const server = `ltsp-greeter-${process.pid}`;
  const tmux = async (...args: string[]) => (await runProgram(['tmux', '-L', server, ...args], { timeoutMs: 10_000 })).stdout;
  const screen = () => tmux('capture-pane', '-p', '-t', 'g');
  const until = async (what: () => boolean | Promise<boolean>) => {
    while (!(await what())) await new Promise((r) => setTimeout(r, 50));
  };
  try {
    const script = join(dir, 'greeter.mts');
    writeFileSync(
      script,
      `import { writeFileSync } from 'node:fs';
import { ConsoleGreeter } from ${JSON.stringify(join(repo, 'agent/login/greeter-console.ts'))};
const g = new ConsoleGreeter();
const a = await g.ask({ title: { hostname: 'ltsp-test' }, servers: [{ host: 'server1' }], defaultServer: 'server1', sessions: [], languages: [], allowGuest: false });
await g.close();
writeFileSync(${JSON.stringify(join(dir, 'answer.json'))}, JSON.stringify(a));
`,
    );
    await tmux('new-session', '-d', '-s', 'g', '-x', '100', '-y', '20', '-c', repo, `node --import tsx ${script}; sleep 30`);
    await until(async () => (await screen()).includes('login:'));
    await tmux('send-keys', '-t', 'g', '-l', 'jürgen');
    await tmux('send-keys', '-t', 'g', 'Enter');
    await until(async () => (await screen()).includes('Password:'));
    await tmux('send-keys', '-t', 'g', '-l', 'Geh eim!');
    await tmux('send-keys', '-t', 'g', 'Enter');
    await until(() => existsSync(join(dir, 'answer.json')));
    const shown = await screen();
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'answer.json'), 'utf8')), { kind: 'login', username: 'jürgen', password: 'Geh eim!', server: 'server1' });
    assert.match(shown, /login: jürgen/);
    assert.doesNotMatch(shown, /Geh eim/);
  } finally {
    await runProgram(['tmux', '-L', server, 'kill-server'], { timeoutMs: 10_000 }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});
