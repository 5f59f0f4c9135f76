// 50-swap: swap for clients short of RAM.
//
//   USE_LOCAL_SWAP   swap partitions on the client's own disks
//   NBD_SWAP         swap on the server's `swap` NBD export (nbd-server's named export, 5.3+);
//                    when unset: on when RAM < NBD_SWAP_THRESHOLD (800 MiB, 2100 on fat clients)
//                    and no local swap was asked for
//   NBD_SWAP_HOST    the nbd-server (default SERVER)
//   ENCRYPT_SWAP     dm-crypt with a random key (default: when cryptsetup is installed); asked
//                    for but impossible -> no swap at all rather than swap in clear, as LTSP 5
//
// The NBD area is mkswap'ed here, on the client. LTSP 5.3+ left that to the server's nbdswapd;
// doing it here makes the client work with any nbd-server configuration, and a reconnect to a
// fresh server file can never leave the client with an unformatted swap area (LP #938511).

import type { Problem } from '../core/errors.ts';
import { checkHost, isIP, read, readInt, warn } from '../config/values.ts';
import { cryptsetupArgv } from '../plan/cryptsetup.ts';
import { clientPath, type Action, type Arg, type StepName } from '../plan/actions.ts';
import { declareKeys } from '../config/declare.ts';
import { bool, derived, int, k, T, val } from '../config/key-spec.ts';
import { definePlanner, present } from './context.ts';
import { planned, skipped } from './step.ts';

/** Where the attached NBD swap device is linked for mkswap/swapon (and found at shutdown). */
export const NBD_SWAP_LINK = '/run/ltsp/dev/nbd-swap';
export const NBD_SWAP_EXPORT = 'swap';
const CRYPT_NAME = 'ltsp-swap-nbd';


export const SWAP_KEYS = declareKeys(
  'swap',
  {
    USE_LOCAL_SWAP: k('swap', bool(), val('False'), 'use every local partition marked as Linux swap'),
    NBD_SWAP: k('swap', bool(), derived('True when no local swap was found and RAM is below NBD_SWAP_THRESHOLD'),
      'swap over the network to a file on the server'),
    NBD_SWAP_THRESHOLD: k('swap', int(0, 16777216, 'MB'), derived('800 (2100 on fat clients); 5.3 used 300/800, 5.2 none'),
      'network swap turns itself on below this much RAM'),
    NBD_SWAP_HOST: k('swap', T.host, derived('SERVER'), 'nbd-server that holds the swap export'),
    ENCRYPT_SWAP: k('swap', bool(), derived('True when cryptsetup is installed'), 'encrypt every swap device with a throw-away random key'),
  },
  { LTSP_FATCLIENT: bool() },
);

export const planSwap = definePlanner(SWAP_KEYS, (ctx) => {
  const { config, facts } = ctx;
  const problems: Problem[] = [];

  const haveCryptsetup = present(ctx, '/sbin/cryptsetup') || present(ctx, '/usr/sbin/cryptsetup');
  const encrypt = config.bool('ENCRYPT_SWAP', haveCryptsetup);
  const useLocal = config.bool('USE_LOCAL_SWAP');

  let nbd: boolean;
  let decided: string;
  if (config.nonEmpty('NBD_SWAP') !== undefined) {
    nbd = config.bool('NBD_SWAP');
    decided = `NBD_SWAP is ${nbd}`;
  } else if (useLocal) {
    nbd = false;
    decided = 'USE_LOCAL_SWAP is set and NBD_SWAP is not';
  } else {
    const threshold = readInt(config, 'NBD_SWAP_THRESHOLD', problems, { min: 0 }, config.bool('LTSP_FATCLIENT') ? 2100 : 800);
    nbd = facts.ramMiB < threshold;
    decided = `${facts.ramMiB} MiB RAM ${nbd ? '<' : '>='} NBD_SWAP_THRESHOLD ${threshold} MiB`;
  }
  if (!nbd && !useLocal) return skipped('swap', `no swap wanted: ${decided}`, problems);
  if (encrypt && !haveCryptsetup) {
    problems.push(warn(config, 'ENCRYPT_SWAP', 'cryptsetup is not in the client chroot: no swap rather than swap in clear', 'install cryptsetup in the client chroot, or set ENCRYPT_SWAP=False'));
    return skipped('swap', 'ENCRYPT_SWAP is true but cryptsetup is missing', problems);
  }

  const actions: Action[] = [];
  const needs: StepName[] = [];
  const cryptKeys = encrypt ? ['ENCRYPT_SWAP'] : [];
  if (useLocal) actions.push({ kind: 'swapon-local', encrypt, keys: ['USE_LOCAL_SWAP', ...cryptKeys], why: 'swap partitions on the client\'s disks' });

  if (nbd) {
    const server = checkHost(config, 'SERVER', ctx.server);
    const host = read(config, 'NBD_SWAP_HOST', problems, checkHost) ?? (server.ok ? server.value : undefined);
    if (!server.ok && config.nonEmpty('NBD_SWAP_HOST') === undefined) problems.push(server.problem);
    const canAttach = present(ctx, '/sbin/nbd-client') || present(ctx, '/usr/sbin/nbd-client') || present(ctx, '/usr/bin/nbdfuse');
    if (!canAttach) problems.push(warn(config, 'NBD_SWAP', 'neither nbd-client nor nbdfuse is in the client chroot: no NBD swap', 'install nbd-client in the client chroot'));
    if (host !== undefined && canAttach) {
      if (!isIP(host)) needs.push('dns', 'hostname');
      const keys = ['NBD_SWAP', 'NBD_SWAP_HOST', 'NBD_SWAP_THRESHOLD'];
      if (present(ctx, '/sbin/modprobe')) {
        actions.push({ kind: 'run', argv: ['modprobe', 'nbd'], bestEffort: true, timeoutMs: 10_000, keys, why: 'the nbd driver, where the kernel has it as a module' });
      }
      actions.push({ kind: 'attach-nbd', host, export: NBD_SWAP_EXPORT, forSwap: true, link: NBD_SWAP_LINK, keys, why: decided });
      let device: Arg = clientPath(NBD_SWAP_LINK);
      if (encrypt) {
        actions.push({ kind: 'run', argv: cryptsetupArgv(device, CRYPT_NAME), timeoutMs: 30_000, keys: cryptKeys, why: 'swap pages leave the client: encrypt them with a key only this boot knows' });
        device = `/dev/mapper/${CRYPT_NAME}`;
      }
      actions.push({ kind: 'run', argv: ['mkswap', device], timeoutMs: 60_000, keys, why: 'a fresh swap area (the server file may be unformatted)' });
      actions.push({ kind: 'run', argv: ['swapon', device], timeoutMs: 30_000, keys, why: 'use it' });
    }
  }
  if (actions.length === 0) return skipped('swap', `swap wanted (${decided}) but not possible`, problems);
  return planned('swap', needs, actions, problems);
});
