// lts.conf at boot: where it is asked for, and which copy is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archNames, ltsConfLocation, ltsConfProblem, obtainLtsConf } from '../../agent/boot/ltsconf-fetch.ts';
import { FileSystem } from '../../agent/exec/files.ts';
import { LtspError } from '../../agent/core/errors.ts';
import { silentLogger } from '../../agent/core/log.ts';
import type { ClientFacts } from '../../agent/facts/types.ts';
import type { GetOptions, GetResult } from '../../agent/net/tftp/client.ts';

function facts(over: Partial<ClientFacts> = {}): ClientFacts {
  return {
    server: { value: '192.168.67.1', source: 'lease' },
    dns: [],
    arch: 'i686',
    ramMiB: 512,
    root: { kind: 'local' },
    cmdlineKeys: {},
    ltspBoot: true,
    present: new Set(),
    ...over,
  };
}

test('path from BOOT_IMAGE, else DHCP filename, else /ltsp/<arch>/ with distribution names', () => {
  assert.deepEqual(ltsConfLocation(facts({ bootImage: '/ltsp/amd64/vmlinuz', dhcpFilename: '/ltsp/x/pxelinux.0' })), {
    server: '192.168.67.1', port: 69, paths: ['/ltsp/amd64/lts.conf'], how: 'directory of BOOT_IMAGE=/ltsp/amd64/vmlinuz',
  });
  const l = ltsConfLocation(facts({ dhcpFilename: 'ltsp/i386/pxelinux.0', cmdlineKeys: { LTSCONF: 'lab.conf' } }));
  assert.ok(typeof l !== 'string');
  assert.deepEqual(l.paths, ['ltsp/i386/lab.conf']);
  assert.match(l.how, /DHCP filename.*ltsp\.ltsconf=lab\.conf/);
  // A bare BOOT_IMAGE wins over the DHCP filename and falls back to the arch directory (as LTSP 5).
  const bare = ltsConfLocation(facts({ bootImage: 'vmlinuz', dhcpFilename: '/ltsp/i386/pxelinux.0' }));
  assert.ok(typeof bare !== 'string');
  assert.deepEqual(bare.paths, ['/ltsp/i686/lts.conf', '/ltsp/i386/lts.conf']);
  assert.match(bare.how, /architecture fallback.*no directory/);
  assert.deepEqual(archNames('x86_64'), ['x86_64', 'amd64']);
  assert.deepEqual(archNames('i386'), ['i386']);
  assert.equal(typeof ltsConfLocation(facts({ server: undefined })), 'string');
  const url = ltsConfLocation(facts(), 'tftp://10.1.1.1:1069/x/lts.conf');
  assert.ok(typeof url !== 'string' && url.server === '10.1.1.1' && url.port === 1069 && url.paths[0] === 'x/lts.conf');
});

test('validity: empty, garbage and binary are refused; comments-only and real files pass', () => {
  assert.match(ltsConfProblem(Buffer.alloc(0), 'x')!, /empty/);
  assert.match(ltsConfProblem(Buffer.from('<html><body>404</body></html>\n'), 'x')!, /does not parse/);
  assert.equal(ltsConfProblem(Buffer.from('# nothing yet\n'), 'x'), undefined);
  assert.equal(ltsConfProblem(Buffer.from('[default]\nSOUND=True\n'), 'x'), undefined);
});

function rig() {
  const dir = mkdtempSync(join(tmpdir(), 'ltsconf-'));
  mkdirSync(join(dir, 'etc'));
  return { dir, fs: new FileSystem(dir), done: () => rmSync(dir, { recursive: true, force: true }) };
}
const ok = (data: string) => async (): Promise<GetResult> => ({ data: Buffer.from(data), bytes: Buffer.byteLength(data), negotiated: { blksize: 1468, windowsize: 1 }, stats: { retransmits: 0, duplicates: 0, foreign: 0, malformed: 0, fellBack: false, smallerBlocks: false, restarts: 0 }, ms: 3 });

test('a good fetched copy replaces /etc/lts.conf (0600 when it holds LDM_PASSWORD)', async () => {
  const r = rig();
  try {
    writeFileSync(join(r.dir, 'etc/lts.conf'), '[default]\nOLD=1\n');
    const got = await obtainLtsConf({ facts: facts({ bootImage: '/ltsp/i386/vmlinuz' }), fs: r.fs, log: silentLogger, timeoutMs: 1000, get: ok('[default]\nLDM_PASSWORD=x\n') });
    assert.equal(got.source.used, 'tftp');
    assert.equal(got.source.location, 'tftp://192.168.67.1/ltsp/i386/lts.conf');
    assert.equal(readFileSync(join(r.dir, 'etc/lts.conf'), 'utf8'), '[default]\nLDM_PASSWORD=x\n');
    assert.equal(statSync(join(r.dir, 'etc/lts.conf')).mode & 0o777, 0o600);
  } finally {
    r.done();
  }
});

