// The console greeter on a real terminal (a tmux pane): the user name is echoed, the
// password is not, and the answer is exactly what was typed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { runProgram } from '../../agent/exec/process.ts';
import { hasProgram, labUnavailable, withLab } from '../lab/lab.ts';

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

// `ltsp-agent login --greeter console` whose standard input is at its end (</dev/null, a pipe
// closed at once: a hung-up line). LTSP 5's console would have printed "login:" forever; the
// agent asks once, says why it stops, and exits. Bounded output is counted, not timed.
const MAIN = join(repo, 'agent/cli/main.ts');
const labSkip = labUnavailable();

async function loginAtEof(stdin: 'devnull' | 'closed-pipe', extra: string[] = [], onOutput?: (all: string, child: ReturnType<typeof spawn>) => void) {
  return withLab(async (lab) => {
    const conf = join(lab.dir, 'lts.conf');
    writeFileSync(conf, '[default]\n  LDM_LANGUAGE = C\n');
    const args = ['netns', 'exec', lab.cli, process.execPath, '--import', 'tsx', MAIN, 'login', '--greeter', 'console', '--display', ':97', '--server', `${lab.serverIp}:22`, '--ip', lab.clientIp, '--hostname', 'eof-test', '--lts-conf', conf, '--known-hosts', join(lab.dir, 'none'), ...extra];
    const child = spawn('ip', args, { stdio: [stdin === 'devnull' ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (stdin === 'closed-pipe') child.stdin!.end();
    let all = '';
    const take = (d: Buffer) => {
      all += d.toString();
      onOutput?.(all, child);
    };
    child.stdout!.on('data', take);
    child.stderr!.on('data', take);
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    return { code, all };
  });
}

for (const stdin of ['devnull', 'closed-pipe'] as const) {
  test(`login --greeter console with stdin at its end (${stdin}): one prompt, a clear error, exit 1`, { skip: labSkip, timeout: 60_000 }, async () => {
    const { code, all } = await loginAtEof(stdin);
    assert.equal(code, 1, all);
    assert.equal(all.match(/^login: /gm)?.length, 1, all);
    assert.match(all, /ltsp-agent login: .*input ended.*\(LTSP_GREETER_INPUT_ENDED\)/);
    assert.ok(all.length < 8192, `bounded output: ${all.length} bytes`);
  });
}

test('login --loop --greeter console at end of input: ends instead of asking again every 5 s', { skip: labSkip, timeout: 60_000 }, async () => {
  const { code, all } = await loginAtEof('closed-pipe', ['--loop']);
  assert.equal(code, 1, all);
  assert.equal(all.match(/^login: /gm)?.length, 1, all);
  assert.match(all, /\(LTSP_GREETER_INPUT_ENDED\)/);
});
