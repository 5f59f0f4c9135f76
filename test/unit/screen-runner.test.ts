// The screen runner's pure parts: the fast-restart limit (init's: 10 starts in 2 minutes, then
// 5 minutes' pause) and the menu screen's text and answers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAST_PAUSE_MS, FAST_STARTS, FAST_WINDOW_MS, RestartPolicy } from '../../agent/screen/restart.ts';
import { menuAnswer, renderMenu } from '../../agent/screen/menu.ts';

test('restart: a screen restarts at once until it started 10 times within 2 minutes, then pauses 5 minutes and counts again', () => {
  const p = new RestartPolicy();
  let t = 0;
  for (let i = 0; i < FAST_STARTS; i++) assert.equal(p.beforeStart((t += 1000)), 0, `start ${i + 1}`);
  assert.equal(p.beforeStart((t += 1000)), FAST_PAUSE_MS);
  t += FAST_PAUSE_MS;
  for (let i = 0; i < FAST_STARTS - 1; i++) assert.equal(p.beforeStart((t += 1000)), 0, `after the pause, start ${i + 1}`);
  // a screen that runs a while between ends never pauses
  const slow = new RestartPolicy();
  for (let i = 0, u = 0; i < 100; i++) assert.equal(slow.beforeStart((u += FAST_WINDOW_MS / (FAST_STARTS - 1))), 0);
});

test('menu: numbered entries, pages of MENU_LISTHEIGHT, answers by number; anything else asks again', () => {
  const labels = ['Linux', 'Windows A', 'Windows B', 'Shell'];
  const first = renderMenu('Please choose a desktop: ', labels, 3, 0);
  assert.match(first, /^Please choose a desktop:$/m);
  assert.match(first, /^ {2}1\) Linux$/m);
  assert.match(first, /^ {2}3\) Windows B$/m);
  assert.doesNotMatch(first, /Shell/);
  assert.match(first, /page 1\/2/);
  assert.match(renderMenu('T', labels, 3, 1), /^ {2}4\) Shell$/m);
  assert.deepEqual(menuAnswer('2', 4, 3, 0), { kind: 'item', index: 1 });
  assert.deepEqual(menuAnswer(' 4 ', 4, 3, 0), { kind: 'item', index: 3 });
  assert.deepEqual(menuAnswer('n', 4, 3, 0), { kind: 'page', page: 1 });
  assert.deepEqual(menuAnswer('p', 4, 3, 0), { kind: 'page', page: 1 });
  for (const bad of ['0', '5', '', 'ldm', '1; reboot', '-1']) assert.deepEqual(menuAnswer(bad, 4, 3, 0), { kind: 'invalid' }, bad);
  assert.deepEqual(menuAnswer('n', 2, 5, 0), { kind: 'invalid' }, 'one page: no paging');
});
