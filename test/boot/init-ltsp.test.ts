// init/init-ltsp on its own, without QEMU: whatever the agent does (missing, fails, hangs,
// switched off), init-ltsp hands over to init. Each case runs the real script in a private
// mount namespace (unshare -m) with a tmpfs /run and a fake /proc/cmdline, a fake agent (a
// small node script) and a fake init that says it was reached.

import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { REPO } from './lab.ts';

const unavailable =
  process.getuid?.() !== 0 ? 'needs root (mount namespace)' : spawnSync('unshare', ['--version']).status !== 0 ? 'needs unshare (util-linux)' : undefined;

const dir = mkdtempSync(join(tmpdir(), 'init-ltsp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fakeAgent = join(dir, 'agent.js');
writeFileSync(
  fakeAgent,
  [
    "const mode = process.env.FAKE_AGENT ?? 'ok';",
    "console.log('fake-agent args=' + process.argv.slice(2).join(' '));",
    "if (mode === 'fail') process.exit(3);",
    "if (mode === 'hang') setInterval(() => {}, 1000);",
  ].join('\n'),
);
const fakeInit = join(dir, 'init');
writeFileSync(fakeInit, '#!/bin/sh\necho "INIT REACHED $*"\nls /run/ltsp\ncat /run/ltsp/agent-failed 2>/dev/null || true\n');
chmodSync(fakeInit, 0o755);

// LTSP 5's init-ltsp as the image keeps it (init-ltsp.ltsp5): says it was reached and why.
const fakeLtsp5 = join(dir, 'init-ltsp.ltsp5');
writeFileSync(fakeLtsp5, '#!/bin/sh\necho "LTSP5 INIT-LTSP REACHED $*"\necho "ltsp5 flag: $(cat /run/ltsp/ltsp5)"\n');
chmodSync(fakeLtsp5, 0o755);
// A node that is too old for the agent (what Debian 10's nodejs prints).
const oldNode = join(dir, 'node10');
writeFileSync(oldNode, '#!/bin/sh\necho v10.24.0\n');
chmodSync(oldNode, 0o755);

interface Outcome {
  readonly status: number | null;
  readonly out: string;
}

function boot(cmdline: string, env: Record<string, string>): Outcome {
  const cmdfile = join(dir, 'cmdline');
  writeFileSync(cmdfile, `${cmdline} ltsp.real_init=${fakeInit}\n`);
  // Inside the namespace: our own /run, the fake command line, and no writes to the host's
  // kernel log.
  const script = [
    'set -e',
    'mount -t tmpfs tmpfs /run',
    `mount --bind ${cmdfile} /proc/cmdline`,
    'mount --bind /dev/null /dev/kmsg',
    `exec sh ${join(REPO, 'init', 'init-ltsp')}`,
  ].join('\n');
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], {
    encoding: 'utf8',
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LTSP_NODE: process.execPath, LTSP5_INIT: join(dir, 'no-ltsp5'), ...env },
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('init-ltsp', { skip: unavailable }, () => {
  it('runs the agent\'s boot phase with markers, then execs the real init', () => {
    const r = boot('init=/sbin/init-ltsp', { LTSP_AGENT: fakeAgent });
    assert.match(r.out, /fake-agent args=boot --markers/);
    assert.match(r.out, /init-ltsp: boot phase done/);
    assert.match(r.out, /INIT REACHED/);
    assert.equal(r.status, 0, r.out);
  });

  it('hands over to init when the agent is not installed', () => {
    const r = boot('init=/sbin/init-ltsp', { LTSP_AGENT: join(dir, 'missing') });
    assert.match(r.out, /ltsp-agent is not installed/);
    assert.match(r.out, /INIT REACHED/);
    assert.match(r.out, /agent missing/);
  });

  it('hands over to init when the boot phase fails', () => {
    const r = boot('init=/sbin/init-ltsp', { LTSP_AGENT: fakeAgent, FAKE_AGENT: 'fail' });
    assert.match(r.out, /boot phase exited with status 3; handing over to init anyway/);
    assert.match(r.out, /INIT REACHED/);
  });

  it('gives up on a boot phase that hangs (ltsp.agent_timeout) and hands over to init', () => {
    const r = boot('init=/sbin/init-ltsp ltsp.agent_timeout=1', { LTSP_AGENT: fakeAgent, FAKE_AGENT: 'hang' });
    assert.match(r.out, /boot phase timed out after 1s/);
    assert.match(r.out, /INIT REACHED/);
  });

  it('skips the agent with ltsp.agent=off and leaves a flag for the login unit', () => {
    const r = boot('init=/sbin/init-ltsp ltsp.agent=off', { LTSP_AGENT: fakeAgent });
    assert.doesNotMatch(r.out, /fake-agent/);
    assert.match(r.out, /agent disabled on the kernel command line/);
    assert.match(r.out, /agent-disabled/);
    assert.match(r.out, /INIT REACHED/);
  });

  describe('with LTSP 5\'s init-ltsp kept as init-ltsp.ltsp5', () => {
    const ltsp5 = { LTSP5_INIT: fakeLtsp5 };

    it('ltsp.agent=off boots LTSP 5\'s way: its init-ltsp gets the boot, with the arguments, and the flag says why', () => {
      const r = boot('init=/sbin/init-ltsp ltsp.agent=off', { ...ltsp5, LTSP_AGENT: fakeAgent });
      assert.doesNotMatch(r.out, /fake-agent/);
      assert.match(r.out, /ltsp\.agent=off: handing the boot over to LTSP 5's .*init-ltsp\.ltsp5/);
      assert.match(r.out, /LTSP5 INIT-LTSP REACHED/);
      assert.match(r.out, /ltsp5 flag: ltsp\.agent=off/);
      assert.doesNotMatch(r.out, /INIT REACHED/, 'LTSP 5\'s init-ltsp execs init itself');
    });

    it('no node: LTSP 5\'s init-ltsp', () => {
      const r = boot('init=/sbin/init-ltsp', { ...ltsp5, LTSP_AGENT: fakeAgent, LTSP_NODE: join(dir, 'no-node') });
      assert.match(r.out, /ltsp5 flag: node is not installed/);
      assert.doesNotMatch(r.out, /fake-agent/);
    });

    it('a node older than 18: LTSP 5\'s init-ltsp', () => {
      const r = boot('init=/sbin/init-ltsp', { ...ltsp5, LTSP_AGENT: fakeAgent, LTSP_NODE: oldNode });
      assert.match(r.out, /ltsp5 flag: node v10\.24\.0 is older than 18/);
      assert.doesNotMatch(r.out, /fake-agent/);
    });

    it('the agent not installed: LTSP 5\'s init-ltsp', () => {
      const r = boot('init=/sbin/init-ltsp', { ...ltsp5, LTSP_AGENT: join(dir, 'missing') });
      assert.match(r.out, /ltsp5 flag: ltsp-agent is not installed/);
    });

    it('an agent that can run runs; LTSP 5\'s init-ltsp stays unused', () => {
      const r = boot('init=/sbin/init-ltsp', { ...ltsp5, LTSP_AGENT: fakeAgent });
      assert.match(r.out, /fake-agent args=boot --markers/);
      assert.match(r.out, /INIT REACHED/);
      assert.doesNotMatch(r.out, /LTSP5 INIT-LTSP REACHED/);
      assert.doesNotMatch(r.out, /ltsp5$/m, 'no /run/ltsp/ltsp5 flag');
    });
  });
});
