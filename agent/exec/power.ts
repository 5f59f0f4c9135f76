// Powering the client off or rebooting it: the greeter's Shut down and Restart, and the
// SHUTDOWN_TIME power-off once a session has ended (the HALT logout action). In order:
//   1. logind over the system bus (org.freedesktop.login1.Manager PowerOff/Reboot) where
//      systemd runs: what a desktop's menu does; dbus-next is loaded only then, never under OpenRC;
//   2. `systemctl poweroff|reboot` where systemd runs but the bus call failed;
//   3. `openrc-shutdown -p|-r now` under OpenRC;
//   4. `poweroff` / `reboot` (sysvinit, busybox).
// The first that works wins; each failure is logged with what was tried.

import { access } from 'node:fs/promises';
import { LtspError, errorMessage } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { runProgram, type RunOptions, type RunResult } from './process.ts';

export type PowerAction = 'poweroff' | 'reboot';

/** A system bus as far as the power module uses it (dbus-next's MessageBus, or a fake in tests). */
export interface PowerBus {
  getProxyObject(name: string, path: string): Promise<{ getInterface(name: string): Record<string, unknown> }>;
  disconnect(): void;
}

export interface PowerIo {
  /** Whether a path exists (/run/systemd/system: systemd is PID 1; /sbin/openrc-shutdown). */
  exists(path: string): Promise<boolean>;
  /** Connects to the system bus; loaded lazily (dbus-next). */
  systemBus(): Promise<PowerBus>;
  run(argv: readonly string[], opts: RunOptions): Promise<RunResult>;
}

const LOGIND = 'org.freedesktop.login1';

async function dbusSystemBus(): Promise<PowerBus> {
  const mod = (await import('dbus-next')) as unknown as { systemBus?: () => PowerBus; default?: { systemBus: () => PowerBus } };
  const systemBus = mod.systemBus ?? mod.default!.systemBus;
  return systemBus();
}

export const realPowerIo: PowerIo = {
  exists: (p) => access(p).then(() => true, () => false),
  systemBus: dbusSystemBus,
  run: runProgram,
};

/** logind's PowerOff/Reboot (interactive false: no polkit question, we run as root). */
async function viaLogind(action: PowerAction, io: PowerIo, timeoutMs: number): Promise<void> {
  const bus = await io.systemBus();
  let timer: NodeJS.Timeout | undefined;
  try {
    const call = (async () => {
      const obj = await bus.getProxyObject(LOGIND, '/org/freedesktop/login1');
      const manager = obj.getInterface(`${LOGIND}.Manager`);
      const method = manager[action === 'poweroff' ? 'PowerOff' : 'Reboot'];
      if (typeof method !== 'function') throw new Error(`logind has no ${action === 'poweroff' ? 'PowerOff' : 'Reboot'} method`);
      await (method as (interactive: boolean) => Promise<void>).call(manager, false);
    })();
    await Promise.race([call, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`logind did not answer within ${timeoutMs} ms`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
    bus.disconnect();
  }
}

/** The programs to try after logind, for this init system. */
export function powerCommands(action: PowerAction, init: { systemd: boolean; openrc: boolean }): string[][] {
  const out: string[][] = [];
  if (init.systemd) out.push(['systemctl', action]);
  if (init.openrc) out.push(['openrc-shutdown', action === 'poweroff' ? '-p' : '-r', 'now']);
  out.push([action]);
  return out;
}

/**
 * Power off or reboot. Resolves with how it was done once the request was accepted (the
 * machine then goes down under us); rejects with LTSP_EXEC_FAILED when every way failed.
 */
export async function power(action: PowerAction, opts: { log?: Logger; io?: PowerIo; timeoutMs?: number } = {}): Promise<string> {
  const log = opts.log ?? silentLogger;
  const io = opts.io ?? realPowerIo;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const systemd = await io.exists('/run/systemd/system');
  const openrc = !systemd && ((await io.exists('/sbin/openrc-shutdown')) || (await io.exists('/usr/sbin/openrc-shutdown')));
  const failures: string[] = [];
  if (systemd) {
    try {
      await viaLogind(action, io, timeoutMs);
      log.info({ action }, 'asked logind to power the client down');
      return 'logind';
    } catch (e) {
      failures.push(`logind: ${errorMessage(e)}`);
      log.warn({ action, err: errorMessage(e) }, 'logind did not take the request; trying systemctl');
    }
  }
  for (const argv of powerCommands(action, { systemd, openrc })) {
    try {
      const r = await io.run(argv, { timeoutMs, log });
      if (r.code === 0) {
        log.info({ action, argv }, 'power request accepted');
        return argv[0]!;
      }
      failures.push(`${argv.join(' ')}: exit ${r.code}${r.stderr ? ` (${r.stderr.trim().slice(-200)})` : ''}`);
    } catch (e) {
      failures.push(`${argv.join(' ')}: ${errorMessage(e)}`);
    }
  }
  throw new LtspError('LTSP_EXEC_FAILED', `could not ${action === 'poweroff' ? 'power off' : 'reboot'} the client: ${failures.join('; ')}`, {}, 'check that the login runs as root and that the image has systemd, OpenRC or sysvinit\'s poweroff/reboot');
}
