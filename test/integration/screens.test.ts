// `ltsp-agent screen NN` against the real servers from Debian, in network namespaces: xrdp for
// the rdesktop and xfreerdp screens (the RDP client's window appears on the client's X
// display), xdm for XDMCP (xdm's login window on the X server the screen starts), telnetd for
// telnet (the server's login prompt on the screen's terminal), and the kiosk program as an
// unprivileged account on the display. Bad values are refused naming key and line while the
// screen still starts. Xvfb stands in for the VT's Xorg (--display, --x-server).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { withLab, labUnavailable, hasProgram, type Lab } from '../lab/lab.ts';
import { withXvfb, type TestDisplay } from '../lab/xvfb.ts';
import { freeDisplay } from '../lab/login-harness.ts';

const MAIN = fileURLToPath(new URL('../../agent/cli/main.ts', import.meta.url));
const need = (programs: string[], pkgs: string) => labUnavailable() ?? (programs.every(hasProgram) ? undefined : `needs ${pkgs}`);

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
  stop(): Promise<number | null>;
}

/** `ltsp-agent screen ...`, in a namespace when given; stopped by PID at the end. */
function screen(args: string[], opts: { ns?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Run {
  const argv = [process.execPath, '--import', 'tsx', MAIN, 'screen', ...args];
  const child = opts.ns ? spawn('ip', ['netns', 'exec', opts.ns, ...argv], { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  const exit = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  return {
    child,
    out: () => out,
    err: () => err,
    exit,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const c = await exit;
      clearTimeout(t);
      return c;
    },
  };
}

function tree(display: string, xauthority?: string): string {
  try {
    return execFileSync('xwininfo', ['-root', '-tree', '-display', display], { env: { ...process.env, ...(xauthority ? { XAUTHORITY: xauthority } : {}) }, stdio: ['ignore', 'pipe', 'ignore'] }).toString();
  } catch {
    return '';
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, run: Run, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline || run.child.exitCode !== null) throw new Error(`${what} did not happen\nscreen stdout:\n${run.out().slice(-3000)}\nscreen stderr:\n${run.err().slice(-6000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const windowLine = (display: string, match: RegExp, xauthority?: string) => () => tree(display, xauthority).split('\n').find((l) => match.test(l))?.trim();

// ---- kiosk -----------------------------------------------------------------------------------

test('kiosk: KIOSK_EXE runs as the unprivileged KIOSKUSER on the display, again after it ends (KIOSK_DAEMON); the account\'s processes and home go with the screen', { skip: need(['Xvfb', 'xlogo', 'xwininfo', 'xauth', 'useradd', 'pgrep'], 'xvfb, x11-apps, x11-utils, xauth, passwd, procps') ?? (process.getuid?.() === 0 ? undefined : 'needs root'), timeout: 120_000 }, async () => {
  const user = `ltspk${randomBytes(3).toString('hex')}`;
  try {
    await withXvfb(async (x: TestDisplay) => {
      const dir = execFileSync('mktemp', ['-d']).toString().trim();
      const conf = join(dir, 'lts.conf');
      writeFileSync(conf, `[default]\n  SCREEN_07 = kiosk\n  KIOSK_EXE = /usr/bin/xlogo\n  KIOSK_OPTIONS = "-fg red"\n  KIOSK_DAEMON = True\n  KIOSKUSER = ${user}\n`);
      const run = screen(['07', '--lts-conf', conf, '--display', x.display], { env: { XAUTHORITY: x.xauthority } });
      try {
        await waitFor('the kiosk window', windowLine(x.display, /xlogo/i, x.xauthority), run);
        const uid = execFileSync('id', ['-u', user]).toString().trim();
        assert.notEqual(uid, '0');
        const first = execFileSync('pgrep', ['-u', uid, '-x', 'xlogo']).toString().trim();
        assert.match(first, /^\d+$/, 'xlogo runs as the kiosk account');
        const args = execFileSync('ps', ['-o', 'args=', '-p', first]).toString().trim();
        assert.equal(args, '/usr/bin/xlogo -fg red');
        const home = execFileSync('sh', ['-c', `readlink /proc/${first}/cwd`]).toString().trim();
        assert.match(home, /^\/tmp\/\.kiosk-/);
        // KIOSK_DAEMON: the program comes back after it ends, on the same X server
        execFileSync('kill', [first]);
        const second = await waitFor('the kiosk program again', () => {
          try {
            const p = execFileSync('pgrep', ['-u', uid, '-x', 'xlogo']).toString().trim();
            return p && p !== first ? p : undefined;
          } catch {
            return undefined;
          }
        }, run);
        assert.notEqual(second, first);
        assert.equal(await run.stop(), 143);
        assert.throws(() => execFileSync('pgrep', ['-u', uid]), 'no process of the kiosk account is left');
        assert.ok(!existsSync(home), 'the kiosk home is removed');
      } finally {
        await run.stop();
        execFileSync('rm', ['-rf', dir]);
      }
    });
  } finally {
    try {
      execFileSync('pkill', ['-KILL', '-u', user], { stdio: 'ignore' });
    } catch {
      /* none left */
    }
    try {
      execFileSync('userdel', [user], { stdio: 'ignore' });
    } catch {
      /* never created */
    }
  }
});

// ---- RDP ----------------------------------------------------------------------------------------

/**
 * xrdp in the server namespace on port 3389: TLS for xfreerdp (which is told /cert-ignore), RDP's
 * own security for rdesktop (which would ask on its terminal whether to trust the certificate).
 */
async function startXrdp(lab: Lab, security: 'negotiate' | 'rdp'): Promise<void> {
  const ini = join(lab.dir, 'xrdp.ini');
  const pid = join(lab.dir, 'xrdp.pid');
  const base = execFileSync('cat', ['/etc/xrdp/xrdp.ini']).toString();
  writeFileSync(ini, base.replace(/^security_layer=.*$/m, `security_layer=${security}`).replace(/^fork=.*$/m, 'fork=false').replace(/^port=3389$/m, `port=tcp://${lab.serverIp}:3389`));
  // xrdp keeps its pid file under /var/run/xrdp; give it a private one by running in the lab dir
  lab.spawn(lab.srv, ['xrdp', '--nodaemon', '--config', ini], { log: join(lab.dir, 'xrdp.log') });
  void pid;
  await lab.waitPort(lab.srv, 'tcp', 3389, 20_000);
}

for (const client of ['xfreerdp', 'rdesktop'] as const) {
  test(`${client}: the RDP session's window from xrdp appears on the client's display`, { skip: need(['Xvfb', 'xwininfo', 'xauth', 'xrdp', client], `xvfb, x11-utils, xauth, xrdp, ${client === 'xfreerdp' ? 'freerdp2-x11' : 'rdesktop'}`), timeout: 120_000 }, async () => {
    await withLab(async (lab) => {
      await startXrdp(lab, client === 'xfreerdp' ? 'negotiate' : 'rdp');
      const conf = join(lab.dir, 'lts.conf');
      const opts = client === 'xfreerdp' ? '/size:800x600 /cert-ignore' : '-g 800x600';
      writeFileSync(conf, `[default]\n  SCREEN_03 = ${client}\n  RDP_SERVER = ${lab.serverIp}\n  RDP_OPTIONS = "${opts}"\n`);
      await withXvfb(async (x) => {
        const run = screen(['03', '--lts-conf', conf, '--display', x.display, '--hostname', 'rdp-test', '--ip', lab.clientIp], { ns: lab.cli, env: { XAUTHORITY: x.xauthority } });
        try {
          const line = await waitFor(`the ${client} window`, windowLine(x.display, client === 'xfreerdp' ? /FreeRDP/ : /rdesktop/, x.xauthority), run);
          assert.ok(line.includes(lab.serverIp), line);
          assert.match(line, /800x600/);
        } finally {
          await run.stop();
        }
      });
    });
  });
}

test('RDP_OPTIONS that smuggles a second command or a program-running option: refused naming key and line, the screen still starts', { skip: need(['Xvfb', 'xwininfo', 'xauth', 'xrdp', 'rdesktop'], 'xvfb, x11-utils, xauth, xrdp, rdesktop'), timeout: 120_000 }, async () => {
  await withLab(async (lab) => {
    await startXrdp(lab, 'rdp');
    const conf = join(lab.dir, 'lts.conf');
    const marker = join(lab.dir, 'smuggled');
    writeFileSync(conf, `[default]\n  SCREEN_03 = rdesktop\n  RDP_SERVER = ${lab.serverIp}\n  RDP_OPTIONS = "-u student; touch ${marker}"\n  SCREEN_04 = xfreerdp\n  SCREEN_04_RDP_OPTIONS = /action-script:${marker}\n`);
    await withXvfb(async (x) => {
      const run = screen(['03', '--lts-conf', conf, '--display', x.display, '--hostname', 'rdp-test', '--ip', lab.clientIp], { ns: lab.cli, env: { XAUTHORITY: x.xauthority } });
      try {
        // the default options (-f) instead of the refused ones
        await waitFor('the rdesktop window with the default options', windowLine(x.display, /rdesktop/, x.xauthority), run);
        assert.match(run.err(), new RegExp(`${conf.replace(/[/.]/g, '\\$&')}:4: RDP_OPTIONS: .*shell syntax`));
        assert.match(run.err(), new RegExp(`${conf.replace(/[/.]/g, '\\$&')}:6: RDP_OPTIONS: .*action-script.*run a program`));
        assert.ok(!existsSync(marker), 'nothing smuggled ran');
      } finally {
        await run.stop();
      }
    });
  });
});

// ---- XDMCP ------------------------------------------------------------------------------------

test('xdmcp: the screen\'s X server queries xdm on the server and shows its login window', { skip: need(['Xvfb', 'xwininfo', 'xdm'], 'xvfb, x11-utils, xdm'), timeout: 120_000 }, async () => {
  await withLab(async (lab) => {
    const cfg = join(lab.dir, 'xdm-config');
    writeFileSync(join(lab.dir, 'Xservers'), '');
    writeFileSync(join(lab.dir, 'Xaccess'), '*\n');
    writeFileSync(cfg, [
      `DisplayManager.authDir: ${lab.dir}`,
      `DisplayManager.errorLogFile: ${join(lab.dir, 'xdm.log')}`,
      `DisplayManager.pidFile: ${join(lab.dir, 'xdm.pid')}`,
      `DisplayManager.servers: ${join(lab.dir, 'Xservers')}`,
      `DisplayManager.accessFile: ${join(lab.dir, 'Xaccess')}`,
      'DisplayManager*resources: /etc/X11/xdm/Xresources',
      'DisplayManager*authorize: true',
      'DisplayManager.requestPort: 177',
      '',
    ].join('\n'));
    lab.spawn(lab.srv, ['xdm', '-nodaemon', '-config', cfg], { log: join(lab.dir, 'xdm.out') });
    await lab.waitPort(lab.srv, 'udp', 177, 20_000);
    const conf = join(lab.dir, 'lts.conf');
    writeFileSync(conf, `[default]\n  SCREEN_07 = xdmcp\n  XDM_SERVER = ${lab.serverIp}\n  DISABLE_ACCESS_CONTROL = True\n`);
    const n = freeDisplay();
    const run = screen(['07', '--lts-conf', conf, '--x-server', 'Xvfb', '--display', `:${n}`, '--hostname', 'xdmcp-test', '--ip', lab.clientIp], { ns: lab.cli });
    try {
      // -ac (DISABLE_ACCESS_CONTROL): the test reads the window tree without a cookie
      const line = await waitFor('xdm\'s login window', () => {
        try {
          const t = execFileSync('ip', ['netns', 'exec', lab.cli, 'xwininfo', '-root', '-tree', '-display', `:${n}`], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
          return t.split('\n').find((l) => /xlogin/i.test(l))?.trim();
        } catch {
          return undefined;
        }
      }, run);
      assert.match(line, /xlogin/i);
    } finally {
      await run.stop();
    }
  });
});

// ---- telnet -----------------------------------------------------------------------------------

test('telnet: Enter connects the screen\'s terminal to TELNET_HOST; the server\'s login prompt appears', { skip: need(['telnet', 'telnetd', 'inetutils-inetd'], 'inetutils-telnet, inetutils-telnetd, inetutils-inetd'), timeout: 120_000 }, async () => {
  await withLab(async (lab) => {
    const inetd = join(lab.dir, 'inetd.conf');
    writeFileSync(inetd, 'telnet stream tcp nowait root /usr/sbin/telnetd telnetd\n');
    lab.spawn(lab.srv, ['inetutils-inetd', '-d', '--pidfile', join(lab.dir, 'inetd.pid'), inetd], { log: join(lab.dir, 'inetd.log') });
    await lab.waitPort(lab.srv, 'tcp', 23, 20_000);
    const conf = join(lab.dir, 'lts.conf');
    writeFileSync(conf, `[default]\n  SCREEN_02 = telnet\n  TELNET_HOST = ${lab.serverIp}\n`);
    const run = screen(['02', '--lts-conf', conf, '--tty', '-', '--once', '--hostname', 'telnet-test', '--ip', lab.clientIp], { ns: lab.cli });
    try {
      await waitFor('the "Press <enter>" line', () => (run.out().includes('Press <enter> to connect') ? true : undefined), run);
      run.child.stdin!.write('\n');
      await waitFor('the server\'s login prompt', () => (/login: ?$/m.test(run.out()) ? true : undefined), run);
      assert.match(run.out(), new RegExp(`Trying ${lab.serverIp.replace(/\./g, '\\.')}|Connected to`));
      run.child.stdin!.end();
      assert.equal(await run.exit, 0, run.err());
    } finally {
      await run.stop();
    }
  });
});

// ---- refusals -----------------------------------------------------------------------------------

test('an unknown screen script is refused at once, by name, with the known ones', { timeout: 60_000 }, async () => {
  const dir = execFileSync('mktemp', ['-d']).toString().trim();
  try {
    const conf = join(dir, 'lts.conf');
    writeFileSync(conf, '[default]\n  SCREEN_03 = xterminal\n  SCREEN_07 = ldm\n');
    const run = screen(['03', '--lts-conf', conf, '--hostname', 'unknown-test', '--ip', '10.99.0.2']);
    assert.equal(await run.exit, 64);
    assert.match(run.err(), /SCREEN_03 = xterminal: unknown screen script "xterminal"; ltsp-agent runs ldm, shell, telnet, xdmcp, startx, rdesktop, xfreerdp, kiosk, menu/);
    assert.match(run.err(), new RegExp(`${conf.replace(/[/.]/g, '\\$&')}:2: SCREEN_03`));
    assert.deepEqual(readdirSync(dir), ['lts.conf']);
  } finally {
    execFileSync('rm', ['-rf', dir]);
  }
});

// ---- menu and shell -------------------------------------------------------------------------------

for (const pty of ['node-pty', 'terminal device'] as const) {
  test(`menu: the chosen entry runs that screen (a root shell, through ${pty}); the refused entry is left out`, { skip: hasProgram('bash') ? undefined : 'needs bash', timeout: 60_000 }, async () => {
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    try {
      const conf = join(dir, 'lts.conf');
      writeFileSync(conf, '[default]\n  SCREEN_04 = menu\n  MENU_TITLE = "Pick a desktop"\n  MENU_ITEM_01 = Shell\n  MENU_COMMAND_01 = shell\n  MENU_ITEM_02 = Evil\n  MENU_COMMAND_02 = "rdesktop /f;xterm"\n');
      const run = screen(['04', '--lts-conf', conf, '--tty', '-', '--once', '--hostname', 'menu-test', '--ip', '10.99.0.2'], { input: '1\necho answer-$((6*7))\nexit\n', env: pty === 'node-pty' ? {} : { LTSP_AGENT_PTY: 'off' } });
      assert.equal(await run.exit, 0, run.err());
      assert.match(run.out(), /^Pick a desktop$/m);
      assert.match(run.out(), /^ {2}1\) Shell\r?$/m);
      assert.doesNotMatch(run.out(), /Evil/);
      assert.match(run.out(), /answer-42/, 'the shell ran the typed command');
      assert.match(run.err(), new RegExp(`${conf.replace(/[/.]/g, '\\$&')}:7: MENU_COMMAND_02: .*shell syntax`));
    } finally {
      execFileSync('rm', ['-rf', dir]);
    }
  });
}
