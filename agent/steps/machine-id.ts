// 50-machine-id: a stable D-Bus machine id per client, from its MAC (12 hex digits + 20 zeros),
// so every client does not share the one id baked into the image. LTSP 5 wrote only
// /var/lib/dbus/machine-id (LP #1819545); systemd and modern D-Bus read /etc/machine-id, so both
// are written.

import { declareKeys } from '../config/declare.ts';
import { definePlanner } from './context.ts';
import { planned, skipped } from './step.ts';

/** Reads no lts.conf key: the id comes from the MAC alone. */
export const MACHINE_ID_KEYS = declareKeys('machine-id', {});

export const planMachineId = definePlanner(MACHINE_ID_KEYS, (ctx) => {
  const mac = ctx.facts.mac?.value;
  if (mac === undefined || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac)) return skipped('machine-id', 'the client MAC is not known');
  const id = mac.toLowerCase().replace(/:/g, '') + '0'.repeat(20);
  const why = 'a per-client id, stable across boots';
  return planned('machine-id', [], [
    { kind: 'write-file', path: '/etc/machine-id', content: `${id}\n`, mode: 0o444, keys: [], why },
    { kind: 'write-file', path: '/var/lib/dbus/machine-id', content: `${id}\n`, mode: 0o444, keys: [], why },
  ]);
});