test('the fetched copy is root-only when any parsed key is a secret, however it is written', async () => {
  const cases: Array<[string, number]> = [
    ['[default]\n  "LDM_PASSWORD" = x\n', 0o600],
    ['[default]\nSCREEN_07_LDM_PASSWORD = x\n', 0o600],
    ['[default] ldm_password = x\n SERVER = 10.0.0.1\n', 0o600],
    ['[default]\nSERVER = 10.0.0.1\nLDM_PASSWORD = x = y\n', 0o600], // a broken line: cannot tell, so root-only
    ['[lab]\n\tLdm_Password\t=\t"x y"\n[default]\nSERVER=1.2.3.4\n', 0o600],
    ['[default]\nSERVER = 10.0.0.1\n# LDM_PASSWORD = not a key, a comment\nLDM_USERNAME=LDM_PASSWORD\n', 0o644],
  ];
  for (const [body, mode] of cases) {
    const r = rig();
    try {
      await obtainLtsConf({ facts: facts({ bootImage: '/ltsp/i386/vmlinuz' }), fs: r.fs, log: silentLogger, timeoutMs: 1000, get: ok(body) });
      assert.equal(statSync(join(r.dir, 'etc/lts.conf')).mode & 0o777, mode, JSON.stringify(body));
    } finally {
      r.done();
    }
  }
});

test('empty or unparseable download: the existing copy is kept and used, and the plan says why', async () => {
  for (const body of ['', '\x00\x01\x02 binary junk ]]] ===']) {
    const r = rig();
    try {
      writeFileSync(join(r.dir, 'etc/lts.conf'), '[default]\nOLD=1\n');
      const got = await obtainLtsConf({ facts: facts(), fs: r.fs, log: silentLogger, timeoutMs: 1000, get: ok(body) });
      assert.equal(got.source.used, 'local');
      assert.match(got.source.why, /was not used: .*using the 16-byte copy/);
      assert.equal(got.bytes?.toString(), '[default]\nOLD=1\n');
      assert.equal(readFileSync(join(r.dir, 'etc/lts.conf'), 'utf8'), '[default]\nOLD=1\n');
    } finally {
      r.done();
    }
  }
});

test('server down: the error is the why; no local copy gives "none"', async () => {
  const r = rig();
  try {
    const down = async (o: GetOptions): Promise<GetResult> => {
      throw new LtspError('LTSP_TFTP_TIMEOUT', `tftp://${o.host}/${o.path}: no complete answer within ${o.deadlineMs} ms`);
    };
    const none = await obtainLtsConf({ facts: facts(), fs: r.fs, log: silentLogger, timeoutMs: 1000, get: down });
    assert.equal(none.source.used, 'none');
    assert.equal(none.bytes, undefined);
    assert.match(none.source.why, /LTSP_TFTP_TIMEOUT.*no \/etc\/lts\.conf/);
    writeFileSync(join(r.dir, 'etc/lts.conf'), '[default]\nA=1\n');
    const local = await obtainLtsConf({ facts: facts(), fs: r.fs, log: silentLogger, timeoutMs: 1000, get: down });
    assert.equal(local.source.used, 'local');
  } finally {
    r.done();
  }
});

test('"file not found" moves on to the next architecture name within the same bound', async () => {
  const r = rig();
  try {
    const asked: string[] = [];
    const get = async (o: GetOptions): Promise<GetResult> => {
      asked.push(o.path);
      assert.ok(o.deadlineMs <= 1000);
      if (o.path.includes('i686')) throw new LtspError('LTSP_TFTP_ERROR', 'server says "File not found" (TFTP error 1: file not found)');
      return ok('[default]\nX=1\n')();
    };
    const got = await obtainLtsConf({ facts: facts(), fs: r.fs, log: silentLogger, timeoutMs: 1000, get });
    assert.deepEqual(asked, ['/ltsp/i686/lts.conf', '/ltsp/i386/lts.conf']);
    assert.equal(got.source.used, 'tftp');
  } finally {
    r.done();
  }
});
