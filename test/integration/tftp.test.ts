// The TFTP client against real servers (tftpd-hpa, dnsmasq) and a test server for what those
// cannot do (windowsize, refusing options, hostile packets), across namespaces; a lossy,
// duplicating, reordering link through a UDP relay (this kernel has no netem).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { hasProgram, labUnavailable, withLab, type Lab } from '../lab/lab.ts';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const DRIVER = here('./tftp-driver.ts');
const RELAY = here('./tftp-relay.ts');
const SERVER = here('./tftp-server.ts');
const FETCH = fileURLToPath(new URL('../../agent/cli/fetch.ts', import.meta.url));

const SIZES = { f0: 0, f511: 511, f512: 512, f513: 513, f100k: 100 * 1024, f1m: 1024 * 1024, f33m: 33 * 1024 * 1024 + 1000 };
type Name = keyof typeof SIZES;

/** Each option alone, all of them, and none. */
const OPTION_SETS: Record<string, object> = {
  all: { serverTimeoutS: 1 },
  none: { noOptions: true },
  blksize: { blksize: 1024, windowsize: false, serverTimeoutS: false, tsize: false },
  windowsize: { blksize: false, windowsize: 4, serverTimeoutS: false, tsize: false },
  tsize: { blksize: false, windowsize: false, serverTimeoutS: false, tsize: true },
  timeout: { blksize: false, windowsize: false, serverTimeoutS: 2, tsize: false },
};

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  bytes?: number;
  blksize?: number;
  windowsize?: number;
  fellBack?: boolean;
  duplicates?: number;
  retransmits?: number;
  foreign?: number;
  malformed?: number;
}

function tftpRoot(lab: Lab, names: Name[]): string {
  chmodSync(lab.dir, 0o755); // tftpd-hpa runs as user tftp and serves world-readable files only
  const root = `${lab.dir}/root`;
  mkdirSync(root, { mode: 0o755 });
  chmodSync(root, 0o755);
  for (const n of names) {
    writeFileSync(`${root}/${n}`, randomBytes(SIZES[n]), { mode: 0o644 });
  }
  return root;
}

let jobCounter = 0;
function run(lab: Lab, jobs: Array<{ url: string; out: string; opts?: object }>): Outcome[] {
  const file = `${lab.dir}/jobs-${jobCounter++}.json`;
  writeFileSync(file, JSON.stringify(jobs));
  const out = lab.exec(lab.cli, ['node', '--import', 'tsx', DRIVER, file], { timeoutMs: 120_000 });
  return out.trim().split('\n').map((l) => JSON.parse(l) as Outcome);
}

function same(a: string, b: string): boolean {
  return Buffer.compare(readFileSync(a), readFileSync(b)) === 0;
}

async function startDaemon(lab: Lab, argv: string[]): Promise<void> {
  const child = lab.spawn(lab.srv, argv, { log: `${lab.dir}/daemon.log` });
  void child;
}

