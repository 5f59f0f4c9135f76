// hostname, dns, time, syslog, modules, fstab, cron, rcfiles, init-commands, machine-id,
// interfaces, screens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planCron } from '../../agent/steps/cron.ts';
import { planDns } from '../../agent/steps/dns.ts';
import { planFstab } from '../../agent/steps/fstab.ts';
import { effectiveHostname, planHostname } from '../../agent/steps/hostname.ts';
import { planInitCommands } from '../../agent/steps/init-commands.ts';
import { planInterfaces } from '../../agent/steps/interfaces.ts';
import { planMachineId } from '../../agent/steps/machine-id.ts';
import { planModules } from '../../agent/steps/modules.ts';
import { planRcfiles } from '../../agent/steps/rcfiles.ts';
import { planScreens, SCREENS_FILE } from '../../agent/steps/screens.ts';
import { planSyslog } from '../../agent/steps/syslog.ts';
import { planTime } from '../../agent/steps/time.ts';
import { allText, confOf, ctxOf, factsOf, fileContent, refusalOf, runs } from './steps-fixtures.ts';

const body = (s: string | undefined) => s?.split('\n').slice(1).join('\n');

test('hostname: LTSP 5 rules (HOSTNAME first word, DHCP, base + IP host part or MAC)', () => {
  assert.equal(effectiveHostname(confOf({ HOSTNAME: 'pc07 extra' }), factsOf()), 'pc07');
  assert.equal(effectiveHostname(confOf({}), factsOf([], { dhcpHostname: 'dhcp-name' })), 'dhcp-name');
  assert.equal(effectiveHostname(confOf({}), factsOf()), 'ltsp20');
  assert.equal(effectiveHostname(confOf({}), factsOf([], { ip: { value: '10.1.2.3', source: 'flag' }, prefixLength: 16 })), 'ltsp515');
  assert.equal(effectiveHostname(confOf({ HOSTNAME_BASE: 'pc', HOSTNAME_EXTRA: 'mac' }), factsOf()), 'pc00-1e-68-c2-ff-ee');
  assert.equal(effectiveHostname(confOf({ HOSTNAME: 'bad;name' }), factsOf()), 'ltsp20', 'an unusable HOSTNAME falls through');
});

test('hostname: /etc/hostname, /etc/hosts with domain, server alias and HOSTS_* lines', () => {
  const p = planHostname(ctxOf({ SEARCH_DOMAIN: 'school.lan', SERVER_NAME: 'ltsp', HOSTS_02: '10.0.0.9 nas', HOSTS_01: '10.0.0.8 printer' }, [], {}, { hostname: 'pc20' }));
  assert.deepEqual(p.actions[0], { kind: 'set-hostname', hostname: 'pc20', keys: ['HOSTNAME', 'HOSTNAME_BASE', 'HOSTNAME_EXTRA'], why: 'the kernel host name' });
  assert.equal(fileContent(p, '/etc/hostname'), 'pc20\n');
  assert.equal(
    body(fileContent(p, '/etc/hosts')),
    '127.0.0.1\tlocalhost\n127.0.0.2\tpc20.school.lan pc20\n192.168.67.1\tltsp\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n10.0.0.8 printer\n10.0.0.9 nas\n',
  );
});

test('hostname: hostile values refused with their key; a bad computed name never reaches a file', () => {
  const p = planHostname(ctxOf({ HOSTNAME: 'pc$(reboot)', HOSTS_01: '1.2.3.4 a\n5.6.7.8 b', SEARCH_DOMAIN: 'x;y' }, [], {}, { hostname: 'pc$(reboot)' }));
  refusalOf(p, 'HOSTNAME');
  refusalOf(p, 'HOSTS_01');
  refusalOf(p, 'SEARCH_DOMAIN');
  assert.ok(!allText(p).includes('reboot') && !allText(p).includes('5.6.7.8'));
  assert.equal(fileContent(p, '/etc/hostname'), 'ltsp20\n');
});

