import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from '../../agent/plan/actions.ts';
import { planSound, soundSessionEnv } from '../../agent/steps/sound.ts';
import { allText, ctxOf, refusalOf, runs } from './steps-fixtures.ts';

const PULSE = ['/usr/bin/pulseaudio'] as const;
const daemonOf = (actions: readonly Action[]) => actions.find((a): a is Extract<Action, { kind: 'daemon' }> => a.kind === 'daemon')!;

test('sound: on by default when PulseAudio is installed; TCP admits only the server', () => {
  const p = planSound(ctxOf({}, [...PULSE]));
  const d = daemonOf(p.actions);
  assert.ok(d.argv.includes('--system'));
  const tcp = d.argv.find((a) => typeof a === 'string' && a.startsWith('module-native-protocol-tcp'));
  assert.equal(tcp, 'module-native-protocol-tcp port=4713 auth-ip-acl=192.168.67.1');
  assert.deepEqual(runs(p).map((r) => r.slice(3)), [['set-sink-volume', '@DEFAULT_SINK@', '90%']]);
  const env = p.actions.find((a) => a.kind === 'export-env');
  assert.deepEqual(env?.kind === 'export-env' && env.vars, { PULSE_SERVER: 'tcp:192.168.67.20:4713', LTSP_ALSA_DEFAULT: 'pulse' });
});

test('sound: LDM_SERVER addresses are admitted too; names are reported, not admitted', () => {
  const p = planSound(ctxOf({ LDM_SERVER: '192.168.67.2 apps.school.lan' }, [...PULSE]));
  const tcp = daemonOf(p.actions).argv.find((a) => typeof a === 'string' && a.startsWith('module-native-protocol-tcp'));
  assert.equal(tcp, 'module-native-protocol-tcp port=4713 auth-ip-acl=192.168.67.1;192.168.67.2');
  assert.match(refusalOf(p, 'LDM_SERVER'), /"apps\.school\.lan" is a name/);
});

test('sound: off, unsupported daemon, fat client, missing PulseAudio', () => {
  assert.match(planSound(ctxOf({ SOUND: 'False' }, [...PULSE])).skipped!, /SOUND is false/);
  assert.match(planSound(ctxOf({ SOUND_DAEMON: 'esd' }, [...PULSE])).skipped!, /esd is not supported/);
  assert.match(planSound(ctxOf({ LTSP_FATCLIENT: 'True' }, [...PULSE])).skipped!, /fat client/);
  assert.match(planSound(ctxOf({}, [])).skipped!, /not installed/);
  assert.match(planSound(ctxOf({ SOUND: 'True' }, [])).skipped!, /not installed/);
});

test('sound: VOLUME is checked; a bad one is named and 90 is used', () => {
  assert.deepEqual(runs(planSound(ctxOf({ VOLUME: '65' }, [...PULSE])))[0]!.slice(3), ['set-sink-volume', '@DEFAULT_SINK@', '65%']);
  const bad = planSound(ctxOf({ VOLUME: '65%; reboot' }, [...PULSE]));
  assert.match(refusalOf(bad, 'VOLUME'), /whole number/);
  assert.ok(!allText(bad).includes('reboot'));
  assert.match(refusalOf(planSound(ctxOf({ VOLUME: '150' }, [...PULSE])), 'VOLUME'), /out of range/);
});

test('sound: ALSA mixer volumes per control where there are cards and amixer', () => {
  const p = planSound(ctxOf({ VOLUME: '80', MIC_VOLUME: '30', HEADPHONE_VOLUME: '70' }, [...PULSE, '/usr/bin/amixer', '/dev/snd']));
  const amixer = p.actions.find((a) => a.kind === 'run' && a.argv[0] === 'amixer');
  assert.ok(amixer?.kind === 'run');
  assert.deepEqual(amixer.stdin!.trim().split('\n').sort(), ["sset 'Headphone' 70% unmute", "sset 'Master' 80% unmute", "sset 'Mic' 30% unmute cap", "sset 'PCM' 90% unmute"]);
  assert.ok(daemonOf(p.actions).argv.includes('module-udev-detect'));
  const manual = planSound(ctxOf({ VOLUME_MANUAL: 'True', PCM_VOLUME: '50' }, [...PULSE, '/usr/bin/amixer', '/dev/snd']));
  const m = manual.actions.find((a) => a.kind === 'run' && a.argv[0] === 'amixer');
  assert.equal(m?.kind === 'run' && m.stdin, "sset 'PCM' 50% unmute\n");
});

test('sound: the session env for the login', () => {
  assert.deepEqual(soundSessionEnv(ctxOf({}, [...PULSE])), { PULSE_SERVER: 'tcp:192.168.67.20:4713', LTSP_ALSA_DEFAULT: 'pulse' });
  assert.deepEqual(soundSessionEnv(ctxOf({}, [...PULSE], { ip: { value: 'fd00::20', source: 'flag' } })), { PULSE_SERVER: 'tcp:[fd00::20]:4713', LTSP_ALSA_DEFAULT: 'pulse' });
  assert.deepEqual(soundSessionEnv(ctxOf({ SOUND: 'n' }, [...PULSE])), {});
});

test('sound: a server given by name cannot be admitted: no open TCP sound at all', () => {
  const p = planSound(ctxOf({ SERVER: 'ltsp.school.lan' }, [...PULSE], {}, { server: 'ltsp.school.lan' }));
  assert.match(p.skipped!, /open to anyone/);
  assert.match(refusalOf(p, 'SERVER'), /is a name/);
});
