import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../../agent/exec/executor.ts';
import { nbdClientArgv, nbdUri } from '../../agent/exec/nbd.ts';
import type { Action, StepPlan } from '../../agent/plan/actions.ts';

const attach = (over: Partial<Extract<Action, { kind: 'attach-nbd' }>> = {}): Extract<Action, { kind: 'attach-nbd' }> => ({
  kind: 'attach-nbd', host: '192.168.67.1', export: 'swap', forSwap: true, link: '/run/ltsp/dev/nbd-swap', keys: [], why: 'test', ...over,
});

test('nbd: the URI for nbdfuse brackets IPv6 hosts and escapes the export name', () => {
  assert.equal(nbdUri(attach()), 'nbd://192.168.67.1/swap');
  assert.equal(nbdUri(attach({ host: 'fd00::1', port: 10810 })), 'nbd://[fd00::1]:10810/swap');
  assert.equal(nbdUri(attach({ export: '/opt/ltsp/i386 swap' })), 'nbd://192.168.67.1/%2Fopt%2Fltsp%2Fi386%20swap');
});

test('nbd: the nbd-client command is the one LTSP 5.3+ ran', () => {
  assert.deepEqual(nbdClientArgv(attach(), '/dev/nbd1'), ['nbd-client', '192.168.67.1', '-N', 'swap', '/dev/nbd1', '-swap']);
  assert.deepEqual(nbdClientArgv(attach({ port: 10810, forSwap: false }), '/dev/nbd2'), ['nbd-client', '192.168.67.1', '10810', '-N', 'swap', '/dev/nbd2']);
});

test('executor: concurrent steps appending to one file lose no line', async () => {
  const root = mkdtempSync(join(tmpdir(), 'exec-append-'));
  try {
    const steps: StepPlan[] = (['hostname', 'dns', 'modules', 'time', 'swap', 'sound', 'syslog', 'x'] as const).map((step, i) => ({
      step,
      needs: [],
      problems: [],
      actions: [
        { kind: 'run', argv: ['true', String(i)], keys: [], why: 'recorded' },
        { kind: 'export-env', vars: { [`V${i}`]: String(i) }, keys: [], why: 'exported' },
      ],
    }));
    await new Executor({ root }).apply(steps);
    assert.equal(readFileSync(join(root, 'run/ltsp/commands.log'), 'utf8').trim().split('\n').length, steps.length);
    assert.equal(readFileSync(join(root, 'run/ltsp/ltsp_config_env'), 'utf8').trim().split('\n').length, steps.length);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
