// 50-syslog: the client's syslog daemon forwards everything to SYSLOG_HOST (spec §5), over UDP
// port 514 in the traditional format, one `*.* @host` rule per host, as LTSP 5.3+ did (only
// when SYSLOG_HOST is set: LP #697387). Each daemon the chroot has gets its own file:
//   rsyslog           /etc/rsyslog.d/90-ltsp.conf (forwarding added to its local rules)
//   sysklogd          /etc/syslog.conf (LTSP 5 overwrote it and local logging stopped; a local
//                     /var/log/messages rule is kept here)
//   busybox syslogd   /etc/default/busybox-syslogd: `-R host` per host, `-L` to keep local logs
// The agent's own log goes to the same hosts through agent/net/syslog.ts (the boot attaches it).

import type { Problem } from '../core/errors.ts';
import { checkHost, readList } from '../config/values.ts';
import type { Action } from '../plan/actions.ts';
import { present, type StepPlanner } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

/** A host in a `@host` rule; IPv6 addresses in brackets. */
const at = (h: string) => (h.includes(':') ? `@[${h}]` : `@${h}`);

export const planSyslog: StepPlanner = (ctx) => {
  const { config } = ctx;
  if (config.nonEmpty('SYSLOG_HOST') === undefined) return skipped('syslog', 'SYSLOG_HOST is not set: logs stay on the client');
  const problems: Problem[] = [];
  const hosts = readList(config, 'SYSLOG_HOST', problems, checkHost);
  if (hosts.length === 0) return skipped('syslog', 'no usable SYSLOG_HOST entry', problems);

  const keys = ['SYSLOG_HOST'];
  const actions: Action[] = [];
  const why = `forward to ${hosts.join(', ')}`;
  if (present(ctx, '/etc/rsyslog.d') || present(ctx, '/usr/sbin/rsyslogd')) {
    const content = [generatedHeader(), ...hosts.map((h) => `*.* ${at(h)}`)].join('\n') + '\n';
    actions.push({ kind: 'write-file', path: '/etc/rsyslog.d/90-ltsp.conf', content, keys, why: `rsyslog: ${why}` });
  }
  if (present(ctx, '/etc/syslog.conf')) {
    const content = [generatedHeader(), '*.*\t-/var/log/messages', ...hosts.map((h) => `*.*\t${at(h)}`)].join('\n') + '\n';
    actions.push({ kind: 'write-file', path: '/etc/syslog.conf', content, keys, why: `sysklogd: ${why}` });
  }
  if (present(ctx, '/etc/default/busybox-syslogd')) {
    // Sourced by a shell: every host is an address or a DNS name, nothing a shell would change.
    const opts = ['-L', ...hosts.flatMap((h) => ['-R', h.includes(':') ? `[${h}]:514` : `${h}:514`])].join(' ');
    actions.push({ kind: 'write-file', path: '/etc/default/busybox-syslogd', content: `${generatedHeader()}\nSYSLOG_OPTS="${opts}"\n`, keys, why: `busybox syslogd: ${why}` });
  }
  if (actions.length === 0) return skipped('syslog', 'no syslog daemon in the client chroot; only the agent\'s own log is forwarded', problems);
  return planned('syslog', [], actions, problems);
};
