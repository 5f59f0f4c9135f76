// The QEMU boot lab: an LTSP 5 server on the host's loopback and a virtual thin client that
// PXE-boots from it under QEMU's user-mode network with restrict=on, so no guest packet leaves
// QEMU. What the guest sees, the LTSP way:
//
//   10.0.2.2        DHCP and TFTP (QEMU's own): pxelinux, kernel, initramfs, lts.conf
//   10.0.2.100:10809  nbd-server: export "ltsp" (the root squashfs) and "swap" (made per client
//                   by an nbdswapd-like prerun script, as LTSP 5.3+ did)
//   10.0.2.100:22     sshd for the login (a test user that exists only during the test)
//   10.0.2.100:514    rsyslog, TCP (guestfwd carries TCP only; UDP cannot leave a restricted guest)
//   10.0.2.100:9571   ldminfod
//
// Every 10.0.2.100 port is a guestfwd that runs relay.mjs per connection to the real server on
// 127.0.0.1 (qemu-boot.md pitfall 6). Every process the lab starts is ended by PID in stop(),
// which the tests call from `after`, also when a check failed.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, '..', '..');
/** Kernel, debootstrap root and image survive between runs here (outside git). */
export const DEFAULT_WORK = process.env['LTSP_BOOT_WORK'] ?? '/var/cache/ltsp-agent-test';
export const GUEST_SERVER = '10.0.2.100';
export const TFTP_SERVER = '10.0.2.2';
export const TEST_USER = 'ltspproof';

/** Why this machine cannot run the boot proof, or undefined when it can. */
export function bootLabUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap, a test user, sshd)';
  for (const p of ['qemu-system-x86_64', 'debootstrap', 'mksquashfs', 'nbd-server', 'rsyslogd', '/usr/sbin/sshd', 'busybox', 'depmod']) {
    if (spawnSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' }).status !== 0) return `needs ${p} (test/apt-packages.txt)`;
  }
  if (!existsSync('/usr/lib/PXELINUX/pxelinux.0')) return 'needs pxelinux';
  return undefined;
}

/** The agent the image gets: LTSP_BOOT_AGENT, else the bundle `npm run build` made. */
export function agentBundle(): string {
  return process.env['LTSP_BOOT_AGENT'] ?? join(REPO, 'dist', 'ltsp-agent');
}

/** The Debian package the image gets installed with dpkg: LTSP_BOOT_DEB, else the one `npm run package` made. */
export function agentDeb(): string | undefined {
  if (process.env['LTSP_BOOT_DEB']) return process.env['LTSP_BOOT_DEB'];
  const dist = join(REPO, 'dist');
  const debs = existsSync(dist) ? readdirSync(dist).filter((f) => /^ltsp-agent_.*_all\.deb$/.test(f)) : [];
  return debs.length > 0 ? join(dist, debs.sort().at(-1)!) : undefined;
}

/** Why the agent bundle cannot be booted (not built, or a command the proof needs missing). */
export function agentUnavailable(): string | undefined {
  const deb = agentDeb();
  if (deb === undefined || !existsSync(deb)) return 'no ltsp-agent_*_all.deb in dist/ (npm run package)';
  const agent = agentBundle();
  if (!existsSync(agent)) return `no agent bundle at ${agent} (npm run build)`;
  for (const cmd of ['boot', 'login']) {
    const r = spawnSync(process.execPath, [agent, cmd, '--help'], { encoding: 'utf8' });
    if (r.status !== 0) return `the agent bundle has no working "${cmd}" command (${(r.stderr || r.stdout).split('\n')[0]})`;
  }
  return undefined;
}

export interface SerialLine {
  /** Seconds since QEMU was started. */
  readonly t: number;
  readonly text: string;
}

export interface BootResult {
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly seconds: number;
  readonly lines: readonly SerialLine[];
  readonly serialLog: string;
}

