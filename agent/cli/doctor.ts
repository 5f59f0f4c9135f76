// `ltsp-agent doctor`: checks a client root (the running client, or an LTSP chroot on the
// server with --root) for what the agent needs, and says what is missing and how to get it.
// Read-only: it looks at files and, for node's version, runs the chroot's node (through
// agent/exec/process.ts, no shell).

import { lstat, readFile, readlink, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, dirname } from 'node:path';
import { maxOf, pushAll } from '../core/arrays.ts';
import { runProgram } from '../exec/process.ts';
import { parseOptions } from './args.ts';

export const DOCTOR_HELP = `Usage: ltsp-agent doctor [--root DIR] [--json]

Checks a thin client root for what ltsp-agent needs and prints one line per check:
  ok     present
  warn   missing; the feature it serves (sound, NBD swap, ...) will not work
  FAIL   missing; the agent cannot boot or log in the client without it
with what to install or run when something is missing.

Options:
  --root DIR   check the client root at DIR, e.g. an LTSP chroot /opt/ltsp/amd64
               (default: this machine, /)
  --json       print the results as JSON
  -h, --help

Exit status: 0 nothing required is missing; 1 something required is missing; 64 usage error.
`;

/** The oldest node the bundle runs on (Debian bookworm ships 18.19+). */
export const MIN_NODE_MAJOR = 18;

export type Level = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  readonly name: string;
  readonly level: Level;
  readonly detail: string;
  /** What to do when it is not ok. */
  readonly fix?: string;
}

/** Reads a client root; paths are client paths, absolute symlinks stay inside the root. */
export class ClientRoot {
  constructor(readonly root: string) {}

  /** The host path of a client path, following symlinks the way the client would see them. */
  async resolve(clientPath: string, hops = 0): Promise<string | undefined> {
    const parts = normalize(clientPath).split('/').filter(Boolean);
    let cur = '/';
    for (let i = 0; i < parts.length; i++) {
      const next = join(cur, parts[i]!);
      const host = join(this.root, next);
      let st;
      try {
        st = await lstat(host);
      } catch {
        return undefined;
      }
      if (st.isSymbolicLink()) {
        if (hops > 20) return undefined;
        const target = await readlink(host);
        const rest = parts.slice(i + 1).join('/');
        const abs = isAbsolute(target) ? target : join(dirname(next), target);
        return this.resolve(join(abs, rest), hops + 1);
      }
      cur = next;
    }
    return join(this.root, cur);
  }

  async exists(clientPath: string): Promise<boolean> {
    return (await this.resolve(clientPath)) !== undefined;
  }

