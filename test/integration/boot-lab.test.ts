// A whole boot in the lab, programs run: `ltsp-agent boot --root DIR --run-commands` in the
// client namespace (with its own UTS namespace, so `hostname` does not rename this machine),
// against nbd-server and rsyslog in the server namespace. One boot gives the client NBD swap,
// PulseAudio for the server with the configured volume, and its log on the server; the boot
// command returns although it left PulseAudio and nbdfuse running.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSystem } from '../../agent/exec/files.ts';
import { detachAllNbd } from '../../agent/exec/nbd.ts';
import { NBD_SWAP_LINK } from '../../agent/steps/swap.ts';
import { hasProgram, labInterfaces, labUnavailable, withLab } from '../lab/lab.ts';
import { startSwapExport, startSyslogReceiver, waitForText } from './steps-lab.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const missing = ['nbd-server', 'nbdfuse', 'rsyslogd', 'pulseaudio', 'pactl', 'unshare', 'nsenter'].filter((p) => !hasProgram(p));
const skip = labUnavailable() ?? (missing.length ? `needs ${missing.join(', ')}` : undefined);

const swaps = () => readFileSync('/proc/swaps', 'utf8').split('\n').slice(1).map((l) => l.split(/\s+/)[0]!).filter(Boolean);

test('boot in the lab: NBD swap, sound for the server only, log on the server, and the boot returns', { skip }, () =>
  withLab(async (lab) => {
    await startSwapExport(lab, 16 * 1024 * 1024);
    const remote = await startSyslogReceiver(lab);

    // Client: a chroot that has the programs the steps look for, and this lts.conf.
    const root = join(lab.dir, 'root');
    for (const p of ['usr/bin/pulseaudio', 'usr/bin/nbdfuse']) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), '');
    }
    mkdirSync(join(root, 'etc/rsyslog.d'), { recursive: true });
    const conf = join(lab.dir, 'lts.conf');
    writeFileSync(conf, `[default]\n  SERVER = ${lab.serverIp}\n  NBD_SWAP = True\n  ENCRYPT_SWAP = False\n  SOUND = True\n  VOLUME = 75\n  SYSLOG_HOST = ${lab.serverIp}\n  HOSTNAME = labpc\n`);
    const hadRunPulse = existsSync('/run/pulse');
    lab.defer(() => {
      if (!hadRunPulse) rmSync('/run/pulse', { recursive: true, force: true });
    });
    lab.defer(async () => {
      // What the boot left running in the client namespace (PulseAudio, nbdfuse), by PID.
      for (const pid of lab.exec(lab.cli, ['ip', 'netns', 'pids', lab.cli]).split('\n').filter(Boolean)) lab.adoptPid(Number(pid));
    });
    lab.defer(async () => {
      const dev = existsSync(join(root, NBD_SWAP_LINK)) ? readlinkSync(join(root, NBD_SWAP_LINK)) : undefined;
      if (dev && swaps().includes(dev)) execFileSync('swapoff', [dev]);
      await detachAllNbd(new FileSystem(root));
    });

    const out = execFileSync(
      'nsenter',
      [`--net=/run/netns/${lab.cli}`, 'unshare', '--uts', process.execPath, '--import', 'tsx', join(REPO, 'agent/cli/main.ts'), 'boot', '--root', root, '--run-commands',
        '--lts-conf', conf, '--mac', '52:54:00:12:34:56', '--ip', lab.clientIp, '--ram', '128', '--arch', 'x86_64', '--hostname', 'unnamed',
        '--cmdline', `init=/sbin/init-ltsp ip=${lab.clientIp}:${lab.serverIp}::255.255.255.0::${labInterfaces(lab).cli}:off`, '--markers'],
      { cwd: REPO, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] },
    ).toString();
    for (const step of ['swap', 'sound', 'syslog', 'hostname']) assert.match(out, new RegExp(`step ${step} ok`), out);

    const dev = readlinkSync(join(root, NBD_SWAP_LINK));
    assert.ok(swaps().includes(dev), `${dev} is swap`);
    const vol = lab.exec(lab.srv, ['pactl', '-s', `tcp:${lab.clientIp}:4713`, 'get-sink-volume', '@DEFAULT_SINK@']);
    assert.match(vol, /\b75%/);
    const log = await waitForText(remote, [/labpc ltsp-agent\[\d+\]: boot phase done/]);
    assert.match(log, /labpc ltsp-agent\[\d+\]: boot phase done/, log);
  }));
