import { strict as assert } from 'node:assert';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClientRoot, formatDoctor, nodeMajor, runDoctor } from '../../agent/cli/doctor.ts';

const dir = mkdtempSync(join(tmpdir(), 'doctor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(p: string, content = '', mode = 0o644): void {
  mkdirSync(join(dir, p, '..'), { recursive: true });
  writeFileSync(join(dir, p), content, { mode });
}

describe('ltsp-agent doctor', () => {
  it('reads node versions', () => {
    assert.equal(nodeMajor('v18.20.4\n'), 18);
    assert.equal(nodeMajor('garbage'), undefined);
  });

  it('follows absolute symlinks inside the client root, not on the host', async () => {
    file('usr/lib/ltsp-agent/ltsp-agent', '#!/usr/bin/env node\n', 0o755);
    mkdirSync(join(dir, 'usr/bin'), { recursive: true });
    symlinkSync('/usr/lib/ltsp-agent/ltsp-agent', join(dir, 'usr/bin/ltsp-agent'));
    const r = new ClientRoot(dir);
    assert.equal(await r.resolve('/usr/bin/ltsp-agent'), join(dir, 'usr/lib/ltsp-agent/ltsp-agent'));
    assert.ok(await r.executable('/usr/bin/ltsp-agent'));
    assert.equal(await r.exists('/usr/bin/nothing'), false);
  });

  it("says what is missing from a bare chroot, and that LTSP 5's init-ltsp is not ours", async () => {
    file('sbin/init-ltsp', '#!/bin/sh\n. /usr/share/ltsp/ltsp-client-functions\n', 0o755);
    const results = await runDoctor(dir);
    const by = (n: string) => results.find((r) => r.name === n);
    assert.equal(by('node')?.level, 'fail');
    assert.equal(by('agent')?.level, 'ok');
    assert.equal(by('init-ltsp')?.level, 'fail');
    assert.match(by('init-ltsp')?.detail ?? '', /LTSP 5's/);
    assert.equal(by('ssh_known_hosts')?.level, 'fail');
    assert.equal(by('sound')?.level, 'warn');
    assert.match(formatDoctor(results, dir), /required things are missing/);
  });

  it('accepts a known_hosts file with keys', async () => {
    file('etc/ssh/ssh_known_hosts', '# comment\nserver ssh-ed25519 AAAA\n');
    const results = await runDoctor(dir);
    assert.equal(results.find((r) => r.name === 'ssh_known_hosts')?.level, 'ok');
  });
});

it('hardware: SSE2 on x86 and the RAM, from /proc/cpuinfo and /proc/meminfo', async () => {
  const { hardwareChecks } = await import('../../agent/cli/doctor.ts');
  const cpu = (flags: string) => `processor\t: 0\nmodel name\t: Some CPU\nflags\t\t: ${flags}\n`;
  const mem = (kb: number) => `MemTotal:       ${kb} kB\nMemFree:        1000 kB\n`;
  const by = (rs: { name: string; level: string; detail: string }[], name: string) => rs.find((r) => r.name === name)!;

  const p4 = hardwareChecks(cpu('fpu vme de pse tsc msr pae mce cx8 sep mtrr pge cmov mmx fxsr sse sse2'), mem(1024 * 1024), 'i686');
  assert.equal(by(p4, 'cpu').level, 'ok');
  assert.equal(by(p4, 'ram').level, 'ok');
  assert.match(by(p4, 'ram').detail, /^1024 MiB$/);

  const p3 = hardwareChecks(cpu('fpu vme de pse tsc msr pae mce cx8 sep mtrr pge cmov mmx fxsr sse'), mem(256 * 1024), 'i686');
  assert.equal(by(p3, 'cpu').level, 'fail');
  assert.match(by(p3, 'cpu').detail, /no SSE2/);
  assert.equal(by(p3, 'ram').level, 'warn');
  assert.match(by(p3, 'ram').detail, /256 MiB/);

  const unreadable = hardwareChecks(undefined, undefined, 'x86_64');
  assert.deepEqual(unreadable.map((r) => r.level), ['warn', 'warn']);

  const arm = hardwareChecks('Features\t: half thumb fastmult vfp edsp neon\n', mem(2 * 1024 * 1024), 'armv7l');
  assert.deepEqual(arm.map((r) => r.name), ['ram'], 'no SSE2 question off x86');
});
