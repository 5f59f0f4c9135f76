// Login latency: from the greeter's submit to the first window of the remote session on the
// client's display, ours (the bundled login flow, node-ssh, X11 forwarded with the cookie swap)
// against what LDM did: OpenSSH `ssh -Y -t -M` in a pty, the expect-style chat (wait for ": ",
// type the password, wait for LTPSROCKS), then the session through the control socket with a
// second `ssh -Y -t -S` (X95-run-x-session). Same sshd, same user, same Xsession wrapper, same
// session (xlogo), interleaved runs. The window is seen by `xev -root` (CreateNotify).
// Also: the agent's RSS while the session runs (target < 60 MB).
//
//   node --import tsx bench/login.ts [--runs N]      (root: network namespaces)
//   BENCH_DEBUG=1 prints the agent's log times per run; BENCH_PROF=DIR writes CPU profiles.

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { REPO, fmtMs, fmtRatio, machineLine, median, table, writeSection, intOption } from './lib/report.ts';
import { withLab, labUnavailable, type Lab } from '../test/lab/lab.ts';
import { makeRig, type LoginRig } from '../test/lab/login-harness.ts';
import { encodeXauth, localEntries, newCookie, probeDisplay } from '../agent/login/xauth.ts';

const runs = intOption('--runs', 7);
const now = () => performance.timeOrigin + performance.now();

/** Every wait has a bound, so that a hung run fails into withLab's teardown instead of leaking the lab. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`bench/login: ${what} took over ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

interface PtyLike {
  onData(fn: (d: string) => void): void;
  onExit(fn: (e: { exitCode: number }) => void): void;
  write(s: string): void;
  kill(sig?: string): void;
  readonly pid: number;
}
type PtySpawn = (file: string, args: string[], opts: Record<string, unknown>) => PtyLike;

async function loadPty(): Promise<PtySpawn> {
  try {
    const m = (await import('node-pty')) as unknown as { spawn: PtySpawn; default?: { spawn: PtySpawn } };
    return m.spawn ?? m.default!.spawn;
  } catch (e) {
    throw new Error(`bench/login needs the optional native module node-pty to drive OpenSSH as LDM did (npm rebuild node-pty): ${(e as Error).message}`);
  }
}

/** Resolves with the wall-clock time of the first window created on the display's root. */
function watchFirstWindow(display: number, xauthority: string): { ready: Promise<void>; first: Promise<number>; stop(): void } {
  const xev = spawn('xev', ['-root', '-event', 'substructure', '-display', `:${display}`], { env: { ...process.env, XAUTHORITY: xauthority }, stdio: ['ignore', 'pipe', 'ignore'] });
  let resolveFirst: (t: number) => void;
  const first = new Promise<number>((r) => (resolveFirst = r));
  xev.stdout.on('data', (d: Buffer) => {
    if (d.toString().includes('CreateNotify')) resolveFirst(now());
  });
  // xev attaches within a few ms; give it a generous head start
  const ready = new Promise<void>((r) => setTimeout(r, 400));
  return { ready, first, stop: () => xev.kill('SIGKILL') };
}

