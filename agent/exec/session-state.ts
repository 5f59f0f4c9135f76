// What the running login tells the rest of the client through /run/ltsp (LTSP 5 used
// /var/run/ldm_socket_* and /var/run/ltsp-logout-action):
//
//   session-active/      exists while a session runs on any screen; one file per screen (vtNN,
//                        holding the login's PID), the directory removed with the last one.
//                        SHUTDOWN_TIME's cron line tests it (agent/steps/cron.ts).
//   logout-action        HALT or REBOOT: what to do when the session ends (cron writes HALT at
//                        SHUTDOWN_TIME while a session runs, LP #604908).
//
// The login removes its screen's file when the session ends, when it fails, and at its next
// start (a login that was killed could not).

import { readFile, rmdir } from 'node:fs/promises';
import { FileSystem } from './files.ts';

export const RUN_DIR = '/run/ltsp';
export const SESSION_ACTIVE = 'session-active';
export const LOGOUT_ACTION = 'logout-action';

export type LogoutAction = 'HALT' | 'REBOOT';

const vtName = (vt: number) => `vt${String(vt).padStart(2, '0')}`;

export class SessionState {
  private readonly fs = new FileSystem('/');
  constructor(readonly runDir: string = RUN_DIR) {}

  get activeDir(): string {
    return `${this.runDir}/${SESSION_ACTIVE}`;
  }

  get logoutActionFile(): string {
    return `${this.runDir}/${LOGOUT_ACTION}`;
  }

  /** A session runs on this screen from now on. */
  async markActive(vt: number): Promise<void> {
    const file = `${this.activeDir}/${vtName(vt)}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.fs.mkdir(this.activeDir, 0o755);
        await this.fs.writeAtomic(file, `${process.pid}\n`, 0o644);
        return;
      } catch (e) {
        // another screen's login removed the (then empty) directory between our two calls
        if (attempt > 2 || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }

  /** This screen's session is over; the directory goes with the last screen. */
  async clearActive(vt: number): Promise<void> {
    await this.fs.remove(`${this.activeDir}/${vtName(vt)}`);
    try {
      await rmdir(this.fs.map(this.activeDir));
    } catch {
      /* another screen's session still runs, or it is gone already */
    }
  }

  async isActive(): Promise<boolean> {
    return this.fs.exists(this.activeDir);
  }

  /** HALT or REBOOT when one is pending; anything else in the file counts as none. */
  async logoutAction(): Promise<LogoutAction | undefined> {
    let text: string;
    try {
      text = await readFile(this.fs.map(this.logoutActionFile), 'utf8');
    } catch {
      return undefined;
    }
    const word = text.trim().toUpperCase();
    return word === 'HALT' || word === 'REBOOT' ? word : undefined;
  }

  async clearLogoutAction(): Promise<void> {
    await this.fs.remove(this.logoutActionFile);
  }
}
