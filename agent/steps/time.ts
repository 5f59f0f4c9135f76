// 50-set-time: TIMEZONE and TIMESERVER.
//
// TIMEZONE links /etc/localtime into /usr/share/zoneinfo. TIMESERVER ("auto" = SERVER) steps the
// clock once with ntpdate when it is installed, then writes the hardware clock (HWCLOCK utc or
// localtime), as the generic LTSP 5 script did; where systemd runs, timesyncd is also pointed at
// the server so the clock stays right (what LTSP 5's Debian variant did instead).

import type { Problem } from '../core/errors.ts';
import { checkHost, checkTimezone, isIP, read, warn } from '../config/values.ts';
import type { Action, StepName } from '../plan/actions.ts';
import { declareKeys } from '../config/declare.ts';
import { enumOf, format, k, unset, val } from '../config/key-spec.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned, serverHost, skipped } from './step.ts';

export const TIME_KEYS = declareKeys('time', {
  TIMEZONE: k('network', format(/^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/, 'a zoneinfo name such as Europe/Athens', 'Europe/Berlin'), unset,
    'time zone; /etc/localtime points to this zoneinfo file'),
  TIMESERVER: k('network', { kind: 'host', words: ['auto'] }, unset, 'NTP server to set the clock from; `auto` means SERVER'),
  HWCLOCK: k('network', enumOf('utc', 'localtime'), val('utc'), 'whether the hardware clock keeps UTC or local time'),
});

export const planTime = definePlanner(TIME_KEYS, (ctx) => {
  const { config } = ctx;
  const problems: Problem[] = [];
  const actions: Action[] = [];
  const needs: StepName[] = [];

  const zone = read(config, 'TIMEZONE', problems, checkTimezone);
  if (zone !== undefined) {
    if (!present(ctx, '/usr/share/zoneinfo')) problems.push(warn(config, 'TIMEZONE', 'the client has no /usr/share/zoneinfo; /etc/localtime will point at a missing file', 'install tzdata in the client chroot'));
    actions.push({ kind: 'symlink', path: '/etc/localtime', target: `/usr/share/zoneinfo/${zone}`, keys: ['TIMEZONE'], why: 'the local time zone' });
    actions.push({ kind: 'write-file', path: '/etc/timezone', content: `${zone}\n`, keys: ['TIMEZONE'], why: 'Debian tools read the zone name from here' });
  }

  const asked = config.nonEmpty('TIMESERVER');
  const server = asked === undefined ? undefined : asked.toLowerCase() === 'auto' ? serverHost(ctx, problems) : read(config, 'TIMESERVER', problems, checkHost);
  if (server !== undefined) {
    if (!isIP(server)) needs.push('dns', 'hostname');
    const keys = ['TIMESERVER'];
    const timesyncd = present(ctx, '/run/systemd/system') || present(ctx, '/etc/systemd/system');
    if (timesyncd) {
      actions.push({ kind: 'write-file', path: '/etc/systemd/timesyncd.conf.d/ltsp.conf', content: `${generatedHeader()}\n[Time]\nNTP=${server}\n`, keys, why: 'systemd-timesyncd keeps the clock synchronised' });
    }
    const ntpdate = present(ctx, '/usr/sbin/ntpdate') ? '/usr/sbin/ntpdate' : present(ctx, '/usr/bin/ntpdate') ? '/usr/bin/ntpdate' : undefined;
    if (ntpdate) {
      // Not best effort: when the server does not answer, the step fails with that reason and
      // the hardware clock is not overwritten with a wrong time (LTSP 5: ntpdate && hwclock).
      actions.push({ kind: 'run', argv: [ntpdate, '-b', '-p', '1', server], timeoutMs: 15_000, keys, why: 'set the clock from the time server once at boot' });
      if (present(ctx, '/sbin/hwclock')) {
        const mode = (config.nonEmpty('HWCLOCK') ?? 'utc').toLowerCase();
        if (mode !== 'utc' && mode !== 'localtime') problems.push(warn(config, 'HWCLOCK', `"${mode}" is neither utc nor localtime; using utc`));
        actions.push({
          kind: 'run',
          argv: ['/sbin/hwclock', '--systohc', mode === 'localtime' ? '--localtime' : '--utc', '--noadjfile'],
          bestEffort: true,
          timeoutMs: 10_000,
          keys: ['HWCLOCK'],
          why: 'keep the hardware clock in step',
        });
      }
    }
    if (!ntpdate && !timesyncd) {
      problems.push(warn(config, 'TIMESERVER', 'neither ntpdate nor systemd is in the client; the clock is not set', 'install ntpdate in the client chroot'));
    }
  }
  if (actions.length === 0) return skipped('time', 'TIMEZONE and TIMESERVER are not set', problems);
  return planned('time', needs, actions, problems);
});
