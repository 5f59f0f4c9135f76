// 50-interfaces: keep ifupdown / NetworkManager / OpenRC's net scripts off the boot interface,
// which the initramfs already configured and which carries the root file system: reconfiguring
// it would cut the client off its own disk.

import type { Problem } from '../core/errors.ts';
import { checkWord, read } from '../config/values.ts';
import type { Action } from '../plan/actions.ts';
import { declareKeys } from '../config/declare.ts';
import { k, T, val } from '../config/key-spec.ts';
import { definePlanner, present } from './context.ts';
import { generatedHeader, planned, skipped } from './step.ts';

const IFNAME = /^[A-Za-z0-9_.:-]{1,15}$/;

export const INTERFACES_KEYS = declareKeys('interfaces', {
  NET_DEVICE_METHOD: k('network', T.word, val('manual'),
    'ifupdown method written for the boot interface, so that no network manager takes it down'),
});

export const planInterfaces = definePlanner(INTERFACES_KEYS, (ctx) => {
  const device = ctx.facts.device?.value;
  if (device === undefined) return skipped('interfaces', 'the boot interface is not known');
  if (!IFNAME.test(device)) return skipped('interfaces', `boot interface name "${device}" is not a plain interface name`);
  const problems: Problem[] = [];
  const method = read(ctx.config, 'NET_DEVICE_METHOD', problems, checkWord) ?? 'manual';
  const actions: Action[] = [];
  if (present(ctx, '/etc/network/interfaces')) {
    const content = [generatedHeader(), 'auto lo', 'iface lo inet loopback', '', `iface ${device} inet ${method}`].join('\n') + '\n';
    actions.push({ kind: 'write-file', path: '/etc/network/interfaces', content, keys: ['NET_DEVICE_METHOD'], why: `ifupdown must leave ${device} as the initramfs set it up` });
  }
  if (present(ctx, '/etc/conf.d')) {
    actions.push({ kind: 'write-file', path: '/etc/conf.d/net', content: `${generatedHeader()}\nconfig_${device.replace(/[^A-Za-z0-9_]/g, '_')}="noop"\n`, keys: [], why: `OpenRC must leave ${device} as it is` });
    actions.push({ kind: 'symlink', path: `/etc/init.d/net.${device}`, target: 'net.lo', keys: [], why: 'OpenRC then counts the network as up' });
  }
  if (actions.length === 0) return skipped('interfaces', 'neither ifupdown nor OpenRC network configuration in the client', problems);
  return planned('interfaces', [], actions, problems);
});
