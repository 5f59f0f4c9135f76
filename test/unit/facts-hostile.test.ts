// Hostile DHCP leases and kernel command lines: the values a rogue DHCP server (or a boot
// loader entry) hands out are input like lts.conf values. Each format the agent reads (klibc
// net-*.conf, udhcpc's dump, dracut's dhcpopts, ISC dhclient's lease file) and ip=, nbdroot=,
// nfsroot=, BOOT_IMAGE=, ltsp.server=: a bad value is dropped with LTSP_FACT_INVALID naming the
// variable and the file, the good values around it stay, and nothing of it reaches a file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makePlan } from '../../agent/boot/make-plan.ts';
import { parseCmdline } from '../../agent/facts/cmdline.ts';
import { gatherFacts } from '../../agent/facts/gather.ts';
import { leaseFromAssignments, parseDhclientLeases, parseShellAssignments, type Lease } from '../../agent/facts/lease.ts';
import { PROBED_PATHS } from '../../agent/facts/types.ts';

const EVIL = ['x;$(id)#', 'a b', 'x`id`', "x'y", 'x\ty', '-oProxyCommand=x', '../x', 'x'.repeat(300), 'a/b', '$(reboot)'];

function refused(lease: Lease, variable: string, file?: string): void {
  const p = lease.problems.find((x) => x.where.key === variable);
  assert.ok(p, `no problem for ${variable}: ${JSON.stringify(lease.problems)}`);
  assert.equal(p.code, 'LTSP_FACT_INVALID');
  if (file) assert.equal(p.where.file, file);
}