/** Spawn a test helper that prints "ready" (and maybe more) on stdout; returns its lines so far. */
async function startHelper(lab: Lab, argv: string[]): Promise<string[]> {
  const { spawn } = await import('node:child_process');
  const child = spawn('ip', ['netns', 'exec', lab.srv, 'node', '--import', 'tsx', ...argv], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  lab.adoptPid(child.pid!);
  const lines: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  const deadline = Date.now() + 15_000;
  while (!lines.includes('ready')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`helper did not start: ${argv.join(' ')}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return lines;
}

function sizeAndOptionMatrix(lab: Lab, root: string, base: string) {
  const jobs: Array<{ url: string; out: string; opts: object; name: Name; set: string }> = [];
  for (const name of ['f0', 'f511', 'f512', 'f513', 'f1m'] as const) {
    for (const [set, opts] of Object.entries(OPTION_SETS)) {
      jobs.push({ url: `${base}/${name}`, out: `${lab.dir}/out-${name}-${set}`, opts, name, set });
    }
  }
  // Past 65,535 blocks: rollover at 512 bytes, and with the default options.
  jobs.push({ url: `${base}/f33m`, out: `${lab.dir}/out-f33m-none`, opts: OPTION_SETS['none']!, name: 'f33m', set: 'none' });
  jobs.push({ url: `${base}/f33m`, out: `${lab.dir}/out-f33m-all`, opts: {}, name: 'f33m', set: 'all' });
  const results = run(lab, jobs);
  jobs.forEach((j, i) => {
    const r = results[i]!;
    assert.ok(r.ok, `${j.name} with ${j.set}: ${r.message}`);
    assert.equal(r.bytes, SIZES[j.name], `${j.name} with ${j.set}`);
    assert.ok(same(j.out, `${root}/${j.name}`), `${j.name} with ${j.set}: bytes differ`);
    if (j.set === 'none') assert.equal(r.blksize, 512);
    if (j.set === 'blksize') assert.equal(r.blksize, 1024);
  });
  return results;
}

function failureCases(lab: Lab, base: string, downUrl: string) {
  writeFileSync(`${lab.dir}/keep`, 'the old copy\n');
  const [missing, down, missingKeep] = run(lab, [
    { url: `${base}/no/such/file`, out: `${lab.dir}/never` },
    { url: downUrl, out: `${lab.dir}/keep`, opts: { deadlineMs: 1500 } },
    { url: `${base}/nope`, out: `${lab.dir}/keep` },
  ]);
  assert.equal(missing!.code, 'LTSP_TFTP_ERROR');
  assert.match(missing!.message!, /TFTP error 1/);
  assert.equal(existsSync(`${lab.dir}/never`), false, 'a failed fetch leaves no file');
  assert.equal(down!.code, 'LTSP_TFTP_TIMEOUT');
  assert.match(down!.message!, /within 1\.5 s/);
  assert.equal(missingKeep!.code, 'LTSP_TFTP_ERROR');
  assert.equal(readFileSync(`${lab.dir}/keep`, 'utf8'), 'the old copy\n', 'a failed fetch leaves the old file alone');
}

const unavailable = labUnavailable();

test('tftpd-hpa: sizes x options, rollover, missing file, server down, lossy link', { skip: unavailable ?? (!hasProgram('in.tftpd') && 'needs tftpd-hpa') }, async (t) => {
  await withLab(async (lab) => {
    const root = tftpRoot(lab, Object.keys(SIZES) as Name[]);
    // -T 200000: the server retransmits after 200 ms (default 1 s), which keeps the lossy test short.
    await startDaemon(lab, ['/usr/sbin/in.tftpd', '-L', '-u', 'tftp', '-T', '200000', '-a', `${lab.serverIp}:69`, '-s', root]);
    await lab.waitPort(lab.srv, 'udp', 69);
    const base = `tftp://${lab.serverIp}`;

    await t.test('0, 511, 512, 513 bytes, 1 MiB, 33 MiB, with each option, all and none', () => {
      const results = sizeAndOptionMatrix(lab, root, base);
      // tftpd-hpa 5.2 has no RFC 7440: the window falls back to lock-step.
      assert.ok(results.every((r) => r.windowsize === 1));
    });
    await t.test('missing file, server down, atomic output', () => failureCases(lab, base, `tftp://${lab.serverIp}:6970/f1m`));
    await t.test('5 % loss, duplicates, reordering through a relay', async () => {
      await startHelper(lab, [RELAY, lab.serverIp, '6969', lab.serverIp, '69', '0.05', '0.05', '0.05', '11']);
      const jobs = [
        { url: `tftp://${lab.serverIp}:6969/f100k`, out: `${lab.dir}/lossy-1`, opts: {} },
        { url: `tftp://${lab.serverIp}:6969/f513`, out: `${lab.dir}/lossy-2`, opts: { noOptions: true } },
      ];
      const results = run(lab, jobs.map((j) => ({ ...j, opts: { ...j.opts, deadlineMs: 60_000 } })));
      results.forEach((r, i) => {
        assert.ok(r.ok, r.message);
        assert.ok(same(jobs[i]!.out, `${root}/${i === 1 ? 'f513' : 'f100k'}`));
      });
    });
    await t.test('a link that drops IP fragments: multi-frame blocks give way to one-frame blocks', async () => {
      await startHelper(lab, [RELAY, lab.serverIp, '6971', lab.serverIp, '69', '0', '0', '0', '1', '1500']);
      const [r] = run(lab, [{ url: `tftp://${lab.serverIp}:6971/f100k`, out: `${lab.dir}/frag`, opts: {} }]);
      assert.ok(r!.ok, r!.message);
      assert.equal(r!.blksize, 1468);
      assert.equal((r as { smallerBlocks?: boolean }).smallerBlocks, true);
      assert.ok(same(`${lab.dir}/frag`, `${root}/f100k`));
    });
  });
});

