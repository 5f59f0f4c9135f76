// The kiosk screen (LTSP 5's screen.d/kiosk and kioskSession): a program, usually a browser,
// on its own X server as an unprivileged local account (KIOSKUSER, created when missing, as
// LTSP 5 did with adduser), with a fresh home directory for each start, the X cookie copied
// into it, the window manager (KIOSK_WM) beside it, and every process of the account ended
// when the round is over.

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { LtspError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { FileSystem } from '../exec/files.ts';
import { runProgram, startDaemon } from '../exec/process.ts';
import type { ScreenRun } from '../steps/screens.ts';
import type { XHandle } from './runner.ts';

type Kiosk = Extract<ScreenRun, { script: 'kiosk' }>;

/** LTSP 5's order when KIOSK_EXE is not set. */
export const KIOSK_BROWSERS = ['/usr/bin/firefox', '/usr/bin/chromium', '/usr/bin/google-chrome', '/usr/bin/opera'];

export interface Account {
  readonly uid: number;
  readonly gid: number;
}

/** The account's uid and gid from the passwd database; undefined when it does not exist. */
async function lookup(user: string): Promise<Account | undefined> {
  const r = await runProgram(['getent', 'passwd', user], { timeoutMs: 10_000 });
  if (r.code !== 0) return undefined;
  const f = r.stdout.trim().split(':');
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
}

/** KIOSKUSER, created as a system account without a home or login shell when missing. */
export async function kioskAccount(user: string, log: Logger): Promise<Account> {
  let account = await lookup(user);
  if (account === undefined) {
    const r = await runProgram(['useradd', '--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', user], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new LtspError('LTSP_EXEC_FAILED', `cannot create the kiosk account ${user}: ${r.stderr.trim()}`, { key: 'KIOSKUSER' }, 'create the account in the image, or set KIOSKUSER to an existing unprivileged account');
    log.info({ user }, 'kiosk account created');
    account = await lookup(user);
  }
  if (account === undefined) throw new LtspError('LTSP_EXEC_FAILED', `the kiosk account ${user} cannot be found`, { key: 'KIOSKUSER' }, 'check /etc/passwd and nsswitch.conf in the image');
  if (account.uid === 0 || account.gid === 0) throw new LtspError('LTSP_VALUE_UNSAFE', `the kiosk account ${user} is privileged (uid ${account.uid}, gid ${account.gid})`, { key: 'KIOSKUSER' }, 'set KIOSKUSER to an unprivileged account');
  return account;
}

export interface KioskOptions {
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** Runs the program until it ends (again and again with KIOSK_DAEMON). */
  readonly loop: (name: string, argv: readonly string[], opts: { env: Readonly<Record<string, string>>; uid: number; gid: number; cwd: string }) => Promise<void>;
}

export async function runKiosk(run: Kiosk, x: XHandle, o: KioskOptions): Promise<void> {
  const exe = run.exe ?? (() => {
    const found = KIOSK_BROWSERS.find((b) => existsSync(b));
    return found ? [found] : undefined;
  })();
  if (exe === undefined) {
    throw new LtspError('LTSP_EXEC_FAILED', `no kiosk program: KIOSK_EXE is not set and none of ${KIOSK_BROWSERS.join(', ')} is installed`, { key: 'KIOSK_EXE' }, 'set KIOSK_EXE in lts.conf or install a browser in the image');
  }
  const account = await kioskAccount(run.user, o.log);
  const fs = new FileSystem('/');
  const home = `/tmp/.kiosk-${randomBytes(6).toString('hex')}`;
  await fs.mkdir(home, 0o700);
  let wm: ReturnType<typeof startDaemon> | undefined;
  try {
    const env: Record<string, string> = {
      HOME: home,
      USER: run.user,
      LOGNAME: run.user,
      SHELL: '/bin/sh',
      PATH: '/usr/local/bin:/usr/bin:/bin',
      DISPLAY: x.env['DISPLAY']!,
      ...(process.env['LANG'] ? { LANG: process.env['LANG'] } : {}),
    };
    if (x.xauthority) {
      // the account gets its own copy of the cookie, readable by it alone
      const cookie = await fs.readBytes(x.xauthority);
      if (cookie) {
        await fs.writeAtomic(`${home}/.Xauthority`, cookie, 0o600);
        await fs.chown(`${home}/.Xauthority`, account.uid, account.gid);
        env['XAUTHORITY'] = `${home}/.Xauthority`;
      }
    }
    // the home is handed over only once root has written into it
    await fs.chown(home, account.uid, account.gid);
    const as = { env, uid: account.uid, gid: account.gid, cwd: home };
    if (run.wm) wm = startDaemon('kiosk-wm', run.wm, { ...as, log: o.log, stdio: 'inherit' });
    await o.loop('kiosk', [...exe, ...run.options], as);
  } finally {
    await wm?.stop();
    // whatever the account left running (LTSP 5: pkill -u)
    await runProgram(['pkill', '-KILL', '-u', String(account.uid)], { timeoutMs: 10_000 }).catch(() => undefined);
    await fs.remove(home).catch(() => undefined);
  }
}
