import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseCmdline, splitCmdline } from '../../agent/facts/cmdline.ts';
import { gatherFacts, FALLBACK_SERVER } from '../../agent/facts/gather.ts';
import { leaseFromAssignments, parseDhclientLeases, parseShellAssignments } from '../../agent/facts/lease.ts';
import { effectiveHostname as computeHostname, hostPart } from '../../agent/steps/hostname.ts';
import { Config } from '../../agent/config/config.ts';

test('kernel command line: quotes, ltsp.* keys, BOOTIF, ip=, LTSP boot flag', () => {
  const c = parseCmdline(
    'BOOT_IMAGE=/ltsp/i386/vmlinuz ro initrd=initrd.img real_init=/sbin/init-ltsp ltsp.server=10.0.0.5 ltsp.ltsconf=lab.conf ' +
      'ip=192.168.67.20:192.168.67.1:192.168.67.254:255.255.255.0 BOOTIF=01-00-1E-68-C2-FF-EE quiet "x=a b"',
  );
  assert.equal(c.bootImage, '/ltsp/i386/vmlinuz');
  assert.deepEqual(c.ltspKeys, { SERVER: '10.0.0.5', LTSCONF: 'lab.conf' });
  assert.equal(c.ip?.client, '192.168.67.20');
  assert.equal(c.ip?.server, '192.168.67.1');
  assert.equal(c.ip?.netmask, '255.255.255.0');
  assert.equal(c.bootif, '00:1e:68:c2:ff:ee');
  assert.equal(c.ltspBoot, true);
  assert.deepEqual(splitCmdline('a "b c" d'), ['a', 'b c', 'd']);
});

test('nbdroot and nfsroot forms', () => {
  assert.deepEqual(parseCmdline('nbdroot=10.0.0.1:10809/ltsp_i386').root, { kind: 'nbd', host: '10.0.0.1', port: 10809, name: 'ltsp_i386' });
  assert.deepEqual(parseCmdline('nbdroot=10.0.0.1:/opt/ltsp/i386').root, { kind: 'nbd', host: '10.0.0.1', name: '/opt/ltsp/i386' });
  assert.deepEqual(parseCmdline('nbdroot=server:ltsp').root, { kind: 'nbd', host: 'server', name: 'ltsp' });
  assert.deepEqual(parseCmdline('nbdroot=[fd00::1]:2000').root, { kind: 'nbd', host: 'fd00::1', port: 2000 });
  assert.deepEqual(parseCmdline('root=/dev/nfs nfsroot=10.0.0.2:/opt/ltsp/i686,vers=3').root, { kind: 'nfs', server: '10.0.0.2', path: '/opt/ltsp/i686' });
  assert.equal(parseCmdline('quiet').ltspBoot, false);
});

test('klibc net-*.conf and udhcpc dumps map to one lease shape', () => {
  const klibc = leaseFromAssignments(
    parseShellAssignments("DEVICE='eth0'\nIPV4ADDR='192.168.67.20'\nIPV4NETMASK='255.255.255.0'\nIPV4DNS0='192.168.67.1'\nIPV4DNS1='0.0.0.0'\nROOTSERVER='192.168.67.1'\nfilename='/ltsp/i386/pxelinux.0'\nDNSDOMAIN='school.lan'\n"),
  );
  assert.deepEqual(klibc, {
    device: 'eth0', ip: '192.168.67.20', netmask: '255.255.255.0', server: '192.168.67.1',
    dns: ['192.168.67.1'], domain: 'school.lan', filename: '/ltsp/i386/pxelinux.0', problems: [],
  });
  const udhcpc = leaseFromAssignments(parseShellAssignments('interface=eth0\nip=10.0.2.15\nsubnet=255.255.255.0\nrouter="10.0.2.2"\nsiaddr=10.0.2.2\ndns="10.0.2.3"\nboot_file=/ltsp/x86_64/lts.conf\n'));
  assert.equal(udhcpc.server, '10.0.2.2');
  assert.equal(udhcpc.filename, '/ltsp/x86_64/lts.conf');
  assert.deepEqual(udhcpc.dns, ['10.0.2.3']);
});

