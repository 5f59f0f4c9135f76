// Sound for the remote session: the client's PulseAudio, which the session on the
// server plays to over TCP (PULSE_SERVER=tcp:<client>:4713).
//
// LTSP 5 loaded the TCP module with auth-anonymous=1: anyone on the LAN could play to the
// client's speakers and record its microphone. Here the TCP module admits only the addresses
// sessions come from (SERVER and the LDM_SERVER list) through auth-ip-acl; everything else is
// refused at connect. Local control goes through the unix socket.
//
// Volumes: VOLUME (default 90) on the default sink, and on ALSA cards' mixer controls where
// amixer and sound cards exist (<CONTROL>_VOLUME per control, PCM 90, MIC 40, VOLUME_MANUAL:
// only the controls named), as LTSP 5's udev helper did per card.

import type { Problem } from '../core/errors.ts';
import { declareKeys, type KeyReader } from '../config/declare.ts';
import { bool, derived, enumOf, int, k, T, val } from '../config/key-spec.ts';
import { isIP, readInt, show, warn } from '../config/values.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { Action } from '../plan/actions.ts';
import { definePlanner, present } from './context.ts';
import { planned, skipped } from './step.ts';

export const PULSE_TCP_PORT = 4713;
/** The system daemon's unix socket (its runtime directory is /var/run/pulse). */
export const PULSE_UNIX_SOCKET = '/var/run/pulse/native';

export const SOUND_KEYS = declareKeys(
  'sound',
  {
    SOUND: k('sound', bool(), derived('True on thin clients when PulseAudio is installed'), 'run a sound server on the client and point the remote session at it'),
    SOUND_DAEMON: k('sound', enumOf('pulse', 'esd', 'nasd', 'false', 'n', 'no'), derived('pulse when PulseAudio is installed'),
      'which sound server: pulse (LTSP 5.3+ starts only this one), esd or nasd (LDM still exports their variables)'),
    VOLUME: k('sound', int(0, 100, '%'), val('90'), 'volume for every playback control without its own setting'),
    VOLUME_MANUAL: k('sound', bool(), val('False'), 'touch only the mixer controls that have their own _VOLUME key'),
    '<CONTROL>_VOLUME': k('sound', int(0, 100, '%'), derived('VOLUME; 40 for controls whose name contains MIC'),
      'volume of one mixer control; the name is the control\'s, upper-cased, spaces and dashes as _ (PCM_VOLUME, MIC_BOOST_VOLUME)'),
  },
  { LTSP_FATCLIENT: bool(), LDM_SERVER: T.hosts },
);

/** The keys soundSessionEnv reads: whoever calls it declares them too (the login does). */
export type SoundChoiceKey = 'SOUND' | 'SOUND_DAEMON' | 'LTSP_FATCLIENT';

type SoundChoice = { on: true } | { on: false; why: string; problem?: Problem };

/** SOUND and SOUND_DAEMON as LTSP 5 read them (ltsp_config.d/25sound). */
function soundChoice(config: KeyReader<SoundChoiceKey>, facts: ClientFacts): SoundChoice {
  const havePulse = facts.present.has('/usr/bin/pulseaudio');
  const fat = config.bool('LTSP_FATCLIENT');
  if (!config.bool('SOUND', havePulse && !fat)) return { on: false, why: config.nonEmpty('SOUND') !== undefined ? 'SOUND is false' : fat ? 'fat client: sound is local' : 'PulseAudio is not installed in the client' };
  const daemon = (config.nonEmpty('SOUND_DAEMON') ?? 'pulse').toLowerCase();
  if (['false', 'n', 'no'].includes(daemon)) return { on: false, why: 'SOUND_DAEMON is false' };
  if (daemon !== 'pulse') return { on: false, why: `SOUND_DAEMON ${daemon} is not supported`, problem: warn(config, 'SOUND_DAEMON', `"${daemon}" is not supported (LTSP 5.18 also started only pulse)`, 'set SOUND_DAEMON=pulse') };
  if (!havePulse) return { on: false, why: 'SOUND is true but PulseAudio is not installed in the client', problem: warn(config, 'SOUND', 'PulseAudio is not installed in the client chroot', 'install pulseaudio in the client chroot') };
  return { on: true };
}

/** tcp:ADDR:4713 with an IPv6 address in brackets. */
function tcpAddress(ip: string): string {
  return `tcp:${ip.includes(':') ? `[${ip}]` : ip}:${PULSE_TCP_PORT}`;
}

/**
 * What the login hands to the remote session so that its sound comes to this client (LDM's
 * X50-generate-env). Empty when this client has no sound daemon for the session.
 */
export function soundSessionEnv(ctx: { config: KeyReader<SoundChoiceKey>; facts: ClientFacts }): Record<string, string> {
  const ip = ctx.facts.ip?.value;
  if (ip === undefined || !isIP(ip) || !soundChoice(ctx.config, ctx.facts).on) return {};
  return { PULSE_SERVER: tcpAddress(ip), LTSP_ALSA_DEFAULT: 'pulse' };
}

