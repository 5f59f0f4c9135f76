// Option injection: no value from lts.conf may begin an argument where the program reads options
// (`MODULE_01 = "-r snd_hda_intel"` must not become `modprobe -r snd_hda_intel`). Per step that
// puts a value into an argv: the value is refused with a problem naming the key and its line,
// and the rest of the step still plans. Then the whole class: every key of the registry set to
// an option-like value, every step planned, and no argv of the plan (run, daemon, and the argv
// files the login runs: xserver.json, keyboard.json) holds an element that starts with it.

import { test } from 'node:test';
import { planLoginFor } from '../../agent/steps/login.ts';
import assert from 'node:assert/strict';
import { allKeys } from '../../agent/config/keys.ts';
import { PROBED_PATHS } from '../../agent/facts/types.ts';
import type { Action, StepPlan } from '../../agent/plan/actions.ts';
import type { StepPlanner } from '../../agent/steps/context.ts';
import { stepPlanners } from '../../agent/steps/index.ts';
import { planInitCommands } from '../../agent/steps/init-commands.ts';
import { planModules } from '../../agent/steps/modules.ts';
import { planRcfiles } from '../../agent/steps/rcfiles.ts';
import { planCron } from '../../agent/steps/cron.ts';
import { planScreens } from '../../agent/steps/screens.ts';
import { planSwap } from '../../agent/steps/swap.ts';
import { planTime } from '../../agent/steps/time.ts';
import { planKeyboard } from '../../agent/steps/x.ts';
import { ctxOf, refusalOf } from './steps-fixtures.ts';

const everything = [...PROBED_PATHS];

/** Every argv the plan would run or hand to the login: run, daemon, xserver.json, keyboard.json. */
function argvs(plan: StepPlan): string[][] {
  const out: string[][] = [];
  for (const a of plan.actions as Action[]) {
    if (a.kind === 'run' || a.kind === 'daemon') out.push(a.argv.map((x) => (typeof x === 'string' ? x : x.path)));
    if (a.kind === 'write-file' && a.path.endsWith('.json')) {
      const j = JSON.parse(a.content) as Record<string, unknown>;
      for (const v of Object.values(j)) if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.push(v as string[]);
    }
  }
  return out;
}

interface Case {
  step: StepPlanner;
  key: string;
  value: string;
  /** A good key of the same step whose action must still be planned, and how to see it. */
  good: Record<string, string>;
  stillPlans: (argv: string[][], plan: StepPlan) => boolean;
}

const CASES: Case[] = [
  { step: planModules, key: 'MODULE_01', value: '-r snd_hda_intel', good: { MODULE_02: 'nbd' }, stillPlans: (a) => a.some((x) => x.join(' ') === 'modprobe -- nbd') },
  { step: planModules, key: 'MODULE_01', value: '-d /tmp evil', good: { MODULE_02: 'nbd' }, stillPlans: (a) => a.some((x) => x.includes('nbd')) },
  { step: planModules, key: 'MODULE_01', value: '--dirname=/tmp', good: { MODULE_02: 'nbd' }, stillPlans: (a) => a.some((x) => x.includes('nbd')) },
  { step: planModules, key: 'MODULE_01', value: 'snd -r', good: { MODULE_02: 'nbd' }, stillPlans: (a) => a.some((x) => x.includes('nbd')) },
  { step: planInitCommands, key: 'INIT_COMMAND_01', value: '-rf /', good: { INIT_COMMAND_02: '/bin/true' }, stillPlans: (a) => a.some((x) => x[0] === '/bin/true') },
  { step: planRcfiles, key: 'RCFILE_01', value: '--help', good: { RCFILE_02: '/usr/local/bin/lab' }, stillPlans: (_a, p) => JSON.stringify(p.actions).includes('/usr/local/bin/lab') },
  { step: planCron, key: 'CRONTAB_01', value: '0 7 * * * root -x', good: { CRONTAB_02: '0 8 * * * root /bin/true' }, stillPlans: (_a, p) => JSON.stringify(p.actions).includes('/bin/true') },
  { step: planScreens, key: 'SCREEN_02', value: '-x', good: { SCREEN_07: 'ldm' }, stillPlans: (_a, p) => JSON.stringify(p.actions).includes('ldm') },
  { step: planTime, key: 'TIMESERVER', value: '-d', good: { TIMEZONE: 'Europe/Paris' }, stillPlans: (_a, p) => p.actions.some((x) => x.kind === 'symlink') },
  { step: planTime, key: 'TIMESERVER', value: '-qu', good: { TIMEZONE: 'UTC' }, stillPlans: (_a, p) => p.actions.some((x) => x.kind === 'symlink') },
  { step: planSwap, key: 'NBD_SWAP_HOST', value: '-persist', good: { NBD_SWAP: 'True' }, stillPlans: (a) => a.some((x) => x[0] === 'mkswap') },
  { step: planKeyboard, key: 'XKBLAYOUT', value: '-print', good: { XKBVARIANT: 'nodeadkeys' }, stillPlans: (_a, p) => JSON.stringify(p.actions).includes('XkbVariant\\" \\"nodeadkeys') },
  { step: planKeyboard, key: 'XKBOPTIONS', value: '-rules', good: { XKBLAYOUT: 'de' }, stillPlans: (_a, p) => JSON.stringify(p.actions).includes('XkbLayout\\" \\"de') },
];

