// 50-cron: /etc/cron.d/ltsp from SHUTDOWN_TIME and the CRONTAB_xx lines.

import type { Problem } from '../core/errors.ts';
import { checkClockTime, checkCrontabLine, read, readFamily, warn } from '../config/values.ts';
import { declareKeys } from '../config/declare.ts';
import { format, k, T, unset } from '../config/key-spec.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

/**
 * Power off at SHUTDOWN_TIME unless someone is logged in; then the login phase powers off at
 * logout instead (the HALT logout action, LP #604908: LTSP 5.0 killed running sessions).
 * Our own fixed text: only the validated hour and minute come from lts.conf.
 */
function shutdownLine(hour: number, minute: number): string {
  return `${minute} ${hour} * * * root test -e /run/ltsp/session-active && echo HALT > /run/ltsp/logout-action || /sbin/poweroff`;
}

export const CRON_KEYS = declareKeys('cron', {
  'CRONTAB_<any>': k('system', T.line, unset, 'a line for /etc/cron.d/ltsp, including the user field'),
  SHUTDOWN_TIME: k('system', format(/^([01]?\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM', '22:30'), unset,
    'power the client off every day at this time; with a session open, power off when it ends'),
});

export const planCron = definePlanner(CRON_KEYS, (ctx) => {
  const { config } = ctx;
  const problems: Problem[] = [];
  const lines: string[] = [];
  const keys: string[] = [];
  const at = read(config, 'SHUTDOWN_TIME', problems, checkClockTime);
  if (at) {
    lines.push(shutdownLine(at.hour, at.minute));
    keys.push('SHUTDOWN_TIME');
  }
  for (const { key, value } of readFamily(config, 'CRONTAB_<any>', problems, checkCrontabLine)) {
    lines.push(value);
    keys.push(key);
  }
  if (lines.length === 0) return skipped('cron', 'no SHUTDOWN_TIME or CRONTAB_* keys', problems);
  if (!present(ctx, '/usr/sbin/cron') && !present(ctx, '/usr/sbin/crond')) {
    problems.push(warn(config, keys[0]!, 'no cron daemon in the client chroot: these lines will not run', 'install cron in the client chroot'));
  }
  const content = [generatedHeader(), 'SHELL=/bin/sh', 'PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin', ...lines].join('\n') + '\n';
  return planned('cron', [], [{ kind: 'write-file', path: '/etc/cron.d/ltsp', content, keys, why: 'scheduled jobs from lts.conf' }], problems);
});
