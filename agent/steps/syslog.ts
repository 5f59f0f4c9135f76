// 50-syslog: the client's syslog daemon forwards everything to SYSLOG_HOST, over UDP
// port 514 in the traditional format, one `*.* @host` rule per host, as LTSP 5.3+ did (only
// when SYSLOG_HOST is set: LP #697387). Each daemon the chroot has gets its own file:
//   rsyslog           /etc/rsyslog.d/90-ltsp.conf (forwarding added to its local rules)
//   sysklogd          /etc/syslog.conf (LTSP 5 overwrote it and local logging stopped; a local
//                     /var/log/messages rule is kept here)
//   busybox syslogd   /etc/default/busybox-syslogd: `-R host` per host, `-L` to keep local logs
// The agent's own log goes to the same hosts through agent/net/syslog.ts (the boot attaches it).

import type { Problem } from '../core/errors.ts';
import { refuse, ok, warn, type Checked } from '../config/values.ts';
import { parseSyslogTarget, type SyslogTarget } from '../config/syslog-target.ts';
import type { Action } from '../plan/actions.ts';
import { declareKeys, type KeyReader } from '../config/declare.ts';
import { k, T, unset } from '../config/key-spec.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

/** `host`, `host:port`, `@host`, `@@host:port` (TCP), `tcp://host:port` ... see parseSyslogTarget. */
function checkTarget(config: KeyReader, key: string, value: string): Checked<SyslogTarget> {
  const t = parseSyslogTarget(value);
  return typeof t === 'string' ? refuse(config, key, t, `write ${key} as host, host:port, or @@host:port for TCP`) : ok(t);
}

const hostPart = (t: SyslogTarget) => (t.host.includes(':') ? `[${t.host}]` : t.host);
/** An rsyslog/sysklogd forwarding action: @host (UDP) or @@host (TCP), the port only when not 514. */
const rule = (t: SyslogTarget) => `${t.transport === 'tcp' ? '@@' : '@'}${hostPart(t)}${t.port !== 514 ? `:${t.port}` : ''}`;
const show = (t: SyslogTarget) => `${t.transport === 'tcp' ? 'tcp://' : ''}${hostPart(t)}${t.port !== 514 ? `:${t.port}` : ''}`;

export const SYSLOG_KEYS = declareKeys('syslog', {
  SYSLOG_HOST: k('syslog', T.syslogTargets, unset, 'forward all system log messages to these hosts (UDP 514; `@@host:port` for TCP)'),
});

export const planSyslog = definePlanner(SYSLOG_KEYS, (ctx) => {
  const { config } = ctx;
  if (config.nonEmpty('SYSLOG_HOST') === undefined) return skipped('syslog', 'SYSLOG_HOST is not set: logs stay on the client');
  const problems: Problem[] = [];
  const hosts: SyslogTarget[] = [];
  for (const v of config.list('SYSLOG_HOST')) {
    const r = checkTarget(config, 'SYSLOG_HOST', v);
    if (r.ok) hosts.push(r.value);
    else problems.push(r.problem);
  }
  if (hosts.length === 0) return skipped('syslog', 'no usable SYSLOG_HOST entry', problems);

  const keys = ['SYSLOG_HOST'];
  const why = `forward to ${hosts.map(show).join(', ')}`;
  const actions: Action[] = [{ kind: 'forward-agent-log', targets: hosts.map(show), keys, why: 'the agent\'s own log goes where the system log goes' }];
  if (present(ctx, '/etc/rsyslog.d') || present(ctx, '/usr/sbin/rsyslogd')) {
    const content = [generatedHeader(), ...hosts.map((h) => `*.* ${rule(h)}`)].join('\n') + '\n';
    actions.push({ kind: 'write-file', path: '/etc/rsyslog.d/90-ltsp.conf', content, keys, why: `rsyslog: ${why}` });
  }
  // sysklogd and busybox syslogd forward over UDP only; sysklogd only to port 514.
  const udp = hosts.filter((h) => h.transport === 'udp');
  if (present(ctx, '/etc/syslog.conf') && udp.some((h) => h.port === 514)) {
    const content = [generatedHeader(), '*.*\t-/var/log/messages', ...udp.filter((h) => h.port === 514).map((h) => `*.*\t${rule(h)}`)].join('\n') + '\n';
    actions.push({ kind: 'write-file', path: '/etc/syslog.conf', content, keys, why: `sysklogd: ${why}` });
  }
  if (present(ctx, '/etc/default/busybox-syslogd') && udp.length > 0) {
    // Sourced by a shell: every host is an address or a DNS name, nothing a shell would change.
    const opts = ['-L', ...udp.flatMap((h) => ['-R', `${hostPart(h)}:${h.port}`])].join(' ');
    actions.push({ kind: 'write-file', path: '/etc/default/busybox-syslogd', content: `${generatedHeader()}\nSYSLOG_OPTS="${opts}"\n`, keys, why: `busybox syslogd: ${why}` });
  }
  if (actions.length === 1) problems.push(warn(config, 'SYSLOG_HOST', 'no syslog daemon (rsyslog, sysklogd, busybox syslogd) in the client chroot: only the agent\'s own log is forwarded', 'install rsyslog in the client chroot'));
  return planned('syslog', [], actions, problems);
});