test('dns: resolv.conf, resolvconf base, systemd-resolved drop-in; DHCP defaults; nothing to do', () => {
  assert.equal(body(fileContent(planDns(ctxOf({ DNS_SERVER: '10.0.0.1 10.0.0.2', SEARCH_DOMAIN: 'a.lan b.lan' })), '/etc/resolv.conf')), 'search a.lan b.lan\nnameserver 10.0.0.1\nnameserver 10.0.0.2\n');
  assert.equal(body(fileContent(planDns(ctxOf({})), '/etc/resolv.conf')), 'search school.lan\nnameserver 192.168.67.1\n');
  assert.ok(fileContent(planDns(ctxOf({}, ['/sbin/resolvconf'])), '/etc/resolvconf/resolv.conf.d/base'));
  assert.equal(body(fileContent(planDns(ctxOf({}, ['/etc/systemd/resolved.conf'])), '/etc/systemd/resolved.conf.d/ltsp.conf')), '[Resolve]\nDNS=192.168.67.1\nDomains=school.lan\n');
  assert.match(planDns(ctxOf({}, [], { dns: [], dnsDomain: undefined })).skipped!, /no DNS_SERVER/);
  const evil = planDns(ctxOf({ DNS_SERVER: '10.0.0.1 evil\nnameserver' }));
  refusalOf(evil, 'DNS_SERVER');
  assert.ok(!allText(evil).includes('evil'));
});

test('time: zone link, ntpdate + hwclock, timesyncd; auto = SERVER; names wait for DNS', () => {
  const p = planTime(ctxOf({ TIMEZONE: 'Europe/Paris', TIMESERVER: 'auto', HWCLOCK: 'localtime' }, ['/usr/share/zoneinfo', '/usr/sbin/ntpdate', '/sbin/hwclock', '/etc/systemd/system']));
  assert.deepEqual(p.actions[0], { kind: 'symlink', path: '/etc/localtime', target: '/usr/share/zoneinfo/Europe/Paris', keys: ['TIMEZONE'], why: 'the local time zone' });
  assert.deepEqual(runs(p), [['/usr/sbin/ntpdate', '-b', '-p', '1', '192.168.67.1'], ['/sbin/hwclock', '--systohc', '--localtime', '--noadjfile']]);
  assert.match(fileContent(p, '/etc/systemd/timesyncd.conf.d/ltsp.conf')!, /NTP=192\.168\.67\.1/);
  assert.deepEqual(planTime(ctxOf({ TIMESERVER: 'ntp.school.lan' }, ['/usr/sbin/ntpdate'])).needs, ['dns', 'hostname']);
  assert.match(planTime(ctxOf({})).skipped!, /not set/);
  const viaServer = planTime(ctxOf({ TIMESERVER: 'auto', SERVER: '-q;reboot' }, ['/usr/sbin/ntpdate'], {}, { server: '-q;reboot' }));
  assert.match(refusalOf(viaServer, 'SERVER'), /not a host name/);
  assert.ok(!allText(viaServer).includes('reboot'));
  const evil = planTime(ctxOf({ TIMEZONE: '../../../etc/shadow', TIMESERVER: '-q;reboot' }, ['/usr/sbin/ntpdate']));
  refusalOf(evil, 'TIMEZONE');
  refusalOf(evil, 'TIMESERVER');
  assert.ok(!allText(evil).includes('shadow') && !allText(evil).includes('reboot'));
});

test('syslog: rsyslog, sysklogd (local log kept), busybox syslogd; nothing without SYSLOG_HOST', () => {
  const all = planSyslog(ctxOf({ SYSLOG_HOST: '10.0.0.1 log.school.lan' }, ['/etc/rsyslog.d', '/etc/syslog.conf', '/etc/default/busybox-syslogd']));
  assert.equal(body(fileContent(all, '/etc/rsyslog.d/90-ltsp.conf')), '*.* @10.0.0.1\n*.* @log.school.lan\n');
  assert.equal(body(fileContent(all, '/etc/syslog.conf')), '*.*\t-/var/log/messages\n*.*\t@10.0.0.1\n*.*\t@log.school.lan\n');
  assert.equal(body(fileContent(all, '/etc/default/busybox-syslogd')), 'SYSLOG_OPTS="-L -R 10.0.0.1:514 -R log.school.lan:514"\n');
  assert.match(planSyslog(ctxOf({}, ['/etc/rsyslog.d'])).skipped!, /SYSLOG_HOST is not set/);
  // without a syslog daemon in the chroot, the agent's own log still goes there, and that is said
  const bare = planSyslog(ctxOf({ SYSLOG_HOST: '10.0.0.1 tcp://log.school.lan:1514' }, []));
  assert.deepEqual(bare.actions.map((a) => a.kind === 'forward-agent-log' && a.targets), [['10.0.0.1', 'tcp://log.school.lan:1514']]);
  assert.match(refusalOf(bare, 'SYSLOG_HOST'), /no syslog daemon/);
  assert.deepEqual(all.actions.find((a) => a.kind === 'forward-agent-log'), { kind: 'forward-agent-log', targets: ['10.0.0.1', 'log.school.lan'], keys: ['SYSLOG_HOST'], why: "the agent's own log goes where the system log goes" });
  const evil = planSyslog(ctxOf({ SYSLOG_HOST: '10.0.0.1 "$(reboot)"' }, ['/etc/rsyslog.d', '/etc/default/busybox-syslogd']));
  refusalOf(evil, 'SYSLOG_HOST');
  assert.ok(!allText(evil).includes('reboot'));
});

