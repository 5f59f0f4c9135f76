// 50-cron: /etc/cron.d/ltsp from SHUTDOWN_TIME and the CRONTAB_xx lines (spec §9.5).

import type { Problem } from '../core/errors.ts';
import { checkClockTime, checkCrontabLine, read, readFamily, warn } from '../config/values.ts';
import { present, type StepPlanner } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

/**
 * Power off at SHUTDOWN_TIME unless someone is logged in; then the login phase powers off at
 * logout instead (the HALT logout action, LP #604908: LTSP 5.0 killed running sessions).
 * Our own fixed text: only the validated hour and minute come from lts.conf.
 */
function shutdownLine(hour: number, minute: number): string {
  return `${minute} ${hour} * * * root test -e /run/ltsp/session-active && echo HALT > /run/ltsp/logout-action || /sbin/poweroff`;
}

export const planCron: StepPlanner = (ctx) => {
  const { config } = ctx;
  const problems: Problem[] = [];
  const lines: string[] = [];
  const keys: string[] = [];
  const at = read(config, 'SHUTDOWN_TIME', problems, checkClockTime);
  if (at) {
    lines.push(shutdownLine(at.hour, at.minute));
    keys.push('SHUTDOWN_TIME');
  }
  for (const { key, value } of readFamily(config, 'CRONTAB_', problems, checkCrontabLine)) {
    lines.push(value);
    keys.push(key);
  }
  if (lines.length === 0) return skipped('cron', 'no SHUTDOWN_TIME or CRONTAB_* keys', problems);
  if (!present(ctx, '/usr/sbin/cron') && !present(ctx, '/usr/sbin/crond')) {
    problems.push(warn(config, keys[0]!, 'no cron daemon in the client chroot: these lines will not run', 'install cron in the client chroot'));
  }
  const content = [generatedHeader(), 'SHELL=/bin/sh', 'PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin', ...lines].join('\n') + '\n';
  return planned('cron', [], [{ kind: 'write-file', path: '/etc/cron.d/ltsp', content, keys, why: 'scheduled jobs from lts.conf' }], problems);
};