// As ISC dhclient 4.4 writes it: an older lease first, the one in force last.
const DHCLIENT_LEASES = `default-duid "\\000\\001\\000\\001";
lease {
  interface "eth0";
  fixed-address 10.0.0.99;
  option dhcp-server-identifier 10.0.0.1;
  expire 1 2026/11/23 10:00:00;
}
lease {
  interface "enp0s3";
  fixed-address 192.168.67.21;
  filename "/ltsp/amd64/pxelinux.0";
  server-name "ltsp-server";
  next-server 192.168.67.2;
  option subnet-mask 255.255.255.0;
  option routers 192.168.67.254,192.168.67.253;
  option dhcp-lease-time 21600;
  option domain-name-servers 192.168.67.1, 9.9.9.9;
  option dhcp-server-identifier 192.168.67.1;
  option domain-name "school.lan lab.lan"; # search list: the first is the domain
  option host-name "pc21";
  renew 3 2026/11/25 16:12:01;
  rebind 3 2026/11/25 18:42:01;
  expire 3 2026/11/25 19:27:01;
}
`;

test('dhclient lease file: the last complete block, next-server before the server id, quoted and listed values', () => {
  assert.deepEqual(parseDhclientLeases(DHCLIENT_LEASES), {
    device: 'enp0s3', ip: '192.168.67.21', netmask: '255.255.255.0', gateway: '192.168.67.254', server: '192.168.67.2',
    hostname: 'pc21', dns: ['192.168.67.1', '9.9.9.9'], domain: 'school.lan', filename: '/ltsp/amd64/pxelinux.0', problems: [],
  });
  const noNext = parseDhclientLeases('lease { fixed-address 10.1.1.5; option dhcp-server-identifier 10.1.1.1; option host-name "a;b}c"; }');
  assert.equal(noNext?.server, '10.1.1.1');
  // a ; or } inside quotes does not end the statement: the whole value reaches the check, which refuses it
  assert.equal(noNext?.hostname, undefined);
  assert.equal(noNext?.problems.length, 1);
  assert.match(noNext!.problems[0]!.message, /"a;b\}c" is not a DNS name/);
  assert.equal(noNext!.problems[0]!.where.key, 'new_host_name');
});

test('dhclient lease file: garbage, a truncated block or no block at all gives no lease, never a throw', () => {
  assert.equal(parseDhclientLeases(''), undefined);
  assert.equal(parseDhclientLeases('lease {\n  fixed-address 10.0.0.5;\n  option routers'), undefined, 'cut off mid-write');
  assert.equal(parseDhclientLeases('\u0000\u00ff}}}{{;;"unterminated'), undefined);
  const oldThenCut = DHCLIENT_LEASES.split('lease {').slice(0, 2).join('lease {') + 'lease {\n  fixed-address 1.2.3.4;';
  assert.equal(parseDhclientLeases(oldThenCut)?.ip, '10.0.0.99', 'the last complete block wins over a torn one');
});

test('dracut dhcpopts (dhclient new_* variables) map to the same lease shape', () => {
  const l = leaseFromAssignments(parseShellAssignments("new_ip_address='10.9.0.20'\nnew_subnet_mask='255.255.0.0'\nnew_routers='10.9.0.1 10.9.0.2'\nnew_domain_name_servers='10.9.0.1 10.9.0.3'\nnew_next_server='10.9.0.5'\nnew_host_name='lab20'\nnew_filename='/ltsp/i386/pxelinux.0'\n"));
  assert.deepEqual(l, {
    ip: '10.9.0.20', netmask: '255.255.0.0', gateway: '10.9.0.1', server: '10.9.0.5',
    hostname: 'lab20', dns: ['10.9.0.1', '10.9.0.3'], filename: '/ltsp/i386/pxelinux.0', problems: [],
  });
});