test('modules: modprobe argv per MODULE_*, in sort -V order, best effort', () => {
  const p = planModules(ctxOf({ MODULE_10: 'nbd', MODULE_2: 'snd-hda-intel model=auto', MODULE_3: 'x;reboot' }));
  assert.deepEqual(runs(p), [['modprobe', '--', 'snd-hda-intel', 'model=auto'], ['modprobe', '--', 'nbd']]);
  assert.ok(p.actions.every((a) => a.kind === 'run' && a.bestEffort));
  refusalOf(p, 'MODULE_3');
  assert.match(planModules(ctxOf({})).skipped!, /no MODULE_/);
});

test('fstab: proc, tmpfs /tmp, NFS_HOME, FSTAB_*; CONFIGURE_FSTAB=False keeps the image\'s', () => {
  const p = planFstab(ctxOf({ NFS_HOME: '/home', FSTAB_1: 'srv:/data /mnt/data nfs ro 0 0', FSTAB_2: 'srv:/x /../etc nfs ro 0 0', FSTAB_3: 'a b\nc d e f' }));
  assert.equal(body(fileContent(p, '/etc/fstab')), 'proc\t/proc\tproc\tdefaults\t0\t0\ntmpfs\t/tmp\ttmpfs\tdefaults,nosuid,nodev,mode=1777\t0\t0\n192.168.67.1:/home\t/home\tnfs\tdefaults\t0\t0\nsrv:/data\t/mnt/data\tnfs\tro\t0\t0\n');
  refusalOf(p, 'FSTAB_2');
  refusalOf(p, 'FSTAB_3');
  assert.match(planFstab(ctxOf({ CONFIGURE_FSTAB: 'False' })).skipped!, /CONFIGURE_FSTAB is false/);
});

test('cron: SHUTDOWN_TIME and CRONTAB_* lines into /etc/cron.d/ltsp', () => {
  const p = planCron(ctxOf({ SHUTDOWN_TIME: '22:30', CRONTAB_01: '0 7 * * 1-5 root /usr/sbin/ntpdate 10.0.0.1', CRONTAB_02: '* * * * * root curl x | sh' }, ['/usr/sbin/cron']));
  const lines = fileContent(p, '/etc/cron.d/ltsp')!.split('\n');
  assert.ok(lines.includes('0 7 * * 1-5 root /usr/sbin/ntpdate 10.0.0.1'));
  assert.ok(lines.some((l) => l.startsWith('30 22 * * * root ')));
  refusalOf(p, 'CRONTAB_02');
  assert.ok(!allText(p).includes('curl'));
  assert.match(refusalOf(planCron(ctxOf({ SHUTDOWN_TIME: '25:00' })), 'SHUTDOWN_TIME'), /HH:MM/);
});