function killUser(rig: LoginRig): void {
  try {
    execFileSync('pkill', ['-KILL', '-u', rig.user.name], { stdio: 'ignore' });
  } catch {
    /* nothing */
  }
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function oursOnce(rig: LoginRig, bundle: string): Promise<{ ms: number; rss: number }> {
  const input = {
    ...rig.base,
    answers: [{ kind: 'login', username: rig.user.name, password: rig.user.password, server: rig.lab.serverIp, session: 'xlogo' }],
    askDelayMs: 700,
  };
  const prof = process.env['BENCH_PROF'] ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_PROF']] : [];
  const child = spawn('ip', ['netns', 'exec', rig.lab.cli, process.execPath, ...prof, bundle], { stdio: ['pipe', 'pipe', 'inherit'] });
  let submit = 0;
  let watcher: ReturnType<typeof watchFirstWindow> | undefined;
  let buf = '';
  const gotSubmit = new Promise<void>((resolve, reject) => {
    child.on('close', (code) => reject(new Error(`the login driver exited (${code}) before the greeter answered`)));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const e = JSON.parse(buf.slice(0, i)) as { ev: string; t?: number; xauthority?: string; display?: number };
        buf = buf.slice(i + 1);
        if (e.ev === 'display') watcher = watchFirstWindow(e.display!, e.xauthority!);
        if (e.ev === 'submit') {
          submit = e.t!;
          resolve();
        }
      }
    });
  });
  child.stdin!.end(JSON.stringify(input));
  try {
    await within(gotSubmit, 30_000, 'the greeter submit');
  } catch (e) {
    child.kill('SIGKILL');
    watcher?.stop();
    throw e;
  }
  const shown = await within(watcher!.first, 30_000, 'the first remote window').catch((e: unknown) => {
    child.kill('SIGKILL');
    watcher!.stop();
    throw e;
  });
  const rss = rssMiB(child.pid!); // `ip netns exec` execs node: same pid
  if (process.env['BENCH_DEBUG']) {
    for (const l of readFileSync(rig.logFile, 'utf8').trim().split('\n')) {
      const o = JSON.parse(l) as { time: number; msg: string };
      if (o.time >= submit - 5) console.error(`  ${Math.round(o.time - submit)} ms ${o.msg}`);
    }
    console.error(`  ${Math.round(shown - submit)} ms window`);
  }
  watcher!.stop();
  killUser(rig);
  await within(new Promise((r) => child.on('close', r)), 30_000, 'the logout');
  return { ms: shown - submit, rss };
}

async function ldmOnce(rig: LoginRig, ptySpawn: PtySpawn, display: number, xauthority: string, knownHosts: string): Promise<number> {
  const lab = rig.lab;
  const sock = join(lab.dir, `ldm_socket_${Date.now()}`);
  const env = { ...process.env, DISPLAY: `:${display}`, XAUTHORITY: xauthority, HOME: lab.dir };
  const common = ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes'];
  const watcher = watchFirstWindow(display, xauthority);
  await watcher.ready;
  const t0 = now(); // LDM spawns ssh right after the greeter's submit
  const master = ptySpawn('ip', ['netns', 'exec', lab.cli, 'ssh', '-Y', '-t', '-M', '-S', sock, '-o', 'NumberOfPasswordPrompts=1', '-o', 'ConnectTimeout=10', ...common, '-l', rig.user.name, lab.serverIp, 'echo LTSPROCKS; exec /bin/sh -'], { env, cols: 80, rows: 24 });
  let session: ChildProcess | undefined;
  try {
    await within(
      new Promise<void>((resolve, reject) => {
        let seen = '';
        let typed = false;
        master.onData((d) => {
          seen += d;
          // LDM's ssh_chat: a ": " seen and the text ending in ":" is a password prompt
          if (!typed && seen.includes(': ') && seen.trim().endsWith(':')) {
            typed = true;
            master.write(`${rig.user.password}\n`);
          }
          if (seen.includes('LTSPROCKS')) resolve();
        });
        master.onExit(() => reject(new Error(`ssh exited: ${seen}`)));
      }),
      30_000,
      'the OpenSSH login',
    );
    const cmd = `LTSP_CLIENT=${lab.clientIp} LTSP_CLIENT_HOSTNAME=ltsp-test LTSP_CLIENT_MAC=52:54:00:AA:BB:CC ${rig.xsession} "xlogo" < /dev/null > /dev/null`;
    session = spawn('ip', ['netns', 'exec', lab.cli, 'ssh', '-Y', '-t', '-t', '-S', sock, ...common, lab.serverIp, cmd], { env, stdio: 'ignore' });
    const shown = await within(watcher.first, 30_000, 'the first remote window (OpenSSH)');
    return shown - t0;
  } finally {
    watcher.stop();
    killUser(rig);
    session?.kill('SIGKILL');
    master.kill('SIGKILL');
  }
}

