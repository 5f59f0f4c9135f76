import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseCmdline, splitCmdline } from '../../agent/facts/cmdline.ts';
import { gatherFacts, leaseFromAssignments, parseShellAssignments, FALLBACK_SERVER } from '../../agent/facts/gather.ts';
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
    device: 'eth0', ip: '192.168.67.20', netmask: '255.255.255.0', gateway: undefined, server: '192.168.67.1',
    hostname: undefined, dns: ['192.168.67.1'], domain: 'school.lan', filename: '/ltsp/i386/pxelinux.0',
  });
  const udhcpc = leaseFromAssignments(parseShellAssignments('interface=eth0\nip=10.0.2.15\nsubnet=255.255.255.0\nrouter="10.0.2.2"\nsiaddr=10.0.2.2\ndns="10.0.2.3"\nboot_file=/ltsp/x86_64/lts.conf\n'));
  assert.equal(udhcpc.server, '10.0.2.2');
  assert.equal(udhcpc.filename, '/ltsp/x86_64/lts.conf');
  assert.deepEqual(udhcpc.dns, ['10.0.2.3']);
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
