// Runs the login flow in the client namespace for an integration test: the test writes the
// whole script as JSON to this program's stdin (so the passwords in it appear in no argv,
// environment or file), the login planner turns its lts.conf values into the screen's settings
// exactly as at boot, the flow runs with a ScriptedGreeter, and every greeter event and the
// final result come back as JSON lines on stdout. Logs go to `logFile`, as JSON lines.

import { createWriteStream } from 'node:fs';
import { Config } from '../../agent/config/config.ts';
import { createLogger } from '../../agent/core/log.ts';
import { formatProblem } from '../../agent/core/errors.ts';
import { runLogin, type DisplaySpec } from '../../agent/login/flow.ts';
import { planLoginFor } from '../../agent/steps/login.ts';
import type { ClientFacts } from '../../agent/facts/types.ts';
import type { GreeterAnswer } from '../../agent/login/greeter.ts';
import { ScriptedGreeter } from './scripted-greeter.ts';
import { X11Greeter } from '../../agent/login/greeter-x11.ts';

export interface DriverInput {
  config: Record<string, string>;
  client: { ip: string; hostname: string; mac?: string };
  display: DisplaySpec;
  knownHostsFiles: string[];
  rcDirs?: string[];
  answers: GreeterAnswer[];
  prompts?: string[];
  maxSessions?: number;
  maxAutologinFailures?: number;
  connectTimeoutMs?: number;
  keepaliveMs?: number;
  soundEnv?: Record<string, string>;
  logFile: string;
  /** The real graphical greeter (typed into by the test with xdotool) instead of the script. */
  greeter?: 'scripted' | 'x11';
  /** Benchmarks: hold each scripted answer this long (time for the window watcher to attach). */
  askDelayMs?: number;
  /** session-active/ and logout-action here; power requests only reported (event "power"), never done. */
  runDir?: string;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const emit = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');

const input = JSON.parse(await readStdin()) as DriverInput;
const logStream = createWriteStream(input.logFile, { flags: 'a' });
const log = createLogger({ destination: logStream, human: false, level: 'debug' });
const answers = input.answers;
const prompts = input.prompts ?? [];
const config = Config.fromRecord(input.config);
const facts: ClientFacts = {
  ...(input.client.mac ? { mac: { value: input.client.mac, source: 'flag' } } : {}),
  ip: { value: input.client.ip, source: 'flag' },
  server: { value: config.get('SERVER') ?? input.client.ip, source: 'flag' },
  dns: [],
  arch: 'x86_64',
  ramMiB: 2048,
  root: { kind: 'local' },
  cmdlineKeys: {},
  ltspBoot: false,
  present: new Set(),
};
const planned = planLoginFor({ config, facts, server: config.get('SERVER') ?? input.client.ip, hostname: input.client.hostname });
// as `ltsp-agent login --lts-conf` does: the planner's problems go to the log
for (const p of planned.problems) log.warn(formatProblem(p));
const screen = planned.plan.screens[0];
if (!screen) throw new Error(`no login planned: ${planned.skipped}`);
const settings = input.soundEnv ? { ...screen, sessionEnv: { ...screen.sessionEnv, sound: input.soundEnv } } : screen;
const password = planned.secrets?.passwords[String(screen.vt)];
const result = await runLogin({
  settings,
  ...(password !== undefined ? { password } : {}),
  clientIp: input.client.ip,
  display: input.display,
  knownHostsFiles: input.knownHostsFiles,
  ...(input.rcDirs ? { rcDirs: input.rcDirs } : {}),
  ...(input.maxSessions !== undefined ? { maxSessions: input.maxSessions } : {}),
  ...(input.maxAutologinFailures !== undefined ? { maxAutologinFailures: input.maxAutologinFailures } : {}),
  ...(input.connectTimeoutMs !== undefined ? { connectTimeoutMs: input.connectTimeoutMs } : {}),
  ...(input.keepaliveMs !== undefined ? { keepaliveMs: input.keepaliveMs } : {}),
  ...(input.soundEnv ? { soundEnv: input.soundEnv } : {}),
  greeter: (d) => {
    emit({ ev: 'display', display: d.display, xauthority: d.xauthority });
    if (input.greeter === 'x11') return X11Greeter.open({ display: `:${d.display}`, ...(d.xauthority ? { xauthority: d.xauthority } : {}), log });
    const g = new ScriptedGreeter(answers, prompts, emit);
    const ask = g.ask.bind(g);
    g.ask = async (setup) => {
      const a = await ask(setup);
      if (input.askDelayMs) await new Promise((r) => setTimeout(r, input.askDelayMs));
      emit({ ev: 'submit', t: performance.timeOrigin + performance.now() }); // wall clock, comparable across processes
      return a;
    };
    return g;
  },
  ...(input.runDir
    ? {
        runDir: input.runDir,
        logoutActionPollMs: 200,
        power: async (action: string) => (emit({ ev: 'power', action }), 'test'),
        notice: async (d: { display: number; xauthority?: string }, text: string) => {
          const { showX11Notice } = await import('../../agent/login/greeter-x11.ts');
          const n = await showX11Notice({ display: `:${d.display}`, ...(d.xauthority ? { xauthority: d.xauthority } : {}) }, text);
          emit({ ev: 'notice', text });
          return n;
        },
      }
    : {}),
  log,
});
emit({ ev: 'result', result: result.kind === 'failed' ? { kind: 'failed', code: result.error.code, message: result.error.message, hint: result.error.hint } : result });
emit({ ev: 'rss', bytes: process.memoryUsage().rss });
await new Promise<void>((r) => logStream.end(() => r()));
process.exit(0);