test('gatherFacts: a dracut client with only dhclient files (moved to /run/ltsp as LTSP 5 did) gets its lease facts', async () => {
  const root = mkdtempSync(join(tmpdir(), 'facts-dhclient-'));
  try {
    mkdirSync(join(root, 'run/ltsp'), { recursive: true });
    writeFileSync(join(root, 'run/ltsp/dhclient.enp0s3.lease'), DHCLIENT_LEASES);
    const f = await gatherFacts({ root, overrides: { hermetic: true, mac: '02:00:00:00:00:21', cmdline: 'ro quiet' } });
    assert.deepEqual([f.ip, f.server, f.prefixLength, f.gateway, f.dns, f.dnsDomain, f.dhcpHostname, f.dhcpFilename], [
      { value: '192.168.67.21', source: 'lease' }, { value: '192.168.67.2', source: 'lease' }, 24, '192.168.67.254',
      ['192.168.67.1', '9.9.9.9'], 'school.lan', 'pc21', '/ltsp/amd64/pxelinux.0',
    ]);
    // dracut's dhcpopts name the interface only in the file name; klibc's net-*.conf wins over both
    writeFileSync(join(root, 'run/ltsp/net.enp0s3.dhcpopts'), "new_ip_address='192.168.67.22'\nnew_dhcp_server_identifier='192.168.67.3'\n");
    const opts = await gatherFacts({ root, overrides: { hermetic: true, cmdline: 'ro' } });
    assert.equal(opts.ip?.value, '192.168.67.22');
    writeFileSync(join(root, 'run/ltsp/net-enp0s3.conf'), "DEVICE='enp0s3'\nIPV4ADDR='192.168.67.23'\n");
    assert.equal((await gatherFacts({ root, overrides: { hermetic: true, cmdline: 'ro' } })).ip?.value, '192.168.67.23');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('gatherFacts from a client tree: lease, probed programs, server precedence', async () => {
  const root = mkdtempSync(join(tmpdir(), 'facts-'));
  try {
    mkdirSync(join(root, 'run/ltsp'), { recursive: true });
    writeFileSync(join(root, 'run/ltsp/net-eth0.conf'), "DEVICE='eth0'\nIPV4ADDR='192.168.67.20'\nROOTSERVER='192.168.67.9'\nHOSTNAME='lab-07'\n");
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(join(root, 'usr/bin/pulseaudio'), '');
    const f = await gatherFacts({ root, overrides: { hermetic: true, mac: '02:00:00:00:00:07', cmdline: 'ro quiet' } });
    assert.equal(f.ip?.value, '192.168.67.20');
    assert.equal(f.ip?.source, 'lease');
    assert.equal(f.server?.value, '192.168.67.9');
    assert.equal(f.dhcpHostname, 'lab-07');
    assert.ok(f.present.has('/usr/bin/pulseaudio'));
    assert.ok(!f.present.has('/usr/sbin/ldm'));
    const viaCmdline = await gatherFacts({ root, overrides: { hermetic: true, cmdline: 'nbdroot=10.1.1.1:ltsp ltsp.server=10.2.2.2' } });
    assert.equal(viaCmdline.server?.value, '10.2.2.2', 'ltsp.server= wins over the root server');
    const none = await gatherFacts({ overrides: { hermetic: true } });
    assert.equal(none.server?.value, FALLBACK_SERVER);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('hostname: HOSTNAME first word, DHCP, else base + IP host part or MAC', () => {
  const facts = { mac: { value: '00:1e:68:c2:ff:ee', source: 'flag' }, ip: { value: '192.168.67.20', source: 'flag' }, prefixLength: 24, dns: [], arch: 'x86_64', ramMiB: 512, root: { kind: 'local' }, cmdlineKeys: {}, ltspBoot: false, present: new Set<string>() } as const;
  assert.equal(computeHostname(Config.fromRecord({ HOSTNAME: 'lab07 extra' }), facts), 'lab07');
  assert.equal(computeHostname(Config.fromRecord({}), facts), 'ltsp20');
  assert.equal(computeHostname(Config.fromRecord({ HOSTNAME_BASE: 'pc', HOSTNAME_EXTRA: 'mac' }), facts), 'pc00-1e-68-c2-ff-ee');
  assert.equal(computeHostname(Config.fromRecord({}), { ...facts, dhcpHostname: 'fromdhcp' }), 'fromdhcp');
  assert.equal(hostPart('10.1.2.3', 16), 2 * 256 + 3);
});