async function startXvfb(lab: Lab, display: number): Promise<string> {
  const xa = join(lab.dir, 'bench-Xauthority');
  writeFileSync(xa, encodeXauth(localEntries(display, 'bench', newCookie())), { mode: 0o600 });
  lab.spawn(lab.cli, ['Xvfb', `:${display}`, '-auth', xa, '-nolisten', 'tcp', '-noreset', '-screen', '0', '800x600x24']);
  for (let i = 0; i < 200 && (await probeDisplay(display, undefined, 200)) === 'absent'; i++) await new Promise((r) => setTimeout(r, 25));
  return xa;
}

const why = labUnavailable();
if (why) {
  console.error(`bench/login: ${why}`);
  process.exit(2);
}
const ptySpawn = await loadPty();
const out = mkdtempSync(join(tmpdir(), 'bench-login-'));
const bundle = join(out, 'login-driver.cjs');
await build({
  entryPoints: [join(REPO, 'test', 'lab', 'login-driver.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  external: ['*.node', 'cpu-features', 'node-pty', 'pino-pretty'], // as build.mjs: no native ssh2 crypto
  // CommonJS dependencies (ssh2, pino) expect these in an ES module bundle
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __filename.replace(/\\/[^/]*$/, '');",
  },
  logLevel: 'error',
});
const bundleMjs = bundle.replace(/\.cjs$/, '.mjs');
execFileSync('mv', [bundle, bundleMjs]);

try {
  await withLab(async (lab) => {
    const rig = await makeRig(lab);
    const knownHosts = join(lab.dir, 'openssh_known_hosts');
    rig.sshd.writeKnownHosts(knownHosts, ['server', lab.serverIp]);
    const ldmDisplay = rig.display + 1;
    const ldmXauth = await startXvfb(lab, ldmDisplay);
    // warm both paths once (page cache, sshd's first fork)
    await oursOnce(rig, bundleMjs);
    await ldmOnce(rig, ptySpawn, ldmDisplay, ldmXauth, knownHosts);
    const ours: number[] = [];
    const rss: number[] = [];
    const ldm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const o = await oursOnce(rig, bundleMjs);
      ours.push(o.ms);
      rss.push(o.rss);
      ldm.push(await ldmOnce(rig, ptySpawn, ldmDisplay, ldmXauth, knownHosts));
    }
    const mo = median(ours);
    const ml = median(ldm);
    const body = [
      machineLine(),
      '',
      table(
        ['greeter submit → first remote window (xlogo)', 'median', 'min', 'max', 'ratio', 'target'],
        [
          ['LDM way: `ssh -Y -t -M` in a pty + chat, then `ssh -Y -t -S` session', fmtMs(ml), fmtMs(Math.min(...ldm)), fmtMs(Math.max(...ldm)), '1.00x', ''],
          ['ltsp-agent login flow (bundled; node-ssh, X11 cookie swap)', fmtMs(mo), fmtMs(Math.min(...ours)), fmtMs(Math.max(...ours)), fmtRatio(mo / ml), '≤ 1.0x'],
        ],
      ),
      '',
      table(
        ['agent RSS while the session runs', 'median', 'max', 'target'],
        [['bundled login flow (VmRSS)', `${median(rss).toFixed(1)} MiB (${((median(rss) * 1048576) / 1e6).toFixed(1)} MB)`, `${Math.max(...rss).toFixed(1)} MiB`, '< 60 MB']],
      ),
      '',
      `${runs} interleaved runs each after one warm-up, sshd (OpenSSH, PAM, keyboard-interactive) in a network namespace, Xvfb in the client namespace. ` +
        'The window is seen by `xev -root -event substructure` (CreateNotify). The OpenSSH baseline skips what LDM also did before the session ' +
        '(X50-dmrc-processing reads ~/.dmrc over a third ssh); ours includes its server-side session/language resolution.',
    ].join('\n');
    writeSection('login', 'Login: greeter submit to the first remote window', body);
    console.log(body);
  });
} finally {
  rmSync(out, { recursive: true, force: true });
}
