// ltsp-agent's entry point: one bundle, several commands. Called through a link named
// "getltscfg" it behaves as LTSP 5's getltscfg.

import { basename } from 'node:path';
import { errorMessage, isLtspError } from '../core/errors.ts';
import { getltscfg } from './getltscfg.ts';

export const VERSION = '0.1.0';

export const MAIN_HELP = `Usage: ltsp-agent COMMAND [options]

ltsp-agent boots, configures and logs in an LTSP 5 thin client: one program instead of
init-ltsp.d, ltsp-client-setup, screen.d and LDM. It reads the same lts.conf.

Commands:
  --dry-run [opts]        print the boot plan for a client, change nothing (see --dry-run --help)
  boot [opts]             the boot phase: facts, lts.conf over TFTP, plan, apply
  getltscfg [-a] [KEY]    LTSP 5 getltscfg, compatible (also when called as "getltscfg")
  config explain [KEY]    where each value comes from, and the problems in lts.conf
  config check [opts]     lint lts.conf for every section's client; exit 1 on errors
  fetch tftp://HOST/PATH  download a file over TFTP (debug a TFTP server)
  login [opts]            log in to an LTSP server like LDM (greeter, SSH, remote session)
  screen NN [opts]        run what SCREEN_NN names on its virtual terminal, again and again
  doctor [--root DIR]     check a client chroot for what the agent needs
  timeline [FILE]         draw a boot timeline as SVG
  --version, --help

Exit status: 0 success; 1 getltscfg usage error (as LTSP 5); 2 lts.conf unreadable or
refused; 64 usage error; 69 Node.js older than 18; 70 internal error. The boot command
exits 0 even when steps fail, so that init goes on; failures are in the log and the timeline.
`;

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, Command> = {
  '--dry-run': async (a) => (await import('./dry-run.ts')).dryRunCommand(a),
  'dry-run': async (a) => (await import('./dry-run.ts')).dryRunCommand(a),
  getltscfg: async (a) => getltscfg(a),
  boot: async (a) => (await import('./boot.ts')).bootCommand(a),
  fetch: async (a) => (await import('./fetch.ts')).fetchCommand(a),
  login: async (a) => (await (await import('./lazy-login.ts')).loadLogin()).loginCommand(a),
  screen: async (a) => (await import('./screen.ts')).screenCommand(a),
  doctor: async (a) => (await import('./doctor.ts')).doctorCommand(a),
  timeline: async (a) => (await import('./timeline.ts')).timelineCommand(a),
  config: async (a) => {
    if (a[0] === 'explain') return (await import('./dry-run.ts')).explainCommand(a.slice(1));
    if (a[0] === 'check') return (await import('./check.ts')).checkCommand(a.slice(1));
    process.stderr.write('Usage: ltsp-agent config explain [options] [KEY...]\n       ltsp-agent config check [options]\n');
    return 64;
  },
};

export function registerCommand(name: string, fn: Command): void {
  commands[name] = fn;
}

export async function main(argv: string[]): Promise<number> {
  const invokedAs = basename(process.argv[1] ?? '');
  if (invokedAs === 'getltscfg') return getltscfg(argv);
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(MAIN_HELP);
    return first === undefined ? 64 : 0;
  }
  if (first === '--version') {
    process.stdout.write(`ltsp-agent ${VERSION}\n`);
    return 0;
  }
  // --dry-run may come after client options: ltsp-agent --mac M --dry-run
  if (argv.includes('--dry-run') && first !== '--dry-run') return commands['--dry-run']!(argv.filter((x) => x !== '--dry-run'));
  const cmd = commands[first];
  if (!cmd) {
    process.stderr.write(`ltsp-agent: unknown command "${first}"\n\n${MAIN_HELP}`);
    return 64;
  }
  return cmd(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`ltsp-agent: ${errorMessage(e)}\n`);
    process.exitCode = isLtspError(e) ? (e.code === 'LTSP_USAGE' ? 64 : 2) : 70;
  },
);
