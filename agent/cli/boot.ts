// `ltsp-agent boot`: the boot phase (init-ltsp runs it before exec'ing the real init).

import { readFileSync } from 'node:fs';
import { LtspError } from '../core/errors.ts';
import { ltspBootMarker, parseCmdline } from '../facts/cmdline.ts';
import { runBoot, type LtsConfObtainer } from '../boot/boot.ts';
import { parseOptions } from './args.ts';
import { factOverrides } from './dry-run.ts';
import { obtainLtsConf } from '../boot/ltsconf-fetch.ts';
import { readLtsConfFile } from '../config/ltsconf-load.ts';
import { syslogDestination } from '../net/syslog.ts';

export const BOOT_HELP = `Usage: ltsp-agent boot [options]

The boot phase of an LTSP client: learns who it is (kernel command line, DHCP lease,
interfaces), fetches lts.conf from the server over TFTP (falling back to the last good
copy in /etc/lts.conf), then configures the client: every step of the plan that
--dry-run prints, independent steps at the same time. A failing step is logged and
never stops the others or the boot. Writes /run/ltsp/timeline.json and plan.json.

Options:
  --root DIR          apply under DIR instead of / (programs are recorded in
                      DIR/run/ltsp/commands.log, not run, unless --run-commands)
  --run-commands      run programs also under --root (lab tests)
  --lts-conf FILE     use this file instead of fetching lts.conf over TFTP
  --tftp-timeout S    longest wait for lts.conf over TFTP (default 5)
  --mac, --ip, --hostname, --server, --arch, --ram, --cmdline
                      override what the client learns about itself
  --markers           one line per step on stdout (for the serial console)
  --force             apply to this machine although its kernel command line has no
                      LTSP marker (init=/sbin/init-ltsp, ltsp.*, nbdroot=)
  --log-level LEVEL   trace, debug, info (default), warn, error
  -h, --help

Exit status: 0 when the boot phase ran, whatever the steps did (see the log and
/run/ltsp/timeline.json); 64 usage error, also when run without --root on a machine
that did not boot as an LTSP client (see --force).
`;

/**
 * Without --root, `boot` reconfigures the machine it runs on (hostname, DNS, fstab, cron...):
 * only on a machine whose kernel command line says it booted as an LTSP client (`cmdline`,
 * this machine's /proc/cmdline), or with --force. The refusal, or undefined to go on.
 */
export function ltspBootRefusal(cmdline: string, opts: { root?: string; force?: boolean }): LtspError | undefined {
  if (opts.root !== undefined || opts.force) return undefined;
  if (ltspBootMarker(parseCmdline(cmdline)) !== undefined) return undefined;
  return new LtspError(
    'LTSP_USAGE',
    'this machine did not boot as an LTSP client (its kernel command line has no init=/sbin/init-ltsp, ltsp.* or nbdroot=); `ltsp-agent boot` would reconfigure it',
    {},
    'to try a configuration use --dry-run, or --root DIR to apply it to a chroot or a directory; --force applies it to this machine anyway',
  );
}

export async function bootCommand(argv: string[]): Promise<number> {
  const a = parseOptions(argv, {
    values: ['--root', '--lts-conf', '--tftp-timeout', '--mac', '--ip', '--hostname', '--server', '--arch', '--ram', '--cmdline', '--log-level'],
    flags: ['--run-commands', '--markers', '--force', '--help', '-h'],
  });
  if (a.flags.has('--help') || a.flags.has('-h')) {
    process.stdout.write(BOOT_HELP);
    return 0;
  }
  // the machine's own command line, not --cmdline: the question is what this machine is
  const refusal = ltspBootRefusal(readProcCmdline(), { ...(a.values.has('--root') ? { root: a.values.get('--root')! } : {}), force: a.flags.has('--force') });
  if (refusal) throw refusal;
  const timeoutS = Number(a.values.get('--tftp-timeout') ?? 5);
  if (!(timeoutS > 0 && timeoutS <= 300)) throw new LtspError('LTSP_USAGE', '--tftp-timeout must be between 0 and 300 seconds');
  const overrides = factOverrides(a);
  const given = a.values.get('--lts-conf');
  const obtain: LtsConfObtainer = given
    ? async () => {
        // A file of this machine: its includes are too (relative to it), as for --dry-run.
        const got = readLtsConfFile({ kind: 'host', path: given });
        return { bytes: got.bytes, id: got.id, place: { kind: 'host', path: given }, source: { used: 'file', location: given, why: 'given with --lts-conf' } };
      }
    : (facts, exec, log) => obtainLtsConf({ facts, fs: exec.fs, log, timeoutMs: timeoutS * 1000 });
  const root = a.values.get('--root');
  await runBoot({
    ...(root !== undefined ? { root } : {}),
    runCommands: a.flags.has('--run-commands') || root === undefined,
    overrides,
    obtain,
    forward: (hosts, hostname) => syslogDestination(hosts, { hostname, tag: 'ltsp-agent' }),
    markers: a.flags.has('--markers'),
    ...(a.values.has('--log-level') ? { logLevel: a.values.get('--log-level')! } : {}),
  });
  return 0;
}

function readProcCmdline(): string {
  try {
    return readFileSync('/proc/cmdline', 'utf8');
  } catch {
    return ''; // no /proc: nothing says this is an LTSP boot
  }
}