/** Mixer control name for a <CONTROL>_VOLUME key (LTSP 5 upper-cased the names the other way). */
const CONTROL_NAMES: Record<string, string> = { PCM: 'PCM', CD: 'CD', MASTER: 'Master', FRONT: 'Front', HEADPHONE: 'Headphone', SPEAKER: 'Speaker', MIC: 'Mic', LINE: 'Line', CAPTURE: 'Capture', MIC_BOOST: 'Mic Boost' };
function controlName(keyPart: string): string {
  return CONTROL_NAMES[keyPart] ?? keyPart.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join(' ');
}

function amixerScript(config: KeyReader<'VOLUME_MANUAL' | '<CONTROL>_VOLUME'>, problems: Problem[], volume: number): { lines: string[]; keys: string[] } {
  const manual = config.bool('VOLUME_MANUAL');
  const perControl = new Map<string, { percent: number; key: string }>();
  if (!manual) {
    perControl.set('MASTER', { percent: volume, key: 'VOLUME' });
    perControl.set('PCM', { percent: 90, key: 'PCM_VOLUME' });
  }
  for (const [key] of config.family('<CONTROL>_VOLUME')) {
    const m = /^([A-Z0-9_]+)_VOLUME$/.exec(key);
    if (!m) continue;
    const percent = readInt(config, key, problems, { min: 0, max: 100 });
    if (percent !== undefined) perControl.set(m[1]!, { percent, key });
  }
  const lines: string[] = [];
  for (const [part, { percent }] of perControl) {
    const capture = part.includes('MIC');
    lines.push(`sset '${controlName(part)}' ${percent}% unmute${capture ? ' cap' : ''}`);
  }
  return { lines, keys: [...new Set([...perControl.values()].map((c) => c.key))] };
}

export const planSound = definePlanner(SOUND_KEYS, (ctx) => {
  const { config, facts } = ctx;
  const problems: Problem[] = [];
  const choice = soundChoice(config, facts);
  if (!choice.on) return skipped('sound', choice.why, choice.problem ? [choice.problem] : []);

  // Who may connect: the servers sessions run on. PulseAudio's ACL takes addresses only.
  const acl = new Set<string>();
  const sources = [{ key: 'SERVER', host: ctx.server }, ...config.list('LDM_SERVER').map((host) => ({ key: 'LDM_SERVER', host }))];
  for (const { key, host } of sources) {
    if (isIP(host)) acl.add(host);
    else problems.push(warn(config, key, `${show(host)} is a name; PulseAudio admits addresses only, so sessions from it get no sound`, `set ${key} to an address`));
  }
  if (acl.size === 0) return skipped('sound', 'no server address to admit: sound over the network would be open to anyone', problems);
  const ip = facts.ip?.value;
  if (ip === undefined) problems.push(warn(config, 'SOUND', 'the client address is not known: the session cannot be told where to send sound'));

  const keys = ['SOUND', 'SOUND_DAEMON'];
  const argv = [
    'pulseaudio', '--system', '--daemonize=no', '-n', '--disallow-exit', '--exit-idle-time=-1', '--use-pid-file=no', '--disable-shm', '--no-cpu-limit',
    ...(present(ctx, '/dev/snd') ? ['-L', 'module-udev-detect'] : []),
    // A sink even without a sound card, so sessions do not fail; the card's sink wins when present.
    '-L', 'module-always-sink',
    '-L', `module-native-protocol-tcp port=${PULSE_TCP_PORT} auth-ip-acl=${[...acl].join(';')}`,
    '-L', 'module-native-protocol-unix auth-anonymous=1',
    '-L', 'module-rescue-streams',
    '-L', 'module-suspend-on-idle',
  ];
  const volume = readInt(config, 'VOLUME', problems, { min: 0, max: 100 }, 90);
  const actions: Action[] = [
    { kind: 'daemon', name: 'pulseaudio', argv, readyWhen: { tcpPort: PULSE_TCP_PORT, host: '127.0.0.1' }, readyTimeoutMs: 15_000, keys: [...keys, 'SERVER', 'LDM_SERVER'], why: `sound for sessions on ${[...acl].join(', ')}, refused to anyone else` },
    // No restore module is loaded, so a sink never starts muted: the volume is all there is to set.
    { kind: 'run', argv: ['pactl', '--server', `unix:${PULSE_UNIX_SOCKET}`, 'set-sink-volume', '@DEFAULT_SINK@', `${volume}%`], timeoutMs: 10_000, keys: ['VOLUME'], why: 'the configured volume on the default sink' },
  ];
  if (present(ctx, '/usr/bin/amixer') && present(ctx, '/dev/snd')) {
    const mixer = amixerScript(config, problems, volume);
    if (mixer.lines.length > 0) actions.push({ kind: 'run', argv: ['amixer', '-c', '0', '--stdin'], stdin: mixer.lines.join('\n') + '\n', bestEffort: true, timeoutMs: 10_000, keys: mixer.keys, why: 'mixer volumes of the first sound card' });
  }
  const env = soundSessionEnv(ctx);
  if (Object.keys(env).length > 0) actions.push({ kind: 'export-env', vars: env, keys, why: 'the remote session sends its sound here' });
  // export-env adds to ltsp_config_env, which the lts-conf step writes whole: after it, or lost.
  return planned('sound', Object.keys(env).length > 0 ? ['lts-conf'] : [], actions, problems);
});
