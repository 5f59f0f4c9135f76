// The one cryptsetup command line for throw-away swap encryption, used by the swap planner
// (NBD swap) and by the executor (local swap partitions it finds on the client).

import type { Arg } from './actions.ts';

/** dm-crypt plain mode with a key read from /dev/urandom: the key lives only in RAM. */
export function cryptsetupArgv(device: Arg, name: string): Arg[] {
  return ['cryptsetup', 'open', '--type', 'plain', '--key-file', '/dev/urandom', '--cipher', 'aes-xts-plain64', '--key-size', '512', device, name];
}