test('klibc net-*.conf: every field with a hostile value is dropped and named', () => {
  for (const evil of EVIL) {
    const text = [
      `DEVICE='${evil}'`, `IPV4ADDR='${evil}'`, `IPV4NETMASK='${evil}'`, `IPV4GATEWAY='${evil}'`, `IPV4DNS0='${evil}'`, "IPV4DNS1='10.0.0.53'",
      `ROOTSERVER='${evil}'`, `HOSTNAME='${evil}'`, `DNSDOMAIN='${evil}'`, `filename='${evil}'`,
    ].join('\n');
    const l = leaseFromAssignments(parseShellAssignments(text), '/run/net-eth0.conf');
    // a boot file name may hold "/" and "-": refused only for shell syntax, spaces, quotes, "..", length
    if (/[^A-Za-z0-9_./+~:@-]|(^|\/)\.\.(\/|$)/.test(evil) || evil.length > 255) assert.equal(l.filename, undefined, `filename = ${JSON.stringify(evil)}`);
    for (const k of ['device', 'ip', 'netmask', 'gateway', 'server', 'hostname'] as const) assert.equal(l[k], undefined, `${k} = ${JSON.stringify(evil)}`);
    // DNSDOMAIN may be a search list ("a b"): its first word is the domain, and only a good one is taken
    assert.ok(l.domain === undefined || (/\s/.test(evil) && l.domain === evil.split(/\s/)[0]), `domain = ${JSON.stringify(l.domain)}`);
    assert.deepEqual(l.dns, ['10.0.0.53'], 'the good DNS server stays');
    // a value that has no quote or space in it survives parseShellAssignments verbatim: named
    if (!/['\s]/.test(evil)) for (const k of ['DEVICE', 'IPV4ADDR', 'ROOTSERVER', 'HOSTNAME', 'DNSDOMAIN']) refused(l, k, '/run/net-eth0.conf');
  }
});

test('the example of the review: DNSDOMAIN=\'x;$(id)#\' is refused; a good domain next to it is not', () => {
  const l = leaseFromAssignments(parseShellAssignments("IPV4ADDR='10.0.0.20'\nDNSDOMAIN='x;$(id)#'\nHOSTNAME='pc20'\n"), 'net-eth0.conf');
  assert.equal(l.domain, undefined);
  assert.equal(l.hostname, 'pc20');
  assert.equal(l.ip, '10.0.0.20');
  refused(l, 'DNSDOMAIN', 'net-eth0.conf');
  assert.match(l.problems[0]!.message, /"x;\$\(id\)#" is not a DNS name/);
});

test('udhcpc and dracut dhcpopts: a bad variable falls through to the next one naming the same fact', () => {
  const u = leaseFromAssignments(parseShellAssignments('ip=10.0.2.15\nsiaddr=10.0.2.2;reboot\nserverid=10.0.2.3\nrouter="10.0.2.2 evil$(x)"\ndomain="lab;x"\nhostname=a|b\n'), 'udhcpc.env');
  assert.equal(u.server, '10.0.2.3', 'siaddr refused, serverid used');
  assert.equal(u.gateway, '10.0.2.2', 'the first router of the list');
  assert.equal(u.domain, undefined);
  assert.equal(u.hostname, undefined);
  for (const k of ['siaddr', 'domain', 'hostname']) refused(u, k, 'udhcpc.env');
  const d = leaseFromAssignments(parseShellAssignments("new_ip_address='10.9.0.20'\nnew_domain_name='x;$(id)#'\nnew_domain_name_servers='10.9.0.1 $(id) 10.9.0.3'\nnew_host_name='pc 20'\n"), 'net.eth0.dhcpopts');
  assert.deepEqual(d.dns, ['10.9.0.1', '10.9.0.3']);
  assert.equal(d.domain, undefined);
  for (const k of ['new_domain_name', 'new_domain_name_servers', 'new_host_name']) refused(d, k, 'net.eth0.dhcpopts');
});

test('dhclient lease file: quoted hostile values are refused after unquoting', () => {
  const l = parseDhclientLeases('lease {\n  interface "eth0;x";\n  fixed-address 10.1.1.5;\n  option domain-name "x;$(id)#";\n  option host-name "pc\\"1";\n  filename "/ltsp/../../etc/shadow";\n  option routers 10.1.1.1;\n}\n', '/var/lib/dhclient/dhclient.leases')!;
  assert.equal(l.ip, '10.1.1.5');
  assert.equal(l.gateway, '10.1.1.1');
  for (const k of ['device', 'domain', 'hostname', 'filename'] as const) assert.equal(l[k], undefined, k);
  for (const k of ['interface', 'new_domain_name', 'new_host_name', 'new_filename']) refused(l, k, '/var/lib/dhclient/dhclient.leases');
});

test('kernel command line: ip= fields, nbdroot/nfsroot hosts, BOOT_IMAGE are checked; good fields stay', () => {
  const c = parseCmdline('BOOT_IMAGE="/ltsp/i386/vmlinuz x" ip=10.0.0.20:10.0.0.1;x:10.0.0.254:255.255.255.0:pc$(id):eth0;rm:off nbdroot=$(id):10809 init=/sbin/init-ltsp');
  assert.equal(c.bootImage, undefined);
  assert.deepEqual(c.ip, { client: '10.0.0.20', server: undefined, gateway: '10.0.0.254', netmask: '255.255.255.0', hostname: undefined, device: undefined });
  assert.deepEqual(c.root, { kind: 'local' });
  const named = c.problems.map((p) => p.where.key).sort();
  assert.deepEqual(named, ['BOOT_IMAGE', 'ip= device', 'ip= host name', 'ip= server address', 'nbdroot']);
  assert.ok(c.problems.every((p) => p.code === 'LTSP_FACT_INVALID' && p.where.file === '/proc/cmdline'));
  assert.ok(c.ltspBoot, 'the rest of the line is still read');
  assert.deepEqual(parseCmdline('root=/dev/nfs nfsroot=a;b:/opt/ltsp/i386').root, { kind: 'local' });
  assert.equal(parseCmdline('ip=10.0.0.20:10.0.0.1:10.0.0.254:255.255.255.0:pc20.lab.lan:eth0:off').problems.length, 0);
});

test('a hostile lease and command line end to end: facts without the bad values, problems in the plan, nothing in /etc/hosts or resolv.conf', async () => {
  const root = mkdtempSync(join(tmpdir(), 'facts-hostile-'));
  try {
    mkdirSync(join(root, 'run'), { recursive: true });
    writeFileSync(join(root, 'run/net-eth0.conf'), "DEVICE='eth0'\nIPV4ADDR='10.0.0.20'\nIPV4DNS0='10.0.0.1'\nROOTSERVER='10.0.0.1'\nDNSDOMAIN='x;$(id)#'\nHOSTNAME='pc$(id)'\n");
    const facts = await gatherFacts({ root, overrides: { hermetic: true, cmdline: 'init=/sbin/init-ltsp ltsp.server=srv;reboot' } });
    assert.equal(facts.dnsDomain, undefined);
    assert.equal(facts.dhcpHostname, undefined);
    assert.equal(facts.server?.value, '10.0.0.1', 'ltsp.server refused: the lease server is used');
    const keys = (facts.problems ?? []).map((p) => p.where.key).sort();
    assert.deepEqual(keys, ['DNSDOMAIN', 'HOSTNAME', 'ltsp.server']);
    const { plan } = makePlan({ facts: { ...facts, present: new Set(PROBED_PATHS) }, conf: undefined, source: { used: 'none', why: 'test' } });
    assert.ok(plan.problems.some((p) => p.code === 'LTSP_FACT_INVALID' && p.where.key === 'DNSDOMAIN' && p.where.file === '/run/net-eth0.conf'));
    const files = JSON.stringify(plan.steps.flatMap((s) => s.actions.filter((a) => a.kind === 'write-file' && (a.path === '/etc/hosts' || a.path.endsWith('resolv.conf')))));
    assert.ok(files.includes('/etc/hosts'), 'the hosts file is planned');
    assert.doesNotMatch(files, /\$\(id\)|x;/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
