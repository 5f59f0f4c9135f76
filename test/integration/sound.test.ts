// Sound for real: the agent's sound step starts PulseAudio in the client namespace. The server
// namespace can use it over TCP 4713 (as the remote session does with PULSE_SERVER); any other
// address is refused; the configured volume is on the sink.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { hasProgram, labUnavailable, withLab } from '../lab/lab.ts';
import { labFacts, runSteps } from './steps-lab.ts';

const skip = labUnavailable() ?? (hasProgram('pulseaudio') && hasProgram('pactl') ? undefined : 'needs pulseaudio and pactl');

function pactl(lab: { exec: (ns: string, argv: string[]) => string }, ns: string, server: string, ...args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: lab.exec(ns, ['pactl', '-s', server, ...args]) };
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer };
    return { ok: false, out: `${err.stdout?.toString() ?? ''}${err.stderr?.toString() ?? ''}` };
  }
}

test('sound: PulseAudio answers the server only, with the configured volume, and the session env points at it', { skip }, () =>
  withLab(async (lab) => {
    // The system daemon's runtime directory is the host's /run/pulse (namespaces share /run).
    const hadRunPulse = existsSync('/run/pulse');
    lab.defer(() => {
      if (!hadRunPulse) rmSync('/run/pulse', { recursive: true, force: true });
    });
    const root = join(lab.dir, 'root');
    mkdirSync(root);
    const run = runSteps(lab, {
      root,
      steps: ['sound'],
      config: { SOUND: 'True', VOLUME: '65' },
      facts: labFacts(lab, ['/usr/bin/pulseaudio', '/usr/bin/pactl']),
    });
    assert.equal(run.byStep('sound').outcome, 'ok', run.byStep('sound').reason);

    const server = `tcp:${lab.clientIp}:4713`;
    const fromServer = pactl(lab, lab.srv, server, 'info');
    assert.ok(fromServer.ok, fromServer.out);
    assert.match(fromServer.out, /Server Name: pulseaudio/);

    for (const [what, s] of [['the client\'s own address', server], ['loopback', 'tcp:127.0.0.1:4713']] as const) {
      const other = pactl(lab, lab.cli, s, 'info');
      assert.equal(other.ok, false, `${what} must be refused`);
      assert.match(other.out, /Access denied|Connection refused|Connection terminated/i, what);
    }

    const volume = pactl(lab, lab.srv, server, 'get-sink-volume', '@DEFAULT_SINK@');
    assert.ok(volume.ok, volume.out);
    assert.match(volume.out, /\b65%/);

    const env = execFileSync('cat', [join(root, 'run/ltsp/ltsp_config_env')]).toString();
    assert.match(env, new RegExp(`PULSE_SERVER=tcp:${lab.clientIp.replace(/\./g, '\\.')}:4713`));
  }));
