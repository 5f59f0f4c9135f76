// The step registry as a whole: every planner is registered once, its needs name real steps
// and form no cycle, planners are pure, and the example lts.conf files plan without a single
// refused value while exercising the steps.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePlan } from '../../agent/boot/make-plan.ts';
import { parseLtsConf } from '../../agent/config/ltsconf-parse.ts';
import { Executor, describeAction } from '../../agent/exec/executor.ts';
import { PROBED_PATHS } from '../../agent/facts/types.ts';
import { topoOrder } from '../../agent/plan/plan.ts';
import { STEP_PLANNERS } from '../../agent/steps/index.ts';
import { BOOT_PLANNERS } from '../../agent/boot/make-plan.ts';
import { ctxOf, factsOf } from './steps-fixtures.ts';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples');
const everything = [...PROBED_PATHS];

test('registry: one planner per step, needs name steps of the boot, no cycle', () => {
  const plans = BOOT_PLANNERS.map((p) => p(ctxOf({ NBD_SWAP: 'True', TIMESERVER: 'ntp.lan', INIT_COMMAND_1: '/bin/true' }, everything)));
  const names = plans.map((p) => p.step);
  assert.equal(new Set(names).size, names.length, `duplicate step: ${names}`);
  for (const s of ['hostname', 'dns', 'modules', 'time', 'swap', 'sound', 'syslog', 'x', 'keyboard', 'fstab', 'cron', 'rcfiles', 'init-commands', 'machine-id', 'interfaces', 'screens']) {
    assert.ok(names.includes(s as never), `${s} is registered`);
  }
  for (const p of plans) for (const n of p.needs) assert.ok(names.includes(n), `${p.step} needs unknown step ${n}`);
  assert.equal(topoOrder(plans).length, plans.length);
});

test('registry: planners are pure (same context, same plan) and survive an empty config and no facts', () => {
  const ctx = ctxOf({ SOUND: 'True', SYSLOG_HOST: '10.0.0.1', XKBLAYOUT: 'de' }, everything);
  for (const planner of STEP_PLANNERS) assert.deepEqual(planner(ctx), planner(ctx));
  const bare = { config: ctxOf({}).config, facts: factsOf([], { mac: undefined, ip: undefined, device: undefined, dns: [], dnsDomain: undefined }), server: '192.168.67.1', hostname: 'ltsp' };
  for (const planner of STEP_PLANNERS) assert.doesNotThrow(() => planner(bare), planner.name);
});

test('examples: every example lts.conf plans with no refused value, and together they exercise every step', () => {
  const used = new Set<string>();
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.conf'))) {
    const conf = parseLtsConf(readFileSync(join(EXAMPLES, file)), { file });
    assert.deepEqual(conf.problems, [], file);
    for (const [mac, ip] of [['52:54:00:00:0a:01', '10.0.0.21'], ['00:1e:68:c2:ff:01', '192.168.67.21'], ['02:00:00:00:00:01', '192.168.67.20']] as const) {
      const facts = factsOf(everything, { mac: { value: mac, source: 'flag' }, ip: { value: ip, source: 'flag' }, ramMiB: 256 });
      const { plan } = makePlan({ facts, conf, source: { used: 'file', why: 'test' } });
      for (const s of plan.steps) {
        const unsafe = s.problems.filter((p) => p.code === 'LTSP_VALUE_UNSAFE');
        assert.deepEqual(unsafe, [], `${file} ${mac}: ${s.step}`);
        if (s.skipped === undefined) used.add(s.step);
      }
    }
  }
  for (const s of ['hostname', 'dns', 'modules', 'time', 'swap', 'sound', 'syslog', 'x', 'keyboard', 'fstab', 'cron', 'rcfiles', 'init-commands', 'machine-id', 'interfaces', 'screens']) {
    assert.ok(used.has(s), `no example exercises ${s}`);
  }
});

test('dry application under --root: new actions are recorded, not run', async () => {
  const root = mkdtempSync(join(tmpdir(), 'steps-root-'));
  try {
    const plans = STEP_PLANNERS.map((p) => p(ctxOf({ NBD_SWAP: 'True', USE_LOCAL_SWAP: 'True', ENCRYPT_SWAP: 'False' }, ['/sbin/nbd-client']))).filter((p) => p.step === 'swap');
    for (const a of plans[0]!.actions) assert.ok(describeAction(a).length > 0);
    const results = await new Executor({ root }).apply(plans);
    assert.equal(results[0]!.outcome, 'ok', results[0]!.reason);
    const log = readFileSync(join(root, 'run/ltsp/commands.log'), 'utf8');
    assert.match(log, /^swapon-local: swapon '<every local swap partition>'$/m);
    assert.match(log, /^attach-nbd: nbd-client 192\.168\.67\.1 -N swap \/dev\/nbdN -swap$/m);
    assert.match(log, /^run: mkswap \/run\/ltsp\/dev\/nbd-swap$/m);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
