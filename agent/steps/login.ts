// The login (LDM's settings): a planned step like the others. The planner turns the
// resolved lts.conf and the facts into typed, checked LoginSettings, one per screen that runs
// `ldm`, with that screen's SCREEN_NN_<KEY> values applied as LTSP 5's screen script did. The
// boot writes them to /run/ltsp/login.json; `ltsp-agent login` reads them and only orchestrates
// (X server, greeter, SSH, session). The autologin/guest password is the one secret: it goes to
// /run/ltsp/login-secrets.json (root only) and the settings name where it comes from.

import type { Problem } from '../core/errors.ts';
import { declareKeys, scopeReader, type KeyReader } from '../config/declare.ts';
import { bool, derived, format, int, k, T, unset, val } from '../config/key-spec.ts';
import { checkClientPath, checkHost, checkWord, read, readInt, readList, refusal, refuse, show, warn } from '../config/values.ts';
import type { ClientFacts } from '../facts/types.ts';
import type { Action } from '../plan/actions.ts';
import { isSecretKey } from '../config/keys.ts';
import { definePlanner, type PlannerInput, type StepContext } from './context.ts';
import { screenTable, type ScreenTableKey } from './screens.ts';
import { soundSessionEnv, type SoundChoiceKey } from './sound.ts';
import { planned, skipped } from './step.ts';
import { setxkbmapArgv, xServerArgs, type XkbKey, type XServerArgsKey } from './x.ts';
import { GREETER_KEY_DECLS, greeterLook, type GreeterKey, type GreeterLook } from './greeter-settings.ts';
import { describeDisplay, DISPLAY_KEY_DECLS, displaySettings, type DisplayKey, type DisplaySettings } from './display.ts';

export const LOGIN_FILE = '/run/ltsp/login.json';
export const LOGIN_SECRETS_FILE = '/run/ltsp/login-secrets.json';