  async executable(clientPath: string): Promise<boolean> {
    const p = await this.resolve(clientPath);
    if (!p) return false;
    try {
      const st = await stat(p);
      return st.isFile() && (st.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  }

  async read(clientPath: string): Promise<string | undefined> {
    const p = await this.resolve(clientPath);
    return p ? readFile(p, 'utf8').catch(() => undefined) : undefined;
  }

  async list(clientPath: string): Promise<string[]> {
    const p = await this.resolve(clientPath);
    return p ? readdir(p).catch(() => []) : [];
  }

  /** The first of these client paths that is an executable file. */
  async firstExecutable(paths: readonly string[]): Promise<string | undefined> {
    for (const p of paths) if (await this.executable(p)) return p;
    return undefined;
  }
}

/** "v18.20.4" -> 18 */
export function nodeMajor(version: string): number | undefined {
  const m = /^v?(\d+)\./.exec(version.trim());
  return m ? Number(m[1]) : undefined;
}

const bin = (name: string) => [`/usr/bin/${name}`, `/bin/${name}`, `/usr/sbin/${name}`, `/sbin/${name}`, `/usr/local/bin/${name}`];

async function nodeVersion(r: ClientRoot, node: string): Promise<string | undefined> {
  // The running client: our own node is the one that will run the agent.
  if (normalize(r.root) === '/') {
    const res = await runProgram([node, '--version'], { timeoutMs: 10_000 }).catch(() => undefined);
    return res?.code === 0 ? res.stdout.trim() : undefined;
  }
  // A chroot: ask its node (same architecture as this server, as with any LTSP chroot).
  if (process.getuid?.() !== 0) return undefined;
  const res = await runProgram(['chroot', r.root, node, '--version'], { timeoutMs: 15_000, cleanEnv: true, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } }).catch(() => undefined);
  return res?.code === 0 ? res.stdout.trim() : undefined;
}

/** Below this much RAM a client should swap over NBD (the QEMU proof boots with 1024 MiB). */
export const LOW_RAM_MIB = 512;

/**
 * The running client's hardware, from /proc/cpuinfo and /proc/meminfo: Node.js needs SSE2 on
 * x86 (i686 thin clients older than the Pentium 4 / Athlon 64 cannot run it), and little RAM
 * wants NBD swap. Pure: the callers read the files.
 */
export function hardwareChecks(cpuinfo: string | undefined, meminfo: string | undefined, arch: string): CheckResult[] {
  const out: CheckResult[] = [];
  if (/^(i[3-6]86|x86_64|x86|ia32|x64)$/.test(arch)) {
    const flags = /^flags\s*:(.*)$/m.exec(cpuinfo ?? '')?.[1]?.split(/\s+/) ?? [];
    if (cpuinfo === undefined || flags.length === 0) out.push(warn('cpu', 'cannot read the CPU flags (/proc/cpuinfo)', 'Node.js needs a CPU with SSE2: check the thin client\'s model'));
    else if (!flags.includes('sse2')) out.push(fail('cpu', 'this CPU has no SSE2, which Node.js needs (Pentium III, Athlon XP and older)', 'boot this client LTSP 5\'s way (ltsp.agent=off) or replace it'));
    else out.push(ok('cpu', 'SSE2 present'));
  }
  const kb = Number(/^MemTotal:\s*(\d+)\s*kB/m.exec(meminfo ?? '')?.[1] ?? NaN);
  if (!Number.isFinite(kb)) out.push(warn('ram', 'cannot read MemTotal (/proc/meminfo)', `a client needs about ${LOW_RAM_MIB} MiB, or NBD swap`));
  else {
    const mib = Math.round(kb / 1024);
    if (mib < LOW_RAM_MIB) out.push(warn('ram', `${mib} MiB of RAM, less than ${LOW_RAM_MIB} MiB`, 'set NBD_SWAP=True in lts.conf (swap over the network) for this client'));
    else out.push(ok('ram', `${mib} MiB`));
  }
  return out;
}

type Check = (r: ClientRoot) => Promise<CheckResult | CheckResult[]>;

const ok = (name: string, detail: string): CheckResult => ({ name, level: 'ok', detail });
const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, level: 'warn', detail, fix });
const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, level: 'fail', detail, fix });