export interface BootOptions {
  /** false: boot with ltsp.agent=off (the benchmark's comparison). */
  readonly agent?: boolean;
  readonly timeoutMs?: number;
  /** Extra kernel command line words. */
  readonly append?: string;
  /** Which initramfs: the small busybox one (default) or the real dracut with initramfs-hooks/dracut/90ltsp. */
  readonly initrd?: 'busybox' | 'dracut';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

function run(argv: string[], opts: { input?: string; allowFail?: boolean } = {}): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { input: opts.input, encoding: 'utf8' });
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${argv.join(' ')}: exit ${r.status}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Children of a PID, from /proc (nbd-server forks one per client). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** PIDs owned by a uid (the test user's leftover session processes). */
function pidsOfUid(uid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'));
      if (m && Number(m[1]) === uid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

async function killPid(pid: number, graceMs = 2000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until && alive(pid)) await sleep(50);
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export class BootLab {
  readonly work: string;
  /** This run's scratch directory (services' configs and logs, the TFTP root, the serial log). */
  readonly run: string;
  readonly password = randomBytes(9).toString('base64url');
  readonly ports = { nbd: 0, ssh: 0, syslog: 0 };
  kver = '';
  #children: ChildProcess[] = [];
  #pids: number[] = [];
  #userCreated = false;
  #log: (s: string) => void;

  constructor(opts: { work?: string; run?: string; log?: (s: string) => void } = {}) {
    this.work = opts.work ?? DEFAULT_WORK;
    this.run = opts.run ?? join(REPO, 'test', 'out', `boot-${process.pid}`);
    this.#log = opts.log ?? ((s) => process.stderr.write(`boot-lab: ${s}\n`));
  }

  get serverDir(): string {
    return join(this.work, 'server');
  }
  get remoteLog(): string {
    return join(this.run, 'remote.log');
  }
  get swapLog(): string {
    return join(this.run, 'swap-attached.log');
  }
  get sessionMarker(): string {
    return join('/home', TEST_USER, 'ltsp-proof-session.log');
  }
  /**
   * The session wrapper (LDM_XSESSION) lives in the test user's home: the repository may sit
   * in a directory the user cannot enter (a clone under /root).
   */
  get xsession(): string {
    return join('/home', TEST_USER, '.ltsp-proof-xsession');
  }

  /** Builds the dracut initramfs too (initramfs-hooks/dracut/90ltsp in Debian's dracut). */
  buildDracut(): void {
    const t0 = Date.now();
    const out = join(this.work, 'tftp', 'ltsp', 'amd64', 'initrd-dracut.img');
    const r = spawnSync('bash', [join(HERE, 'build-dracut-initrd.sh'), this.work, this.kver, out], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`build-dracut-initrd.sh failed (exit ${r.status})`);
    this.#log(`dracut initramfs ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  /** Kernel, root, initramfs, squashfs (cached where possible) and the sshd host key. */
  build(): void {
    mkdirSync(this.serverDir, { recursive: true });
    const key = join(this.serverDir, 'ssh_host_ed25519_key');
    // One host key for all runs: it is baked into the image's known_hosts, which is cached.
    if (!existsSync(key)) run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', 'ltsp-proof', '-f', key]);
    const pub = readFileSync(`${key}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
    const knownHosts = join(this.serverDir, 'ssh_known_hosts');
    writeFileSync(knownHosts, `${GUEST_SERVER} ${pub}\n`);
    const t0 = Date.now();
    const r = spawnSync('bash', [join(HERE, 'build-image.sh'), this.work, knownHosts], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`build-image.sh failed (exit ${r.status})`);
    this.kver = r.stdout.trim().split('\n').pop() ?? '';
    this.#log(`image ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (kernel ${this.kver})`);
  }

  /** The server side: test user, nbd-server, sshd, rsyslog. */
  async start(ltsConf: (lab: BootLab) => string): Promise<void> {
    rmSync(this.run, { recursive: true, force: true });
    mkdirSync(this.run, { recursive: true });
    chmodSync(this.run, 0o755);
    this.ports.nbd = await freePort();
    this.ports.ssh = await freePort();
    this.ports.syslog = await freePort();
    this.#createUser();
    this.#writeSessionScript();
    await this.#startNbd();
    await this.#startSshd();
    await this.#startRsyslog();
    this.#writeTftp(ltsConf(this));
  }

  #createUser(): void {
    if (spawnSync('id', [TEST_USER], { stdio: 'ignore' }).status !== 0) {
      run(['useradd', '--create-home', '--shell', '/bin/sh', '--comment', 'ltsp-agent boot proof (temporary)', TEST_USER]);
    }
    this.#userCreated = true;
    run(['chpasswd'], { input: `${TEST_USER}:${this.password}\n` });
    rmSync(this.sessionMarker, { force: true });
  }

  /** The "desktop" the login starts on the server: it records itself and ends at once. */
  #writeSessionScript(): void {
    const xsession = this.xsession;
    writeFileSync(
      xsession,
      [
        '#!/bin/sh',
        '# LDM_XSESSION for the boot proof: records that the client\'s session ran here, with',
        '# the environment the login passed, then ends (which ends the session).',
        `echo "session-started user=$(id -un) client=\${LTSP_CLIENT:-?} hostname=\${LTSP_CLIENT_HOSTNAME:-?} args=$*" >>"$HOME/ltsp-proof-session.log"`,
        'exit 0',
        '',
      ].join('\n'),
    );
    chmodSync(xsession, 0o755);
  }

  async #startNbd(): Promise<void> {
    const swapDir = join(this.run, 'swap');
    mkdirSync(swapDir, { recursive: true });
    // LTSP 5.3+'s nbdswapd as a prerun: a fresh sparse swap file per client, mkswap'd on the
    // server (the client does not run mkswap), and a line in swap-attached.log.
    const nbdswapd = join(this.run, 'nbdswapd');
    writeFileSync(
      nbdswapd,
      [
        '#!/bin/sh',
        'set -eu',
        'f=$1',
        'rm -f "$f"',
        'dd if=/dev/zero of="$f" bs=1M count=0 seek=64 2>/dev/null',
        'chmod 600 "$f"',
        'uuid=$(cat /proc/sys/kernel/random/uuid)',
        'mkswap -U "$uuid" "$f" >/dev/null',
        `echo "attached file=$f uuid=$uuid" >>${this.swapLog}`,
        '',
      ].join('\n'),
    );
    chmodSync(nbdswapd, 0o755);
    const conf = join(this.run, 'nbd-server.conf');
    writeFileSync(
      conf,
      [
        '[generic]',
        '    user = root',
        '    group = root',
        '    listenaddr = 127.0.0.1',
        `    port = ${this.ports.nbd}`,
        '    allowlist = true',
        '[ltsp]',
        `    exportname = ${join(this.work, 'ltsp.img')}`,
        '    readonly = true',
        '[swap]',
        `    exportname = ${swapDir}/%s`,
        `    prerun = ${nbdswapd} %s`,
        '',
      ].join('\n'),
    );
    const pidfile = join(this.run, 'nbd-server.pid');
    // nbd-server daemonizes (no foreground option): its PID comes from the pidfile.
    run(['nbd-server', '-C', conf, '-p', pidfile]);
    await waitFor('nbd-server pidfile', () => existsSync(pidfile) && readFileSync(pidfile, 'utf8').trim() !== '');
    this.#pids.push(Number(readFileSync(pidfile, 'utf8').trim()));
    await this.#waitListen(this.ports.nbd);
  }

  async #startSshd(): Promise<void> {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    const conf = join(this.run, 'sshd_config');
    writeFileSync(
      conf,
      [
        `Port ${this.ports.ssh}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(this.serverDir, 'ssh_host_ed25519_key')}`,
        `PidFile ${join(this.run, 'sshd.pid')}`,
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication yes',
        'UsePAM yes',
        'PermitRootLogin no',
        `AllowUsers ${TEST_USER}`,
        'X11Forwarding yes',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    this.#spawn('sshd', '/usr/sbin/sshd', ['-D', '-f', conf, '-E', join(this.run, 'sshd.log')]);
    await this.#waitListen(this.ports.ssh);
  }

  async #startRsyslog(): Promise<void> {
    const dir = join(this.run, 'rsyslog');
    mkdirSync(dir, { recursive: true });
    const conf = join(this.run, 'rsyslog.conf');
    // No imuxsock: the host's own /dev/log stays untouched.
    writeFileSync(
      conf,
      [
        `global(workDirectory="${dir}")`,
        'module(load="imtcp")',
        'template(name="proof" type="string" string="%fromhost-ip% %hostname% %syslogtag%%msg%\\n")',
        `input(type="imtcp" address="127.0.0.1" port="${this.ports.syslog}" ruleset="remote")`,
        `ruleset(name="remote") { action(type="omfile" file="${this.remoteLog}" template="proof") }`,
        '',
      ].join('\n'),
    );
    this.#spawn('rsyslogd', 'rsyslogd', ['-n', '-f', conf, '-i', join(this.run, 'rsyslogd.pid')]);
    await this.#waitListen(this.ports.syslog);
  }

  /** The TFTP root QEMU serves: LTSP's /ltsp/<arch>/ layout, with this run's lts.conf. */
  #writeTftp(ltsConf: string): void {
    const src = join(this.work, 'tftp', 'ltsp', 'amd64');
    const dst = join(this.run, 'tftp', 'ltsp', 'amd64');
    mkdirSync(join(dst, 'pxelinux.cfg'), { recursive: true });
    for (const f of ['pxelinux.0', 'ldlinux.c32', 'vmlinuz', 'initrd.img']) copyFileSync(join(src, f), join(dst, f));
    if (existsSync(join(src, 'initrd-dracut.img'))) copyFileSync(join(src, 'initrd-dracut.img'), join(dst, 'initrd-dracut.img'));
    writeFileSync(join(dst, 'lts.conf'), ltsConf);
  }

  #pxelinuxConfig(o: BootOptions): string {
    const append = [
      `ro initrd=${o.initrd === 'dracut' ? 'initrd-dracut.img' : 'initrd.img'} init=/sbin/init-ltsp root=/dev/nbd0`,
      `nbdroot=${GUEST_SERVER}:10809/ltsp`,
      // TFTP (lts.conf) is QEMU's own server at 10.0.2.2, every TCP service is at
      // 10.0.2.100: the boot-time SERVER is the TFTP one, lts.conf's SERVER the rest (LTSP 5
      // semantics of ltsp.server= versus the SERVER key).
      `ltsp.server=${TFTP_SERVER}`,
      'console=ttyS0,115200 net.ifnames=0 panic=-1',
      o.agent === false ? 'ltsp.agent=off' : '',
      o.append ?? '',
    ]
      .filter(Boolean)
      .join(' ');
    // A bare KERNEL name, as LTSP 5's update-kernels wrote it: BOOT_IMAGE then has no
    // directory and the agent looks for lts.conf in /ltsp/<arch>/ (spec 2.1).
    return ['DEFAULT ltsp', 'SERIAL 0 115200', 'PROMPT 0', 'TIMEOUT 0', 'LABEL ltsp', '  KERNEL vmlinuz', `  APPEND ${append}`, '  IPAPPEND 2', ''].join('\n');
  }

  /** One PXE boot of the virtual thin client, until it powers off (or the timeout). */
  async boot(o: BootOptions = {}): Promise<BootResult> {
    const tftp = join(this.run, 'tftp');
    writeFileSync(join(tftp, 'ltsp', 'amd64', 'pxelinux.cfg', 'default'), this.#pxelinuxConfig(o));
    const sercon = join(this.run, 'sercon.bin');
    writeFileSync(sercon, Buffer.from([0xf8, 0x03])); // SeaBIOS/iPXE output to 0x3f8 too
    const relay = (port: number) => `cmd:${process.execPath} ${join(HERE, 'relay.mjs')} 127.0.0.1 ${port}`;
    const netdev = [
      'user,id=n0,restrict=on',
      `tftp=${tftp}`,
      'bootfile=ltsp/amd64/pxelinux.0',
      `guestfwd=tcp:${GUEST_SERVER}:10809-${relay(this.ports.nbd)}`,
      `guestfwd=tcp:${GUEST_SERVER}:22-${relay(this.ports.ssh)}`,
      `guestfwd=tcp:${GUEST_SERVER}:514-${relay(this.ports.syslog)}`,
      `guestfwd=tcp:${GUEST_SERVER}:9571-cmd:${process.execPath} ${join(HERE, 'ldminfod.mjs')} ${this.xsession}`,
    ].join(',');
    const accel = process.env['LTSP_BOOT_ACCEL'] ?? 'tcg';
    // Under TCG, qemu64 (SSE2 only) beats -cpu max: with max, glibc and node pick AVX2 code
    // paths that QEMU emulates slowly (measured here: X ready 7.6 s instead of 12 s, the
    // whole proof 53 s instead of 61 s).
    const cpu = process.env['LTSP_BOOT_CPU'] ?? (accel === 'kvm' ? 'host' : 'qemu64');
    const args = [
      '-accel', accel, '-cpu', cpu, '-smp', '1', '-m', '1024',
      '-nodefaults', '-display', 'none', '-serial', 'stdio', '-no-reboot',
      '-fw_cfg', `name=etc/sercon-port,file=${sercon}`,
      '-netdev', netdev, '-device', 'virtio-net-pci,netdev=n0', '-boot', 'n',
    ];
    const serialLog = join(this.run, `serial-${Date.now()}.log`);
    const out: WriteStream = createWriteStream(serialLog);
    const lines: SerialLine[] = [];
    const t0 = performance.now();
    const qemu = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.push(qemu);
    let partial = '';
    const onData = (b: Buffer) => {
      const t = (performance.now() - t0) / 1000;
      partial += b.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const raw of parts) {
        // Strip the firmware's and systemd's terminal escapes and carriage returns.
        const text = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\x1bc/g, '').replace(/\r/g, '').trimEnd();
        if (!text) continue;
        lines.push({ t, text });
        out.write(`[${t.toFixed(2).padStart(7)}] ${text}\n`);
      }
    };
    qemu.stdout.on('data', onData);
    qemu.stderr.on('data', (b: Buffer) => out.write(`[qemu stderr] ${b.toString()}`));
    const timeoutMs = o.timeoutMs ?? 300_000;
    let timedOut = false;
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        timedOut = true;
        void killPid(qemu.pid!);
      }, timeoutMs);
      qemu.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    if (partial.trim()) lines.push({ t: (performance.now() - t0) / 1000, text: partial.trim() });
    await new Promise<void>((r) => out.end(r));
    this.#children = this.#children.filter((c) => c !== qemu);
    return { exitCode, timedOut, seconds: (performance.now() - t0) / 1000, lines, serialLog };
  }

  #spawn(name: string, cmd: string, args: string[]): ChildProcess {
    const errLog = createWriteStream(join(this.run, `${name}.out`));
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout?.pipe(errLog);
    c.stderr?.pipe(errLog);
    c.on('error', (e) => this.#log(`${name}: ${e.message}`));
    this.#children.push(c);
    return c;
  }

  async #waitListen(port: number): Promise<void> {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    await waitFor(`127.0.0.1:${port} to listen`, () => {
      const tcp = readFileSync('/proc/net/tcp', 'utf8');
      return new RegExp(`^\\s*\\d+: 0100007F:${hex} 00000000:0000 0A `, 'm').test(tcp);
    });
  }

  /** Ends everything the lab started, by PID, and removes the test user. Safe to call twice. */
  async stop(): Promise<void> {
    for (const c of this.#children.reverse()) if (c.pid !== undefined) await killPid(c.pid);
    this.#children = [];
    for (const pid of this.#pids) {
      // nbd-server ignores nothing, but its per-client children must go too.
      const kids = childrenOf(pid);
      await killPid(pid);
      for (const k of kids) await killPid(k);
    }
    this.#pids = [];
    if (this.#userCreated) {
      const uid = Number(run(['id', '-u', TEST_USER], { allowFail: true }).trim());
      if (uid > 0) for (const p of pidsOfUid(uid)) await killPid(p, 500);
      run(['userdel', '--force', '--remove', TEST_USER], { allowFail: true });
      this.#userCreated = false;
    }
  }
}

/** The lts.conf the server hands out: swap, syslog and an autologin whose session records itself. */
export function proofLtsConf(lab: BootLab): string {
  return [
    '# lts.conf for the QEMU boot proof (test/boot/boot.test.ts)',
    '[Default]',
    `    SERVER = ${GUEST_SERVER}`,
    // TCP: a restricted QEMU guest can only reach the host over TCP (guestfwd).
    `    SYSLOG_HOST = @@${GUEST_SERVER}:514`,
    '    NBD_SWAP = True',
    `    NBD_SWAP_HOST = ${GUEST_SERVER}`,
    '    ENCRYPT_SWAP = False',
    '    SOUND = False',
    // Xvfb stands in for Xorg in the guest and takes no -depth: no smart 16-bit depth.
    '    X_SMART_COLOR_DEPTH = False',
    `    LDM_SERVER = ${GUEST_SERVER}`,
    '    LDM_AUTOLOGIN = True',
    `    LDM_USERNAME = ${TEST_USER}`,
    `    LDM_PASSWORD = ${lab.password}`,
    '    LDM_SESSION = ltsp-proof-session',
    `    LDM_XSESSION = ${lab.xsession}`,
    '',
  ].join('\n');
}

/** The serial lines as one text, for a failure message. */
export function serialText(r: BootResult, last = 400): string {
  return r.lines
    .slice(-last)
    .map((l) => `[${l.t.toFixed(1).padStart(6)}] ${l.text}`)
    .join('\n');
}

/** Seconds (since QEMU start) of the first serial line matching, or undefined. */
export function firstAt(r: BootResult, re: RegExp): number | undefined {
  return r.lines.find((l) => re.test(l.text))?.t;
}