export const LOGIN_KEYS = declareKeys(
  'login',
  {
    LDM_SERVER: k('login', T.hosts, derived('the output of /usr/share/ltsp/get_hosts, else `server` (LTSP 5.0: SERVER)'),
      'login servers, separated by spaces; the first one is preselected'),
    LDM_AUTOLOGIN: k('login', bool('ldm'), val('False'), 'log in without showing the greeter, as LDM_USERNAME'),
    LDM_GUESTLOGIN: k('login', bool('ldm'), val('False'), 'offer a guest login button'),
    LDM_USERNAME: k('login', T.string, derived('the client host name'), 'account for autologin and guest login'),
    LDM_PASSWORD: k('login', T.string, derived('LDM_USERNAME'), 'password for autologin and guest login', { secret: true }),
    LDM_GUEST_SERVER: k('login', T.hosts, derived('LDM_AUTOLOGIN_SERVER, else LDM_SERVER'), 'servers guest logins may use'),
    LDM_AUTOLOGIN_SERVER: k('login', T.hosts, derived('LDM_SERVER'), 'servers autologins may use'),
    HOST_TO_USERNAME: k('login', format(/^[^/\s]+\/[^/\s]*$/, 'prefix/replacement', 'pc/guest'), unset,
      'derive LDM_USERNAME from a host name that starts with the prefix and a digit (pc/guest: pc07 logs in as guest07)'),
    LDM_LOGIN_TIMEOUT: k('login', int(0, 86400, 's'), val('0'),
      'log in as guest after this many seconds with an empty user name field; 0 never does'),
    LDM_SESSION: k('login', T.string, derived('the server\'s default session'),
      'session to start: a desktop file name from /usr/share/xsessions or a command'),
    LDM_FORCE_SESSION: k('login', T.word, unset, 'always start this desktop session and hide the session menu'),
    LDM_XSESSION: k('login', T.path, derived('what ldminfod reports, else the first Xsession script found'), 'session wrapper script on the server'),
    LDM_LANGUAGE: k('login', T.word, derived('the user\'s ~/.dmrc'),
      'locale of the session; only LANG is set, although the man page also names LANGUAGE and LC_ALL'),
    LDM_FORCE_LANGUAGE: k('login', T.word, unset, 'always use this locale and hide the language menu'),
    LDM_DIRECTX: k('login', bool('ldm'), val('False'),
      'let the server draw on the client over plain TCP instead of through ssh (faster, unencrypted; the sample lts.conf turned it on)'),
    SSH_OVERRIDE_PORT: k('login', T.port, val('22'), 'ssh port of the login servers'),
    LDM_LIMIT_ONE_SESSION: k('login', bool(), val('False'), 'end the user\'s other sessions on the server at login'),
    LDM_LIMIT_ONE_SESSION_PROMPT: k('login', bool(), val('False'), 'ask before ending the other sessions'),
    LDM_USER_ALLOW: k('login', T.commaList, unset, 'only these users may log in on this client (comma-separated)'),
    LDM_PRINTER_DEFAULT: k('login', T.word, unset, 'default printer queue for the session (PRINTER)'),
    LDM_PRINTER_LIST: k('login', T.commaList, unset, 'printer queues offered to the session (PRINTER_LIST)'),
    LDM_GREETER: k('login', T.word, val('ldmgtkgreet'), 'greeter program for `--greeter ldm`'),
    KILL_DBUS_DAEMON: k('login', bool(), val('True'), 'kill the user\'s dbus daemons on the server when the session ends'),
    LOCALDEV: k('devices', bool(), derived('True when ltspfsd is installed; unset on fat clients'),
      'make USB sticks and CDs of the client visible in the remote session; the ltspfs package does the work, the login runs its cleanup at logout'),
    SCANNER: k('devices', bool(), unset, 'point the session at the client\'s scanner (SANE_NET_HOSTS); saned itself must be enabled in the image'),
    LTSP_FATCLIENT: k('core', bool(), derived('True when the image has a desktop session and RAM >= FAT_RAM_THRESHOLD'),
      'run desktop sessions on the client itself instead of on the server (not yet: issue 12); also picks the swap threshold, colour depth and sound default'),
    // what the login does to its X server once it is up (agent/steps/display.ts)
    ...DISPLAY_KEY_DECLS,
    // the greeter's menu entries, theme and clock (agent/steps/greeter-settings.ts)
    ...GREETER_KEY_DECLS,
  },
  {
    'X_MODE_<n>': T.string,
    // the X server, keyboard and sound environment of this screen's session
    X_CONF: T.path,
    X_COLOR_DEPTH: { kind: 'enum', values: ['1', '4', '8', '15', '16', '24', '30'] },
    X_SMART_COLOR_DEPTH: bool(),
    XKBLAYOUT: T.word,
    XKBMODEL: T.word,
    XKBVARIANT: T.word,
    XKBOPTIONS: T.word,
    XKBRULES: T.word,
    SOUND: bool(),
    SOUND_DAEMON: { kind: 'enum', values: ['pulse', 'esd', 'nasd', 'false', 'n', 'no'] },
    // which screens run the login, and their per-screen values
    'SCREEN_<01-12>': T.command,
    'SCREEN_<01-12>_<KEY>': T.perScreen,
    SCREEN_DEFAULT: format(/^(0?[1-9]|1[0-2])$/, 'a screen number from 1 to 12', '07'),
    DEFAULT_DISPLAY_MANAGER: T.string,
  },
);

type LoginKey = (typeof LOGIN_KEYS)['own'][number]['name'];

/** Where the autologin/guest password comes from: LDM_PASSWORD (in the secrets file) or, as LDM, the user name. */
export type PasswordSource = 'LDM_PASSWORD' | 'username';

