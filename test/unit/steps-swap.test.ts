import { test } from 'node:test';
import { checkKeys } from '../../agent/config/key-check.ts';
import assert from 'node:assert/strict';
import { planSwap, NBD_SWAP_LINK } from '../../agent/steps/swap.ts';
import { isSwap } from '../../agent/exec/local-swap.ts';
import { allText, ctxOf, refusalOf, runs } from './steps-fixtures.ts';

const NBD = ['/sbin/nbd-client'] as const;

test('swap: plenty of RAM and no keys -> skipped with the numbers', () => {
  const p = planSwap(ctxOf({}, [...NBD], { ramMiB: 2048 }));
  assert.match(p.skipped!, /2048 MiB RAM >= NBD_SWAP_THRESHOLD 800 MiB/);
});

test('swap: below the threshold -> attach the server\'s swap export, mkswap, swapon', () => {
  const p = planSwap(ctxOf({}, [...NBD], { ramMiB: 256 }));
  assert.equal(p.skipped, undefined);
  const attach = p.actions.find((a) => a.kind === 'attach-nbd');
  assert.deepEqual(attach && { host: attach.host, export: attach.export, forSwap: attach.forSwap, link: attach.link }, { host: '192.168.67.1', export: 'swap', forSwap: true, link: NBD_SWAP_LINK });
  assert.deepEqual(runs(p), [['mkswap', `<${NBD_SWAP_LINK}>`], ['swapon', `<${NBD_SWAP_LINK}>`]]);
  assert.deepEqual(p.needs, []);
});

test('swap: fat clients use the 2100 MiB threshold; NBD_SWAP_THRESHOLD overrides', () => {
  assert.equal(planSwap(ctxOf({ LTSP_FATCLIENT: 'True' }, [...NBD], { ramMiB: 1500 })).skipped, undefined);
  assert.match(planSwap(ctxOf({ NBD_SWAP_THRESHOLD: '100' }, [...NBD], { ramMiB: 256 })).skipped!, /256 MiB RAM >= NBD_SWAP_THRESHOLD 100/);
  const bad = planSwap(ctxOf({ NBD_SWAP_THRESHOLD: 'lots' }, [...NBD], { ramMiB: 256 }));
  assert.match(refusalOf(bad, 'NBD_SWAP_THRESHOLD'), /not a whole number/);
  assert.equal(bad.skipped, undefined, 'the default threshold is used');
});

test('swap: NBD_SWAP forces either way', () => {
  assert.match(planSwap(ctxOf({ NBD_SWAP: 'False' }, [...NBD], { ramMiB: 128 })).skipped!, /NBD_SWAP is false/);
  assert.equal(planSwap(ctxOf({ NBD_SWAP: 'yes' }, [...NBD], { ramMiB: 8192 })).skipped, undefined);
});

test('swap: NBD_SWAP_HOST by name waits for name resolution; hostile host refused with its key', () => {
  const p = planSwap(ctxOf({ NBD_SWAP: 'True', NBD_SWAP_HOST: 'swap.school.lan' }, [...NBD]));
  assert.deepEqual(p.needs, ['dns', 'hostname']);
  const evil = planSwap(ctxOf({ NBD_SWAP: 'True', NBD_SWAP_HOST: '-oProxyCommand=$(reboot)' }, [...NBD]));
  assert.match(refusalOf(evil, 'NBD_SWAP_HOST'), /not a host name/);
  assert.ok(!allText(evil).includes('reboot'));
  const attach = evil.actions.find((a) => a.kind === 'attach-nbd');
  assert.equal(attach?.kind === 'attach-nbd' && attach.host, '192.168.67.1', 'falls back to SERVER');
});

test('swap: encryption through dm-crypt; asked for without cryptsetup -> no swap at all', () => {
  const p = planSwap(ctxOf({ NBD_SWAP: 'True' }, [...NBD, '/sbin/cryptsetup']));
  const r = runs(p);
  assert.equal(r[0]![0], 'cryptsetup');
  assert.ok(r[0]!.includes('/dev/urandom'));
  assert.deepEqual(r.slice(1), [['mkswap', '/dev/mapper/ltsp-swap-nbd'], ['swapon', '/dev/mapper/ltsp-swap-nbd']]);
  const none = planSwap(ctxOf({ NBD_SWAP: 'True', ENCRYPT_SWAP: 'True' }, [...NBD]));
  assert.match(none.skipped!, /cryptsetup is missing/);
  assert.match(refusalOf(none, 'ENCRYPT_SWAP'), /no swap rather than swap in clear/);
  assert.equal(planSwap(ctxOf({ NBD_SWAP: 'True', ENCRYPT_SWAP: 'False' }, [...NBD, '/sbin/cryptsetup'])).actions.some((a) => a.kind === 'run' && a.argv[0] === 'cryptsetup'), false);
});

test('swap: USE_LOCAL_SWAP swaps on local partitions and turns the automatic NBD swap off', () => {
  const p = planSwap(ctxOf({ USE_LOCAL_SWAP: 'True' }, [...NBD], { ramMiB: 128 }));
  assert.deepEqual(p.actions.map((a) => a.kind), ['swapon-local']);
  const both = planSwap(ctxOf({ USE_LOCAL_SWAP: 'True', NBD_SWAP: 'True' }, [...NBD], { ramMiB: 128 }));
  assert.deepEqual(both.actions.map((a) => a.kind), ['swapon-local', 'attach-nbd', 'run', 'run']);
});

test('swap: without nbd-client or nbdfuse there is no NBD swap, said so', () => {
  const p = planSwap(ctxOf({ NBD_SWAP: 'True' }, []));
  assert.match(p.skipped!, /not possible/);
  assert.match(p.problems[0]!.message, /neither nbd-client nor nbdfuse/);
  assert.equal(planSwap(ctxOf({ NBD_SWAP: 'True' }, ['/usr/bin/nbdfuse'])).skipped, undefined);
});

test('swap: old swap keys are reported as ignored (by the key checks; the planner does not read them)', () => {
  const p = checkKeys([{ key: 'NBD_SWAP_PORT', value: '9572' }, { key: 'SWAP_SERVER', value: 'x' }]);
  assert.deepEqual(p.map((x) => [x.where.key, x.code]), [['NBD_SWAP_PORT', 'LTSP_KEY_IGNORED'], ['SWAP_SERVER', 'LTSP_KEY_IGNORED']]);
  assert.match(p[1]!.hint!, /NBD_SWAP_HOST/);
});

test('local swap detection: by signature or by partition type (encrypted swap has no signature left)', () => {
  assert.equal(isSwap('DEVNAME=/dev/sda2\nUUID=x\nTYPE=swap\n'), true);
  assert.equal(isSwap('DEVNAME=/dev/sda2\nPART_ENTRY_TYPE=0x82\n'), true);
  assert.equal(isSwap('DEVNAME=/dev/nvme0n1p3\nPART_ENTRY_TYPE=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F\n'), true);
  assert.equal(isSwap('DEVNAME=/dev/sda1\nTYPE=ext4\nPART_ENTRY_TYPE=0x83\n'), false);
});