export const CHECKS: readonly Check[] = [
  // The hardware only on the client itself: a chroot on the server says nothing about it.
  async (r) => (normalize(r.root) === '/' ? hardwareChecks(await r.read('/proc/cpuinfo'), await r.read('/proc/meminfo'), process.arch === 'ia32' ? 'i686' : process.arch === 'x64' ? 'x86_64' : process.arch) : []),
  async (r) => {
    const node = await r.firstExecutable(['/usr/bin/node', '/usr/bin/nodejs', '/usr/local/bin/node']);
    if (!node) return fail('node', 'no node in the client', 'install the distribution\'s Node.js: apt-get install nodejs (Debian/Ubuntu), emerge net-libs/nodejs (Gentoo)');
    const v = await nodeVersion(r, node);
    if (v === undefined) return warn('node', `${node} present, version unknown (could not run it)`, `check that ${node} --version prints v${MIN_NODE_MAJOR} or later`);
    const major = nodeMajor(v);
    if (major === undefined || major < MIN_NODE_MAJOR) return fail('node', `${node} is ${v}; the agent needs ${MIN_NODE_MAJOR} or later`, 'install a newer nodejs (Debian bookworm: 18.19; bookworm-backports or NodeSource for 20)');
    return ok('node', `${node} ${v}`);
  },
  async (r) => {
    const out: CheckResult[] = [];
    out.push((await r.exists('/usr/lib/ltsp-agent/ltsp-agent'))
      ? ok('agent', '/usr/lib/ltsp-agent/ltsp-agent')
      : fail('agent', 'ltsp-agent is not installed', 'install the ltsp-agent package in the chroot (apt-get install ./ltsp-agent_*_all.deb), or run tools/install-into-chroot.sh CHROOT on the server'));
    const init = await r.read('/sbin/init-ltsp');
    if (init === undefined) out.push(fail('init-ltsp', 'no /sbin/init-ltsp', 'run tools/install-into-chroot.sh; boot with init=/sbin/init-ltsp'));
    else if (!init.includes('ltsp-agent')) out.push(fail('init-ltsp', "/sbin/init-ltsp is LTSP 5's, it does not run the agent", 'run tools/install-into-chroot.sh (it keeps the old one as /sbin/init-ltsp.ltsp5)'));
    else out.push(ok('init-ltsp', '/sbin/init-ltsp runs the agent'));
    if (!(await r.executable('/usr/bin/timeout')) && !(await r.executable('/bin/timeout'))) {
      out.push(warn('timeout', 'no timeout(1)', 'install coreutils: without it a hung boot phase would hold the boot'));
    }
    return out;
  },
  async (r) => {
    const systemd = (await r.exists('/lib/systemd/systemd')) || (await r.exists('/usr/lib/systemd/systemd'));
    const openrc = await r.firstExecutable(['/sbin/openrc', '/sbin/openrc-run', '/usr/sbin/openrc']);
    if (systemd) {
      const wants = await r.list('/etc/systemd/system/multi-user.target.wants');
      const missing = ['ltsp-client.service', 'ltsp-login.service'].filter((u) => !wants.includes(u));
      return missing.length === 0
        ? ok('services', 'systemd: ltsp-client and ltsp-login enabled')
        : fail('services', `systemd: ${missing.join(', ')} not enabled`, 'run tools/install-into-chroot.sh (installs and enables the units)');
    }
    if (openrc) {
      const lvl = await r.list('/etc/runlevels/default');
      const missing = ['ltsp-client', 'ltsp-login'].filter((s) => !lvl.includes(s));
      return missing.length === 0
        ? ok('services', 'OpenRC: ltsp-client and ltsp-login in the default runlevel')
        : fail('services', `OpenRC: ${missing.join(', ')} not in the default runlevel`, 'run tools/install-into-chroot.sh --init openrc');
    }
    return warn('services', 'neither systemd nor OpenRC found', "start 'ltsp-agent login' from your init after boot");
  },
  async (r) => {
    const kh = await r.read('/etc/ssh/ssh_known_hosts');
    if (kh === undefined || !/\S/.test(kh.replace(/^#.*$/gm, ''))) {
      return fail('ssh_known_hosts', 'no /etc/ssh/ssh_known_hosts: the login refuses every server', 'run ltsp-update-sshkeys on the server (then ltsp-update-image for NBD)');
    }
    const n = kh.split('\n').filter((l) => l.trim() && !l.startsWith('#')).length;
    return ok('ssh_known_hosts', `${n} server key${n === 1 ? '' : 's'}`);
  },
  async (r) => {
    const x = await r.firstExecutable(['/usr/bin/Xorg', '/usr/bin/X', '/usr/lib/xorg/Xorg']);
    if (x) return ok('X server', x);
    const fix = 'install xserver-xorg (Debian) or x11-base/xorg-server (Gentoo)';
    if (await r.executable('/usr/bin/Xvfb')) return warn('X server', 'only Xvfb: logins work, but nothing shows on a screen', fix);
    return fail('X server', 'no Xorg: the login screen needs an X server', fix);
  },
  async (r) => {
    const nbd = await r.firstExecutable(['/sbin/nbd-client', '/usr/sbin/nbd-client']);
    const fuse = await r.firstExecutable(['/usr/bin/nbdfuse']);
    if (nbd) return ok('NBD swap', nbd);
    if (fuse) return ok('NBD swap', `${fuse} (no nbd-client: swap through nbdfuse and a loop device)`);
    return warn('NBD swap', 'no nbd-client or nbdfuse: NBD_SWAP cannot work', 'install nbd-client (Debian) or sys-block/nbd (Gentoo)');
  },
  async (r) => {
    const m = await r.firstExecutable([...bin('mkswap'), ...bin('swapon')]);
    return m ? ok('swap tools', 'mkswap/swapon') : warn('swap tools', 'no mkswap/swapon', 'install util-linux');
  },
  async (r) => {
    const pa = await r.firstExecutable(['/usr/bin/pulseaudio']);
    return pa ? ok('sound', pa) : warn('sound', 'no pulseaudio: SOUND cannot work, sessions get no client audio', 'install pulseaudio (and pulseaudio-utils for pactl)');
  },
  async (r) => {
    const d = await r.firstExecutable(['/usr/sbin/rsyslogd', '/sbin/syslogd', '/usr/sbin/syslogd', '/sbin/syslog-ng', '/usr/sbin/syslog-ng']);
    return d ? ok('syslog', d) : warn('syslog', 'no syslog daemon: SYSLOG_HOST forwards only the agent\'s own log', 'install rsyslog');
  },
  async (r) => {
    const m = await r.firstExecutable(bin('modprobe'));
    return m ? ok('modprobe', m) : warn('modprobe', 'no modprobe: MODULE_* and modprobe nbd cannot work', 'install kmod');
  },
  async (r) => {
    const s = await r.firstExecutable(bin('setxkbmap'));
    return s ? ok('keyboard', s) : warn('keyboard', 'no setxkbmap: XKB* keys apply only through xorg.conf', 'install x11-xkb-utils');
  },
  async (r) => {
    const out: CheckResult[] = [];
    // LTSP 5's own login screen next to ours would fight for the same VT.
    if (await r.exists('/etc/systemd/system/multi-user.target.wants/ltsp-client-core.service')) {
      out.push(warn('LTSP 5 leftovers', 'ltsp-client-core.service is enabled: a second login screen (ldm)', 'systemctl --root=CHROOT disable ltsp-client-core.service'));
    }
    if ((await r.read('/etc/X11/default-display-manager'))?.trim() === '/usr/sbin/ldm') {
      out.push(warn('LTSP 5 leftovers', '/etc/X11/default-display-manager is ldm', 'let ltsp-login.service own the login screen; remove ldm or empty that file'));
    }
    return out;
  },
];

export async function runDoctor(root: string): Promise<CheckResult[]> {
  const r = new ClientRoot(root);
  const out: CheckResult[] = [];
  for (const c of CHECKS) {
    const res = await c(r);
    pushAll(out, Array.isArray(res) ? res : [res]);
  }
  return out;
}

export function formatDoctor(results: readonly CheckResult[], root: string): string {
  const tag: Record<Level, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };
  const width = maxOf(results.map((r) => r.name.length), 0);
  const lines = [`Checking ${root === '/' ? 'this client' : root} for ltsp-agent:`];
  for (const r of results) {
    lines.push(`  ${tag[r.level]}  ${r.name.padEnd(width)}  ${r.detail}`);
    if (r.fix && r.level !== 'ok') lines.push(`        ${''.padEnd(width)}  -> ${r.fix}`);
  }
  const fails = results.filter((r) => r.level === 'fail').length;
  const warns = results.filter((r) => r.level === 'warn').length;
  lines.push(fails ? `${fails} required thing${fails === 1 ? ' is' : 's are'} missing.` : warns ? `Ready; ${warns} optional feature${warns === 1 ? '' : 's'} will not work.` : 'Ready.');
  return lines.join('\n') + '\n';
}

export async function doctorCommand(args: string[]): Promise<number> {
  const a = parseOptions(args, { values: ['--root'], flags: ['--json', '--help', '-h'] });
  if (a.flags.has('--help') || a.flags.has('-h')) {
    process.stdout.write(DOCTOR_HELP);
    return 0;
  }
  if (a.positional.length > 0) {
    process.stderr.write(`ltsp-agent doctor: unexpected argument ${a.positional[0]}\n\n${DOCTOR_HELP}`);
    return 64;
  }
  const root = a.values.get('--root') ?? '/';
  try {
    const st = await stat(root);
    if (!st.isDirectory()) throw new Error('not a directory');
  } catch {
    process.stderr.write(`ltsp-agent doctor: ${root} is not a directory\n`);
    return 64;
  }
  const results = await runDoctor(root);
  process.stdout.write(a.flags.has('--json') ? JSON.stringify({ root, results }, null, 2) + '\n' : formatDoctor(results, root));
  return results.some((r) => r.level === 'fail') ? 1 : 0;
}