export interface LoginSettings {
  /** The virtual terminal of this screen; its X display is :vt, as LTSP 5's screen script chose. */
  readonly vt: number;
  readonly client: { readonly ip?: string; readonly hostname: string; readonly mac?: string };
  /** LDM_SERVER; empty: /usr/share/ltsp/get_hosts at login time, else `server` (LTSP 5's screen.d/ldm). */
  readonly servers: readonly string[];
  /** The boot server: its host key may be filed under the name `server` (ltsp-update-sshkeys). */
  readonly bootServer: string;
  readonly sshPort: number;
  readonly autologin: boolean;
  readonly guestButton: boolean;
  /** Account for autologin and the guest button (LDM's get_guest). */
  readonly guest: { readonly username: string; readonly password: PasswordSource; readonly servers: readonly string[] };
  readonly loginTimeoutS?: number;
  /** LDM_USER_ALLOW; empty: everyone. */
  readonly userAllow: readonly string[];
  readonly session: {
    readonly ldmSession?: string;
    readonly forceSession?: string;
    readonly xsession?: string;
    readonly language?: string;
    readonly forceLanguage?: string;
  };
  readonly directx: boolean;
  /** LDM_LIMIT_ONE_SESSION(_PROMPT). */
  readonly otherSessions: 'keep' | 'end' | 'ask';
  /** Arguments for the X server the login starts (-config, -depth). */
  readonly xserverArgs: readonly string[];
  /** What the login does to its X server once it is up: xrandr, xset, NumLock, memory limit, font servers. */
  readonly display: DisplaySettings;
  /** The greeter's extra menu entries, theme directory and clock format. */
  readonly greeterLook?: GreeterLook;
  /** Run once X is up, as LTSP 5 did; undefined when no XKB* key is set. */
  readonly setxkbmap?: readonly string[];
  readonly keyboardLayout?: string;
  /** What the session on the server gets besides the LTSP_CLIENT variables. */
  readonly sessionEnv: {
    readonly sound: Readonly<Record<string, string>>;
    readonly printer?: string;
    readonly printerList?: string;
    readonly scanner: boolean;
    readonly killDbus: boolean;
    readonly localdev: boolean;
  };
  /** LDM_GREETER, for `--greeter ldm`. */
  readonly ldmGreeter?: string;
  /** The environment rc.d hooks and an LDM greeter saw: every lts.conf value but the secrets. */
  readonly hookEnv: Readonly<Record<string, string>>;
}

/** The login's secrets, kept apart from the settings (root-only file; never printed). */
export interface LoginSecrets {
  /** Per VT: LDM_PASSWORD as that screen sees it. */
  readonly passwords: Readonly<Record<string, string>>;
}

export interface LoginPlan {
  readonly screens: readonly LoginSettings[];
}

/** HOST_TO_USERNAME=pc/guest: host pc07 logs in as guest07 (LTSP 5's ltsp_config.d/50-host-to-username). */
export function hostToUsername(rule: string | undefined, hostname: string): string | undefined {
  const m = rule ? /^([^/\s]+)\/([^/\s]*)$/.exec(rule) : null;
  if (!m || !hostname.startsWith(m[1]!) || !/^\d/.test(hostname.slice(m[1]!.length)) || m[2] === '') return undefined;
  return m[2]! + hostname.slice(m[1]!.length);
}

const USER = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

/** What the login planner reads: its own keys and those of the X, keyboard, sound, screens, display and greeter helpers it calls. */
type LoginReader = KeyReader<LoginKey | XServerArgsKey | XkbKey | SoundChoiceKey | ScreenTableKey | DisplayKey | GreeterKey>;

function hosts(config: LoginReader, key: 'LDM_SERVER' | 'LDM_GUEST_SERVER' | 'LDM_AUTOLOGIN_SERVER', problems: Problem[]): string[] {
  return readList(config, key, problems, checkHost);
}