test('the login\'s setxkbmap leaves a refused XKB value out and keeps the others', () => {
  const s = planLoginFor(ctxOf({ XKBLAYOUT: '-print', XKBVARIANT: 'nodeadkeys' }, everything)).plan.screens[0]!;
  assert.deepEqual(s.setxkbmap, ['setxkbmap', '-variant', 'nodeadkeys']);
  const t = planLoginFor(ctxOf({ XKBOPTIONS: '-rules', XKBLAYOUT: 'de' }, everything)).plan.screens[0]!;
  assert.deepEqual(t.setxkbmap, ['setxkbmap', '-layout', 'de']);
});

for (const c of CASES) {
  test(`${c.key} = ${JSON.stringify(c.value)} is refused naming the key; the rest of the step plans`, () => {
    const plan = c.step(ctxOf({ [c.key]: c.value, ...c.good }, everything));
    refusalOf(plan, c.key);
    const first = c.value.split(' ')[0]!;
    for (const argv of argvs(plan)) assert.ok(!argv.includes(first), `${first} reached argv ${JSON.stringify(argv)}`);
    assert.ok(!JSON.stringify(plan.actions).includes(c.value), 'the refused value is nowhere in the plan');
    assert.ok(c.stillPlans(argvs(plan), plan), `the rest of ${plan.step} is planned: ${JSON.stringify(plan.actions)}`);
  });
}

test('SERVER itself option-like: the time step refuses it for ntpdate', () => {
  const plan = planTime(ctxOf({ TIMESERVER: 'auto', TIMEZONE: 'UTC' }, everything, {}, { server: '-d' }));
  assert.ok(plan.problems.some((p) => p.where.key === 'SERVER'));
  for (const argv of argvs(plan)) assert.ok(!argv.includes('-d'), JSON.stringify(argv));
});

test('the whole class: every key set to an option-like value; no argv of any step starts an element with it', () => {
  const names = [...new Set(allKeys().map((k) => k.name.replace(/<[^>]*>/g, '01')))];
  assert.ok(names.length > 100);
  for (const value of ['-oEvil', '--evil=/tmp', '-oEvil tail']) {
    const head = value.split(' ')[0]!;
    for (const name of names) {
      // a plausible base so that steps get as far as building their argv
      const conf = { SOUND: 'True', NBD_SWAP: 'True', TIMESERVER: 'ntp.lan', XKBLAYOUT: 'de', [name]: value };
      for (const planner of stepPlanners()) {
        const plan = planner(ctxOf(conf, everything));
        for (const argv of argvs(plan)) {
          const bad = argv.find((x) => x.startsWith(head));
          assert.equal(bad, undefined, `${name} = ${JSON.stringify(value)} put ${bad} into ${plan.step}'s argv ${JSON.stringify(argv)}`);
        }
      }
    }
  }
});