test('dnsmasq TFTP: sizes x options, rollover, missing file, server down', { skip: unavailable ?? (!hasProgram('dnsmasq') && 'needs dnsmasq') }, async (t) => {
  await withLab(async (lab) => {
    const root = tftpRoot(lab, ['f0', 'f511', 'f512', 'f513', 'f1m', 'f33m']);
    const ifname = `vs${lab.id}`;
    await startDaemon(lab, [
      'dnsmasq', '--no-daemon', '--conf-file=/dev/null', '--port=0', `--interface=${ifname}`, '--bind-interfaces',
      '--enable-tftp', `--tftp-root=${root}`, `--pid-file=${lab.dir}/dnsmasq.pid`, '--user=root', '--group=root',
    ]);
    await lab.waitPort(lab.srv, 'udp', 69);
    const base = `tftp://${lab.serverIp}`;
    await t.test('0, 511, 512, 513 bytes, 1 MiB, 33 MiB, with each option, all and none', () => {
      sizeAndOptionMatrix(lab, root, base);
    });
    await t.test('missing file, server down, atomic output', () => failureCases(lab, base, `tftp://${lab.serverIp}:6970/f1m`));
  });
});

test('test server: RFC 7440 windows over a bad link, refused options, hostile packets, an endless file', { skip: unavailable }, async (t) => {
  await withLab(async (lab) => {
    const root = tftpRoot(lab, ['f513', 'f100k', 'f1m']);
    await startHelper(lab, [SERVER, lab.serverIp, '1069', root, 'good']);
    await startHelper(lab, [SERVER, lab.serverIp, '1070', root, 'refuse']);
    const hostile = await startHelper(lab, [SERVER, lab.serverIp, '1071', root, 'hostile']);
    await startHelper(lab, [SERVER, lab.serverIp, '1072', root, 'junk']);
    await startHelper(lab, [SERVER, lab.serverIp, '1073', root, 'endless']);
    await startHelper(lab, [RELAY, lab.serverIp, '1169', lab.serverIp, '1069', '0.05', '0.05', '0.1', '5']);

    await t.test('windowsize 16 is negotiated and the file arrives whole', () => {
      const [r] = run(lab, [{ url: `tftp://${lab.serverIp}:1069/f1m`, out: `${lab.dir}/w1`, opts: { windowsize: 16 } }]);
      assert.ok(r!.ok, r!.message);
      assert.equal(r!.windowsize, 16);
      assert.ok(same(`${lab.dir}/w1`, `${root}/f1m`));
    });
    await t.test('windowsize 16 through 5 % loss, 5 % duplicates, 10 % reordering', () => {
      const results = run(lab, [
        { url: `tftp://${lab.serverIp}:1169/f1m`, out: `${lab.dir}/w2`, opts: { windowsize: 16, deadlineMs: 60_000 } },
        { url: `tftp://${lab.serverIp}:1169/f100k`, out: `${lab.dir}/w3`, opts: { windowsize: 4, blksize: 512, deadlineMs: 60_000 } },
      ]);
      assert.ok(results[0]!.ok && results[1]!.ok, JSON.stringify(results));
      assert.ok(same(`${lab.dir}/w2`, `${root}/f1m`));
      assert.ok(same(`${lab.dir}/w3`, `${root}/f100k`));
    });
    await t.test('ERROR 8 to options: one plain request, same bytes', () => {
      const [r] = run(lab, [{ url: `tftp://${lab.serverIp}:1070/f100k`, out: `${lab.dir}/r1` }]);
      assert.ok(r!.ok, r!.message);
      assert.equal(r!.fellBack, true);
      assert.equal(r!.blksize, 512);
      assert.ok(same(`${lab.dir}/r1`, `${root}/f100k`));
    });
    await t.test('short, oversized, wrong-opcode, wrong-block packets and a foreign TID are survived', async () => {
      const results = run(lab, [
        { url: `tftp://${lab.serverIp}:1071/f100k`, out: `${lab.dir}/h1`, opts: { blksize: 1024 } },
        { url: `tftp://${lab.serverIp}:1071/f513`, out: `${lab.dir}/h2`, opts: { noOptions: true } },
        { url: `tftp://${lab.serverIp}:1071/f100k`, out: `${lab.dir}/h3`, opts: { blksize: 512, windowsize: 4 } },
      ]);
      results.forEach((r) => assert.ok(r.ok, r.message));
      assert.ok(results.every((r) => r.malformed! > 0 && r.foreign! > 0));
      assert.ok(same(`${lab.dir}/h1`, `${root}/f100k`) && same(`${lab.dir}/h2`, `${root}/f513`) && same(`${lab.dir}/h3`, `${root}/f100k`));
      // The helper's stdout is read by this event loop, which lab.exec blocked: give it a moment.
      for (let i = 0; i < 100 && !hostile.includes('foreign-error5'); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(hostile.includes('foreign-error5'), 'the foreign TID was told ERROR 5');
    });
    await t.test('a server that sends only junk costs the deadline, then LTSP_TFTP_TIMEOUT', () => {
      const [r] = run(lab, [{ url: `tftp://${lab.serverIp}:1072/f1m`, out: `${lab.dir}/j1`, opts: { deadlineMs: 1500 } }]);
      assert.equal(r!.code, 'LTSP_TFTP_TIMEOUT');
      assert.equal(existsSync(`${lab.dir}/j1`), false);
    });
    await t.test('an endless file stops at --max-size with LTSP_TFTP_TOO_LARGE; memory stays small, to a file and to stdout', () => {
      /** Runs `ltsp-agent fetch ARGS` (stdout to /dev/null); its exit code, stderr and peak RSS in KiB. */
      const fetch = (args: string[]) => {
        const err = `${lab.dir}/fetch-err-${jobCounter++}`;
        const js = `const m = await import(${JSON.stringify(FETCH)}); const c = await m.fetchCommand(process.argv.slice(1)); process.stderr.write('\\nmaxrss=' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = c;`;
        const out = lab.exec(lab.cli, ['sh', '-c', 'js="$1"; err="$2"; shift 2; node --import tsx --input-type=module -e "$js" "$@" >/dev/null 2>"$err"; echo $?', 'sh', js, err, ...args], { timeoutMs: 120_000 });
        const stderr = readFileSync(err, 'utf8');
        return { code: Number(out.trim()), stderr, rssKiB: Number(/maxrss=(\d+)/.exec(stderr)![1]) };
      };
      const cap = 128 * 1024 * 1024;
      // The same process fetching a small file: what the program itself needs.
      const small = fetch([`tftp://${lab.serverIp}:1069/f100k`, '-o', `${lab.dir}/small`, '-q']);
      assert.equal(small.code, 0, small.stderr);
      for (const output of [`${lab.dir}/endless`, '-']) {
        const r = fetch([`tftp://${lab.serverIp}:1073/endless`, '-o', output, '--max-size', String(cap), '--timeout', '100', '-q']);
        assert.equal(r.code, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`over the limit of ${cap}.*LTSP_TFTP_TOO_LARGE`));
        if (output !== '-') assert.equal(existsSync(output), false, 'no file, not even a half one');
        // Kept in memory, the 128 MiB alone would be twice this (what remains is the garbage of ~16,000 blocks).
        assert.ok(r.rssKiB < small.rssKiB + 64 * 1024, `${output}: peak RSS ${r.rssKiB} KiB, ${small.rssKiB} KiB for a small file`);
      }
    });
    await t.test('ltsp-agent fetch: writes the file, exit codes 0 / 1 / 64', () => {
      const cli = (args: string[]) => {
        try {
          lab.exec(lab.cli, ['node', '--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(FETCH)}); process.exitCode = await m.fetchCommand(process.argv.slice(1));`, ...args]);
          return 0;
        } catch (e) {
          return (e as { status: number }).status;
        }
      };
      assert.equal(cli([`tftp://${lab.serverIp}:1069/f100k`, '-o', `${lab.dir}/c1`, '--blksize', '1400', '-q']), 0);
      assert.ok(same(`${lab.dir}/c1`, `${root}/f100k`));
      assert.equal(cli([`tftp://${lab.serverIp}:1069/missing`, '-o', `${lab.dir}/c2`]), 1);
      assert.equal(cli(['http://nope/x']), 64);
      assert.equal(cli([`tftp://${lab.serverIp}/x`, '--blksize', '7']), 64);
    });
  });
});

test('lts.conf at boot from tftpd-hpa: fetched copy replaces /etc/lts.conf; garbage and a dead server fall back', { skip: unavailable ?? (!hasProgram('in.tftpd') && 'needs tftpd-hpa') }, async () => {
  await withLab(async (lab) => {
    chmodSync(lab.dir, 0o755);
    const root = `${lab.dir}/root`;
    mkdirSync(`${root}/ltsp/i386`, { recursive: true });
    mkdirSync(`${root}/bad`, { recursive: true });
    for (const d of [root, `${root}/ltsp`, `${root}/ltsp/i386`, `${root}/bad`]) chmodSync(d, 0o755);
    writeFileSync(`${root}/ltsp/i386/lts.conf`, '[default]\nSOUND=True\n', { mode: 0o644 });
    writeFileSync(`${root}/bad/lts.conf`, '<html>404 Not Found</html>\n', { mode: 0o644 });
    const client = `${lab.dir}/client`;
    mkdirSync(`${client}/etc`, { recursive: true });
    writeFileSync(`${client}/etc/lts.conf`, '[default]\nSOUND=False\n');
    const tftpd = lab.spawn(lab.srv, ['/usr/sbin/in.tftpd', '-L', '-u', 'tftp', '-a', `${lab.serverIp}:69`, '-s', root]);
    await lab.waitPort(lab.srv, 'udp', 69);

    const obtain = (bootImage: string, timeoutMs: number) => {
      const code = `
        const { obtainLtsConf } = await import(${JSON.stringify(fileURLToPath(new URL('../../agent/boot/ltsconf-fetch.ts', import.meta.url)))});
        const { FileSystem } = await import(${JSON.stringify(fileURLToPath(new URL('../../agent/exec/files.ts', import.meta.url)))});
        const { silentLogger } = await import(${JSON.stringify(fileURLToPath(new URL('../../agent/core/log.ts', import.meta.url)))});
        const facts = { server: { value: '${lab.serverIp}', source: 'lease' }, bootImage: '${bootImage}', dns: [], arch: 'i686', ramMiB: 512, root: { kind: 'local' }, cmdlineKeys: {}, ltspBoot: true, present: new Set() };
        const got = await obtainLtsConf({ facts, fs: new FileSystem('${client}'), log: silentLogger, timeoutMs: ${timeoutMs} });
        console.log(JSON.stringify({ text: got.bytes?.toString(), ...got.source }));`;
      return JSON.parse(lab.exec(lab.cli, ['node', '--import', 'tsx', '--input-type=module', '-e', code])) as { text?: string; used: string; location?: string; why: string };
    };

    const good = obtain('/ltsp/i386/vmlinuz', 5000);
    assert.equal(good.used, 'tftp', good.why);
    assert.equal(good.location, `tftp://${lab.serverIp}/ltsp/i386/lts.conf`);
    assert.equal(readFileSync(`${client}/etc/lts.conf`, 'utf8'), '[default]\nSOUND=True\n');

    const bad = obtain('/bad/vmlinuz', 5000);
    assert.equal(bad.used, 'local');
    assert.match(bad.why, /was not used: it does not parse/);
    assert.equal(bad.text, '[default]\nSOUND=True\n');

    process.kill(-tftpd.pid!, 'SIGTERM');
    const down = obtain('/ltsp/i386/vmlinuz', 1500);
    assert.equal(down.used, 'local');
    assert.match(down.why, /LTSP_TFTP_TIMEOUT/);
    assert.equal(readFileSync(`${client}/etc/lts.conf`, 'utf8'), '[default]\nSOUND=True\n');
  });
});