/** One screen's settings from a reader that already has the screen's SCREEN_NN_<KEY> values. */
export function loginSettings(config: LoginReader, vt: number, ctx: { facts: ClientFacts; hostname: string; server: string }, problems: Problem[]): { settings: LoginSettings; password?: string } {
  const servers = hosts(config, 'LDM_SERVER', problems);
  const autologinServers = hosts(config, 'LDM_AUTOLOGIN_SERVER', problems);
  const guestServers = hosts(config, 'LDM_GUEST_SERVER', problems);
  const rule = read(config, 'HOST_TO_USERNAME', problems, (c, key, v) =>
    /^[^/\s]+\/[^/\s]*$/.test(v) ? { ok: true, value: v } : refuse<string>(c, key, `${show(v)} is not prefix/replacement`, 'write HOST_TO_USERNAME like pc/guest'),
  );
  const named = read(config, 'LDM_USERNAME', problems, (c, key, v) =>
    USER.test(v) ? { ok: true, value: v } : refuse<string>(c, key, `${show(v)} is not a user name`, 'set LDM_USERNAME to an account name'),
  );
  const password = config.nonEmpty('LDM_PASSWORD');
  const autologin = config.bool('LDM_AUTOLOGIN');
  const guestButton = config.bool('LDM_GUESTLOGIN');
  const timeout = readInt(config, 'LDM_LOGIN_TIMEOUT', problems, {});
  if (timeout !== undefined && timeout > 0 && !guestButton && !autologin) {
    problems.push(warn(config, 'LDM_LOGIN_TIMEOUT', 'the greeter logs in as guest after the timeout, but LDM_GUESTLOGIN is not true', 'set LDM_GUESTLOGIN=True, or remove LDM_LOGIN_TIMEOUT'));
  }
  const fat = config.bool('LTSP_FATCLIENT');
  if (fat) problems.push(warn(config, 'LTSP_FATCLIENT', 'fat-client sessions are not implemented yet: the session runs on the server (swap, colour depth and sound follow the fat-client defaults)', 'remove LTSP_FATCLIENT, or keep LTSP 5 for these clients until ltsp-agent has fat clients'));
  const printer = read(config, 'LDM_PRINTER_DEFAULT', problems, checkWord);
  const printerList = config.nonEmpty('LDM_PRINTER_LIST');
  const listed = printerList?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const badPrinter = listed.find((p) => !/^[A-Za-z0-9_.@-]+$/.test(p));
  if (badPrinter !== undefined) problems.push(refusal(config, 'LDM_PRINTER_LIST', `${show(badPrinter)} is not a printer queue name`, 'write queue names separated by commas'));
  const xsession = read(config, 'LDM_XSESSION', problems, checkClientPath);
  const word = (key: 'LDM_FORCE_SESSION' | 'LDM_LANGUAGE' | 'LDM_FORCE_LANGUAGE' | 'LDM_GREETER') => read(config, key, problems, checkWord);
  const ldmSession = config.nonEmpty('LDM_SESSION'); // a desktop name or a command: quoted on the server (login/session.ts)
  const forceSession = word('LDM_FORCE_SESSION');
  const language = word('LDM_LANGUAGE');
  const forceLanguage = word('LDM_FORCE_LANGUAGE');
  const greeter = word('LDM_GREETER');
  const xkbProblems: Problem[] = []; // the keyboard step reports them
  // setxkbmap where the image has it; the keyboard step's xorg.conf.d snippet covers the rest.
  const setxkbmap = ctx.facts.present.has('/usr/bin/setxkbmap') ? setxkbmapArgv(config, xkbProblems) : undefined;
  const layout = config.nonEmpty('XKBLAYOUT');
  const xProblems: Problem[] = []; // the x step reports them
  const x = xServerArgs(config, xProblems);
  const shown = displaySettings(config, problems);
  // USE_XFS without XFS_SERVER: the login servers, else the boot server (LTSP 5's screen scripts passed theirs)
  const useXfs = shown.fontServers.length === 0 && config.bool('USE_XFS') && config.nonEmpty('XFS_SERVER') === undefined;
  const look = greeterLook(config, problems);
  const display: DisplaySettings = useXfs ? { ...shown, fontServers: servers.length > 0 ? servers : [ctx.server] } : shown;
  const limit = config.bool('LDM_LIMIT_ONE_SESSION');
  const hookEnv: Record<string, string> = {};
  for (const [key, v] of config.passOn()) if (!isSecretKey(key)) hookEnv[key] = v.value;

  const { facts } = ctx;
  const settings: LoginSettings = {
    vt,
    client: { hostname: ctx.hostname, ...(facts.ip ? { ip: facts.ip.value } : {}), ...(facts.mac ? { mac: facts.mac.value } : {}) },
    servers,
    bootServer: ctx.server,
    sshPort: readInt(config, 'SSH_OVERRIDE_PORT', problems, {}, 22),
    autologin,
    guestButton,
    guest: {
      username: named ?? hostToUsername(rule, ctx.hostname) ?? ctx.hostname,
      password: password !== undefined ? 'LDM_PASSWORD' : 'username',
      servers: [guestServers, autologinServers, servers].find((l) => l.length > 0) ?? [],
    },
    ...(timeout !== undefined && timeout > 0 ? { loginTimeoutS: timeout } : {}),
    userAllow: (config.get('LDM_USER_ALLOW') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    session: {
      ...(ldmSession !== undefined ? { ldmSession } : {}),
      ...(forceSession !== undefined ? { forceSession } : {}),
      ...(xsession !== undefined ? { xsession } : {}),
      ...(language !== undefined ? { language } : {}),
      ...(forceLanguage !== undefined ? { forceLanguage } : {}),
    },
    directx: config.bool('LDM_DIRECTX'),
    otherSessions: !limit ? 'keep' : config.bool('LDM_LIMIT_ONE_SESSION_PROMPT') ? 'ask' : 'end',
    xserverArgs: x.args,
    display,
    greeterLook: look,
    ...(setxkbmap ? { setxkbmap } : {}),
    ...(layout !== undefined ? { keyboardLayout: layout } : {}),
    sessionEnv: {
      sound: soundSessionEnv({ config, facts }),
      ...(printer !== undefined ? { printer } : {}),
      ...(printerList !== undefined && badPrinter === undefined ? { printerList } : {}),
      scanner: config.bool('SCANNER'),
      killDbus: config.bool('KILL_DBUS_DAEMON', true),
      localdev: config.bool('LOCALDEV'),
    },
    ...(greeter !== undefined ? { ldmGreeter: greeter } : {}),
    hookEnv,
  };
  return password !== undefined ? { settings, password } : { settings };
}

/** The settings as a person reads them in the text plan (the JSON plan has them whole). */
export function describeSettings(s: LoginSettings): string[] {
  const on = (b: boolean) => (b ? 'on' : 'off');
  const ses = s.session;
  const env = s.sessionEnv;
  return [
    `screen ${String(s.vt).padStart(2, '0')} (display :${s.vt}), client ${s.client.hostname} ${s.client.ip ?? '(no address)'}`,
    `servers   ${s.servers.length ? s.servers.join(' ') : '/usr/share/ltsp/get_hosts, else "server"'}; ssh port ${s.sshPort}; host keys pinned (${s.bootServer} also as "server")`,
    `greeter   ${s.autologin ? `none: autologin as ${s.guest.username}` : `guest button ${on(s.guestButton)}`}${s.loginTimeoutS ? `, guest after ${s.loginTimeoutS} s` : ''}${s.userAllow.length ? `; only ${s.userAllow.join(', ')}` : ''}`,
    ...(s.autologin || s.guestButton ? [`guest     ${s.guest.username} on ${s.guest.servers.join(' ') || 'the chosen server'}, password ${s.guest.password === 'LDM_PASSWORD' ? 'LDM_PASSWORD (secrets file)' : 'the user name'}`] : []),
    `session   ${ses.forceSession ?? ses.ldmSession ?? "the user's default"}${ses.forceSession ? ' (forced)' : ''}; language ${ses.forceLanguage ?? ses.language ?? "the user's"}${ses.xsession ? `; wrapper ${ses.xsession}` : ''}`,
    ...(describeDisplay(s.display) ? [`settings  ${describeDisplay(s.display)}`] : []),
    `display   X ${s.xserverArgs.join(' ') || '(autoconfigured)'}${s.setxkbmap ? `; ${s.setxkbmap.join(' ')}` : s.keyboardLayout ? `; keyboard ${s.keyboardLayout} (xorg.conf.d)` : ''}; ${s.directx ? 'LDM_DIRECTX: X over plain TCP' : 'X over ssh'}`,
    `other     ${s.otherSessions === 'keep' ? 'other sessions kept' : s.otherSessions === 'ask' ? 'asks before ending other sessions' : 'other sessions ended'}; sound ${env.sound['PULSE_SERVER'] ?? 'none'}${env.printer ? `; printer ${env.printer}` : ''}${env.scanner ? '; scanner' : ''}${env.localdev ? '; ltspfs cleanup' : ''}`,
  ];
}

type LoginContext = StepContext<(typeof LOGIN_KEYS)['own'][number]['name'] | (typeof LOGIN_KEYS)['also'][number]['name']>;

/** The login's settings per ldm screen, its secrets and its problems; `skipped` when no screen runs ldm. */
export interface PlannedLogin {
  readonly plan: LoginPlan;
  readonly secrets?: LoginSecrets;
  readonly problems: readonly Problem[];
  readonly skipped?: string;
}

function planLoginSettings(ctx: LoginContext): PlannedLogin {
  const problems: Problem[] = [];
  const table = screenTable(ctx.config, []); // the screens step reports the table's problems
  // a menu screen may run the login too (its default first entry is ldm)
  const ldm = table.screens.filter((s) => s.script === 'ldm' || s.script === 'menu');
  if (ldm.length === 0) return { plan: { screens: [] }, problems, skipped: `no screen runs ldm (${table.screens.map((s) => `${String(s.vt).padStart(2, '0')}=${s.script}`).join(', ') || 'no screens'})` };

  const screens: LoginSettings[] = [];
  const passwords: Record<string, string> = {};
  for (const s of ldm) {
    const label = `SCREEN_${String(s.vt).padStart(2, '0')}`;
    const config = ctx.config.overlay(s.overrides, label);
    const r = loginSettings(config, s.vt, ctx, problems);
    screens.push(r.settings);
    if (r.password !== undefined) passwords[String(s.vt)] = r.password;
  }
  // (Dedup: the same refusal can come from each screen's reading of a shared key.)
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const id = `${p.code} ${p.where.key} ${p.where.line} ${p.message}`;
    return seen.has(id) ? false : (seen.add(id), true);
  });
  return { plan: { screens }, ...(Object.keys(passwords).length > 0 ? { secrets: { passwords } } : {}), problems: unique };
}