test('rcfiles: plain commands appended to rc.local after removing a final exit 0', () => {
  const p = planRcfiles(ctxOf({ RCFILE_01: '/usr/local/bin/a --x', RCFILE_02: 'echo hi > /etc/motd' }));
  assert.equal(runs(p)[0]![0], 'sed');
  const add = p.actions.find((a) => a.kind === 'append-lines');
  assert.deepEqual(add?.kind === 'append-lines' && [add.lines, add.header, add.mode], [['/usr/local/bin/a --x'], '#!/bin/sh', 0o755]);
  assert.match(refusalOf(p, 'RCFILE_02'), /shell syntax/);
  const openrc = planRcfiles(ctxOf({ RCFILE_01: '/usr/local/bin/a --x' }, ['/sbin/openrc']));
  assert.deepEqual(openrc.actions.map((a) => a.kind === 'write-file' && [a.path, a.mode]), [['/etc/local.d/ltsp-rcfiles.start', 0o755]]);
  assert.match(fileContent(openrc, '/etc/local.d/ltsp-rcfiles.start')!, /^#!\/bin\/sh\n.*\n\/usr\/local\/bin\/a --x\n$/);
});

test('init-commands: argv without a shell, after hostname, dns and modules', () => {
  const p = planInitCommands(ctxOf({ INIT_COMMAND_01: '/usr/local/sbin/inventory 10.0.0.1', INIT_COMMAND_02: 'rm -rf / ; reboot' }));
  assert.deepEqual(runs(p), [['/usr/local/sbin/inventory', '10.0.0.1']]);
  assert.deepEqual(p.needs, ['hostname', 'dns', 'modules']);
  refusalOf(p, 'INIT_COMMAND_02');
});

test('machine-id: from the MAC, in both places', () => {
  const p = planMachineId(ctxOf({}));
  assert.equal(fileContent(p, '/etc/machine-id'), '001e68c2ffee00000000000000000000\n');
  assert.equal(fileContent(p, '/var/lib/dbus/machine-id'), '001e68c2ffee00000000000000000000\n');
  assert.match(planMachineId(ctxOf({}, [], { mac: undefined })).skipped!, /MAC/);
});

test('interfaces: ifupdown and OpenRC keep off the boot interface', () => {
  const p = planInterfaces(ctxOf({ NET_DEVICE_METHOD: 'manual' }, ['/etc/network/interfaces', '/etc/conf.d']));
  assert.match(fileContent(p, '/etc/network/interfaces')!, /iface eth0 inet manual/);
  assert.match(fileContent(p, '/etc/conf.d/net')!, /config_eth0="noop"/);
  assert.match(refusalOf(planInterfaces(ctxOf({ NET_DEVICE_METHOD: 'dhcp\nup reboot' }, ['/etc/network/interfaces'])), 'NET_DEVICE_METHOD'), /plain word/);
  assert.match(planInterfaces(ctxOf({})).skipped!, /neither/);
});

test('screens: default SCREEN_07=ldm, SCREEN_DEFAULT fallback, per-screen overrides, script names only', () => {
  const table = (rec: Record<string, string>) => JSON.parse(fileContent(planScreens(ctxOf(rec)), SCREENS_FILE)!) as { screens: Array<{ vt: number; script: string; args: string[]; overrides: object }>; defaultVt: number };
  const brief = (t: ReturnType<typeof table>) => ({ screens: t.screens.map(({ vt, script, args, overrides }) => ({ vt, script, args, overrides })), defaultVt: t.defaultVt });
  assert.deepEqual(brief(table({})), { screens: [{ vt: 7, script: 'ldm', args: [], overrides: {} }], defaultVt: 7 });
  assert.deepEqual(brief(table({ DEFAULT_DISPLAY_MANAGER: '/usr/sbin/gdm3' })), { screens: [], defaultVt: undefined });
  const t = table({ SCREEN_02: 'shell', SCREEN_07: 'ldm', SCREEN_08: 'rdesktop -f 10.0.0.5', SCREEN_07_XKBLAYOUT: 'fr', SCREEN_DEFAULT: '02' });
  assert.deepEqual(t.screens.map((s) => [s.vt, s.script, s.args]), [[2, 'shell', []], [7, 'ldm', []], [8, 'rdesktop', ['-f', '10.0.0.5']]]);
  assert.deepEqual(t.screens[1]!.overrides, { XKBLAYOUT: 'fr' });
  assert.equal(t.defaultVt, 2);
  assert.equal(table({ SCREEN_02: 'shell', SCREEN_05: 'ldm', SCREEN_DEFAULT: '09' }).defaultVt, 5);
  const evil = planScreens(ctxOf({ SCREEN_03: '../../bin/sh', SCREEN_04: 'ldm; reboot' }));
  refusalOf(evil, 'SCREEN_03');
  refusalOf(evil, 'SCREEN_04');
});

test('cron: a CRONTAB_* line with % is refused naming its key; the other lines and SHUTDOWN_TIME stay', () => {
  const p = planCron(ctxOf({ SHUTDOWN_TIME: '22:30', CRONTAB_01: '0 7 * * * root /usr/bin/logger boot%id', CRONTAB_02: '0 8 * * * root /bin/true' }, ['/usr/sbin/cron']));
  assert.match(refusalOf(p, 'CRONTAB_01'), /%/);
  const text = fileContent(p, '/etc/cron.d/ltsp')!;
  assert.doesNotMatch(text, /%/);
  assert.match(text, /^0 8 \* \* \* root \/bin\/true$/m);
  assert.match(text, /^30 22 \* \* \* root /m);
});
