// Sizes the input decides: a step with 200,000 actions (as 200,000 MODULE_* keys give), as
// many problems, rendered as text and as JSON. Spreading such arrays into a call
// (`out.push(...lines)`) overflowed the stack: the dry run died with exit 70.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePlan } from '../../agent/boot/make-plan.ts';
import { maxOf, pushAll } from '../../agent/core/arrays.ts';
import type { Problem } from '../../agent/core/errors.ts';
import { planToJson, renderPlan, renderProblems } from '../../agent/plan/render.ts';
import { definePlanner, type StepPlanner } from '../../agent/steps/context.ts';
import { declareKeys } from '../../agent/config/declare.ts';
import { factsOf } from './steps-fixtures.ts';

const N = 200_000;

test(`a plan with a step of ${N} actions and ${N} problems renders as text and as JSON`, () => {
  const planner: StepPlanner = definePlanner(declareKeys('modules', {}), () => ({
    step: 'modules',
    needs: [],
    actions: Array.from({ length: N }, (_, i) => ({ kind: 'run' as const, argv: ['modprobe', '--', `m${i}`], keys: [`MODULE_${i}`], why: 'load' })),
    problems: Array.from({ length: N }, (_, i): Problem => ({ code: 'LTSP_VALUE_UNSAFE', message: `bad ${i}`, where: { key: `MODULE_${i}` } })),
  }));
  const { plan } = makePlan({ facts: factsOf(), conf: undefined, source: { used: 'none', why: 'test' }, planners: [planner] });
  const text = renderPlan({ ...plan, problems: plan.steps[0]!.problems });
  assert.equal(text.split('\n').filter((l) => l.startsWith('    - run modprobe -- m')).length, N);
  assert.match(text, new RegExp(`lts.conf: ${N} errors, 0 warnings`));
  const json = JSON.parse(planToJson(plan)) as { steps: Array<{ actions: unknown[] }> };
  assert.equal(json.steps[0]!.actions.length, N);
  assert.equal(renderProblems(plan.steps[0]!.problems).length, N + 1);
});

test('pushAll and maxOf take arrays of any length', () => {
  const big = Array.from({ length: 500_000 }, (_, i) => i);
  assert.equal(pushAll([-1], big).length, 500_001);
  assert.equal(maxOf(big), 499_999);
  assert.equal(maxOf([], 0), 0);
  assert.equal(maxOf([-5, -3]), -3);
});
