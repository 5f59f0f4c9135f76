// `ltsp-agent boot`: the boot phase (init-ltsp runs it before exec'ing the real init).

import { LtspError } from '../core/errors.ts';
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
  --log-level LEVEL   trace, debug, info (default), warn, error
  -h, --help

Exit status: 0 when the boot phase ran, whatever the steps did (see the log and
/run/ltsp/timeline.json); 64 usage error.
`;

export async function bootCommand(argv: string[]): Promise<number> {
  const a = parseOptions(argv, {
    values: ['--root', '--lts-conf', '--tftp-timeout', '--mac', '--ip', '--hostname', '--server', '--arch', '--ram', '--cmdline', '--log-level'],
    flags: ['--run-commands', '--markers', '--help', '-h'],
  });
  if (a.flags.has('--help') || a.flags.has('-h')) {
    process.stdout.write(BOOT_HELP);
    return 0;
  }
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