/** The same planning for `ltsp-agent login` on a workstation (--lts-conf): no boot, same settings. */
export function planLoginFor(input: PlannerInput): PlannedLogin {
  return planLoginSettings({ facts: input.facts, server: input.server, hostname: input.hostname, config: scopeReader(input.config, LOGIN_KEYS, input.record) });
}

export const planLogin = definePlanner(LOGIN_KEYS, (ctx) => {
  const planned_ = planLoginSettings(ctx);
  if (planned_.skipped !== undefined) return skipped('login', planned_.skipped, planned_.problems);
  const { plan, secrets } = planned_;
  const vts = plan.screens.map((s) => String(s.vt).padStart(2, '0'));
  const keys = ['LDM_SERVER', 'LDM_AUTOLOGIN', 'LDM_GUESTLOGIN', 'LDM_DIRECTX', ...vts.map((vt) => `SCREEN_${vt}`)];
  const actions: Action[] = [
    { kind: 'write-file', path: LOGIN_FILE, content: JSON.stringify(plan, null, 2) + '\n', mode: 0o644, summary: plan.screens.flatMap(describeSettings), keys, why: `the login's settings for screen ${vts.join(', ')}` },
  ];
  if (secrets) {
    actions.push({ kind: 'write-file', path: LOGIN_SECRETS_FILE, content: JSON.stringify(secrets) + '\n', mode: 0o600, secret: true, keys: ['LDM_PASSWORD'], why: 'the autologin/guest password, readable by root only' });
  }
  return planned('login', [], actions, planned_.problems);
});
