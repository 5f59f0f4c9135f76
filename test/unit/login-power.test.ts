// The power module (agent/exec/power.ts) with a fake bus and fake programs: logind first where
// systemd runs, then systemctl; openrc-shutdown under OpenRC without ever loading a bus;
// poweroff/reboot last; a clear error when nothing works. The session marker and the logout
// action (agent/exec/session-state.ts) in a temporary run directory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { power, powerCommands, type PowerBus, type PowerIo } from '../../agent/exec/power.ts';
import { SessionState } from '../../agent/exec/session-state.ts';
import { LtspError } from '../../agent/core/errors.ts';
import { logoutActionNotice } from '../../agent/login/flow.ts';
import { texts } from '../../agent/login/i18n/index.ts';

function fakeIo(o: { paths: string[]; logind?: 'ok' | 'fail' | 'no-bus'; exit?: Record<string, number> }): PowerIo & { calls: string[] } {
  const calls: string[] = [];
  const bus: PowerBus = {
    async getProxyObject(name, path) {
      calls.push(`bus ${name} ${path}`);
      return {
        getInterface: (iface: string) => ({
          PowerOff: async (interactive: boolean) => {
            calls.push(`${iface}.PowerOff(${interactive})`);
            if (o.logind === 'fail') throw new Error('Access denied');
          },
          Reboot: async (interactive: boolean) => {
            calls.push(`${iface}.Reboot(${interactive})`);
            if (o.logind === 'fail') throw new Error('Access denied');
          },
        }),
      };
    },
    disconnect: () => calls.push('bus disconnect'),
  };
  return {
    calls,
    exists: async (p) => o.paths.includes(p),
    systemBus: async () => {
      calls.push('bus connect');
      if (o.logind === 'no-bus') throw new Error('connect ENOENT /run/dbus/system_bus_socket');
      return bus;
    },
    run: async (argv) => {
      calls.push(`run ${argv.join(' ')}`);
      const code = o.exit?.[argv[0]!] ?? 0;
      if (code === 127) throw new LtspError('LTSP_EXEC_FAILED', `${argv[0]}: program not found`);
      return { argv, code, signal: null, stdout: '', stderr: code ? 'failed' : '', ms: 1 };
    },
  };
}

test('systemd: logind PowerOff/Reboot over the system bus, non-interactive; nothing else runs', async () => {
  const io = fakeIo({ paths: ['/run/systemd/system'], logind: 'ok' });
  assert.equal(await power('poweroff', { io }), 'logind');
  assert.deepEqual(io.calls, ['bus connect', 'bus org.freedesktop.login1 /org/freedesktop/login1', 'org.freedesktop.login1.Manager.PowerOff(false)', 'bus disconnect']);
  const r = fakeIo({ paths: ['/run/systemd/system'], logind: 'ok' });
  assert.equal(await power('reboot', { io: r }), 'logind');
  assert.ok(r.calls.includes('org.freedesktop.login1.Manager.Reboot(false)'));
});

test('systemd without a working logind: systemctl', async () => {
  for (const logind of ['fail', 'no-bus'] as const) {
    const io = fakeIo({ paths: ['/run/systemd/system'], logind });
    assert.equal(await power('reboot', { io }), 'systemctl');
    assert.equal(io.calls.at(-1), 'run systemctl reboot');
  }
});

test('OpenRC: openrc-shutdown -p/-r now, and the bus is never touched', async () => {
  const io = fakeIo({ paths: ['/sbin/openrc-shutdown'] });
  assert.equal(await power('poweroff', { io }), 'openrc-shutdown');
  assert.deepEqual(io.calls, ['run openrc-shutdown -p now']);
  const r = fakeIo({ paths: ['/sbin/openrc-shutdown'] });
  await power('reboot', { io: r });
  assert.deepEqual(r.calls, ['run openrc-shutdown -r now']);
});

test('neither: poweroff / reboot; every way failing is one error naming each', async () => {
  const io = fakeIo({ paths: [] });
  assert.equal(await power('poweroff', { io }), 'poweroff');
  assert.deepEqual(io.calls, ['run poweroff']);
  const bad = fakeIo({ paths: ['/run/systemd/system'], logind: 'fail', exit: { systemctl: 1, reboot: 127 } });
  await assert.rejects(power('reboot', { io: bad }), (e: unknown) => e instanceof LtspError && e.code === 'LTSP_EXEC_FAILED' && /logind: Access denied/.test(e.message) && /systemctl reboot: exit 1/.test(e.message) && /reboot: program not found/.test(e.message));
  assert.deepEqual(powerCommands('poweroff', { systemd: true, openrc: false }), [['systemctl', 'poweroff'], ['poweroff']]);
});

test('session-active/: one file per screen while its session runs, removed with the last; the logout action read and cleared', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-run-'));
  try {
    const s = new SessionState(dir);
    assert.equal(await s.isActive(), false);
    await s.markActive(7);
    await s.markActive(8);
    assert.equal(readFileSync(join(dir, 'session-active', 'vt07'), 'utf8'), `${process.pid}\n`);
    await s.clearActive(7);
    assert.equal(await s.isActive(), true, 'screen 8 still runs a session');
    await s.clearActive(8);
    assert.equal(existsSync(join(dir, 'session-active')), false);
    await s.clearActive(8); // twice is harmless (a crashed login's next start)
    assert.equal(await s.logoutAction(), undefined);
    writeFileSync(join(dir, 'logout-action'), 'HALT\n'); // what SHUTDOWN_TIME's cron line writes
    assert.equal(await s.logoutAction(), 'HALT');
    await s.clearLogoutAction();
    assert.equal(await s.logoutAction(), undefined);
    writeFileSync(join(dir, 'logout-action'), 'rm -rf /\n');
    assert.equal(await s.logoutAction(), undefined, 'anything else is no action');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the notice a session gets, in its language', () => {
  assert.equal(logoutActionNotice('HALT'), 'This computer will shut down when you log out.');
  assert.equal(logoutActionNotice('REBOOT', texts('de')), 'Dieser Computer wird neu gestartet, sobald Sie sich abmelden.');
});
