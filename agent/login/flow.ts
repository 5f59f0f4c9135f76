// LDM's main flow (ldm.c) around the Greeter contract:
//
//   X server up -> rc `init` -> ldminfod of every LDM_SERVER at once -> greeter (or autologin)
//   -> LDM_USER_ALLOW -> rc `pressh` -> SSH (host key pinned, prompts relayed) -> greeter off
//   -> LDM_LIMIT_ONE_SESSION -> rc `start` (+ LDM_DIRECTX cookie) -> rc `xsession` before X95
//   -> the session, until it ends or the connection drops -> rc `xsession` after X95 -> rc `stop`
//   -> X server down -> again.
//
// Differences from LDM, on purpose: a failed login shows the reason and asks again on the same
// X server (LDM died and X restarted); the default server is the best ldminfod rating; the
// session command is quoted (agent/login/session.ts). The password lives in this function's
// variables only: registered as a secret at once, never in argv, environment or a file, and
// forgotten when the round ends.
//
// Every setting comes planned (agent/steps/login.ts, LoginSettings): this module reads no
// lts.conf key; it orchestrates the X server, the greeter, SSH and the session.

import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { isIPv4 } from 'node:net';
import { LtspError, errorMessage } from '../core/errors.ts';
import { endSecretRound, registerSecret, silentLogger, type Logger } from '../core/log.ts';
import type { LoginSettings } from '../steps/login.ts';
import type { DisplaySettings } from '../steps/display.ts';
import { chooseServer, fetchAll, type LdmInfoOptions, type ServerInfo } from '../net/ldminfo.ts';
import type { Greeter, GreeterSetup, ServerChoice, SessionChoice } from './greeter.ts';
import { parseKnownHosts, type KnownHostsFile } from './known-hosts.ts';
import { runHooks, SESSION_HOOK, type HookAction } from './rc-hooks.ts';
import { runProgram } from '../exec/process.ts';
import { COUNT_OTHER_SESSIONS_COMMAND, DIRECTX_XAUTH_COMMAND, LIMIT_ONE_SESSION_COMMAND, sessionCommand } from './session.ts';
import { sshLogin, type SessionEnd, type SshConnection } from './ssh.ts';
import { startXServer, type XServer } from './x-server.ts';
import { applyDisplaySettings, xStartOptions } from './display.ts';
import type { PowerAction } from '../exec/power.ts';
import { SessionState, type LogoutAction } from '../exec/session-state.ts';
import { texts, type Texts } from './i18n/index.ts';
import { startDirectXRelay } from './directx.ts';
import { decodeXauth, encodeXauth, findCookie, inetEntry } from './xauth.ts';

export const DEFAULT_KNOWN_HOSTS = ['/etc/ssh/ssh_known_hosts', '/root/.ssh/known_hosts'];
/** screen.d/ldm's LDM_DEFAULT_XSESSION: the first of these present in the client's image (the server usually has the same). */
const XSESSION_PATHS = ['/etc/X11/xinit/Xsession', '/etc/X11/Xsession', '/usr/lib/X11/xdm/Xsession', '/etc/X11/xdm/Xsession'];

async function defaultXsession(): Promise<string> {
  for (const p of XSESSION_PATHS) {
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return '/etc/X11/Xsession';
}

export interface DisplayInfo {
  readonly display: number;
  readonly xauthority?: string;
  /** DISPLAY (and XAUTHORITY) for programs on this display. */
  readonly env: Readonly<Record<string, string>>;
}

export type DisplaySpec =
  /** Start an X server per round (the thin client). */
  | { readonly kind: 'start'; readonly display: number; readonly vt?: number; readonly program?: string; readonly args?: readonly string[]; readonly runDir?: string }
  /** Use a running X server (`ltsp-agent login --display :N`, tests). */
  | { readonly kind: 'existing'; readonly display: number; readonly xauthority?: string };

export interface LoginOptions {
  /** What the login planner decided for this screen (agent/steps/login.ts). */
  readonly settings: LoginSettings;
  /** LDM_PASSWORD, when the settings say the guest password comes from it (the secrets file). */
  readonly password?: string;
  /** The client's address as the server sees it (the settings' ip, checked by the caller). */
  readonly clientIp: string;
  /** Makes the greeter for a display; called once per X server, only when a greeter is needed. */
  readonly greeter: (d: DisplayInfo) => Greeter | Promise<Greeter>;
  readonly display: DisplaySpec;
  readonly knownHostsFiles?: readonly string[];
  readonly rcDirs?: readonly string[];
  readonly ldminfo?: LdmInfoOptions;
  readonly connectTimeoutMs?: number;
  /** SSH keepalive interval (tests shorten it to see a dropped connection quickly). */
  readonly keepaliveMs?: number;
  /** Return after this many sessions (CLI, tests); default: loop forever like the screen script. */
  readonly maxSessions?: number;
  /** Autologin: give up after this many failed attempts in a row (default: never; LDM looped forever). */
  readonly maxAutologinFailures?: number;
  /**
   * Powers the client off or reboots it (agent/exec/power.ts): the greeter's Shut down and
   * Restart, and a pending HALT/REBOOT logout action after a session. Without it (a workstation,
   * tests) the greeter's choice ends runLogin and a pending action is only logged.
   */
  readonly power?: (action: PowerAction) => Promise<string>;
  /** Where session-active/ and logout-action live (default /run/ltsp). */
  readonly runDir?: string;
  /** Shows a notice on the session's display (the pending power-off); returns how to take it away. */
  readonly notice?: (d: DisplayInfo, text: string) => Promise<{ close(): Promise<void> }>;
  /** How often a running session looks for a new logout action (default 15 s). */
  readonly logoutActionPollMs?: number;
  readonly log?: Logger;
}

export type LoginResult =
  | { readonly kind: 'done'; readonly sessions: number; readonly last?: SessionEnd }
  | { readonly kind: 'reboot' }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'failed'; readonly error: LtspError };

interface Credentials {
  readonly username: string;
  readonly password: string;
  readonly server: string;
  readonly session?: string | undefined;
  readonly language?: string | undefined;
}

/** What the user sees for a failure: the reason, and what to do when it is the admin's job. */
export function userMessage(e: unknown): string {
  if (!(e instanceof LtspError)) return errorMessage(e);
  if (!e.hint) return e.message;
  const hint = e.code === 'LTSP_SSH_AUTH' ? e.hint[0]!.toUpperCase() + e.hint.slice(1) : `Administrator: ${e.hint}`;
  return `${e.message}.\n${hint}.`;
}

export async function loadKnownHosts(files: readonly string[], log: Logger): Promise<KnownHostsFile[]> {
  const out: KnownHostsFile[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, 'utf8');
    } catch {
      continue;
    }
    const k = parseKnownHosts(text, f);
    for (const p of k.problems) log.warn({ file: f }, `known_hosts: ${p}`);
    out.push(k);
  }
  return out;
}

/** LDM's get_guest: credentials for autologin and the guest button. */
export function guestCredentials(s: LoginSettings, password: string | undefined, chosen?: string): { username: string; password: string; server: string | undefined } {
  const { username, servers } = s.guest;
  const server = chosen !== undefined && servers.includes(chosen) ? chosen : servers[0];
  // Without LDM_PASSWORD the password is the user name, as LDM did: public, so not a secret.
  return { username, password: s.guest.password === 'LDM_PASSWORD' && password !== undefined ? password : username, server };
}

/** The display settings; none in settings written before there were any (a login.json of an older boot). */
function displayOf(s: LoginSettings): DisplaySettings {
  return s.display ?? { xrandrCommands: [], xset: [], fontServers: [] };
}

/** LDM_USER_ALLOW (LDM's S20-restrictUser): empty = everyone. */
export function userAllowed(s: LoginSettings, user: string): boolean {
  return s.userAllow.length === 0 || s.userAllow.includes(user);
}

export const GET_HOSTS = '/usr/share/ltsp/get_hosts';

/**
 * LDM_SERVER, else what the site's /usr/share/ltsp/get_hosts prints (LTSP 5's hook for load
 * balancing: screen.d/ldm ran it), else `server`.
 */
async function serverList(o: LoginOptions, log: Logger): Promise<string[]> {
  const l = o.settings.servers;
  if (l.length > 0) return [...l];
  try {
    await access(GET_HOSTS, constants.X_OK);
  } catch {
    return ['server'];
  }
  try {
    const r = await runProgram([GET_HOSTS], { timeoutMs: 10_000, log });
    const hosts = r.stdout.split(/\s+/).filter((h) => h.length > 0);
    if (r.code === 0 && hosts.length > 0) return hosts;
    log.warn({ code: r.code, stderr: r.stderr.slice(-500) }, `${GET_HOSTS} gave no servers; using "server"`);
  } catch (e) {
    log.warn({ err: errorMessage(e) }, `${GET_HOSTS} failed; using "server"`);
  }
  return ['server'];
}

function greeterSetup(o: LoginOptions, infos: readonly ServerInfo[]): GreeterSetup {
  const s = o.settings;
  const servers: ServerChoice[] = infos.map((s) => ({ host: s.host, ...(s.info?.rating !== undefined ? { rating: s.info.rating } : {}), down: s.info === undefined }));
  const defaultServer = chooseServer(infos) ?? servers[0]!.host;
  const src = infos.find((s) => s.host === defaultServer)?.info ?? infos.find((s) => s.info)?.info;
  const sessions: SessionChoice[] = [...(src?.sessions ?? [])];
  const forcedSession = s.session.forceSession;
  const forcedLanguage = s.session.forceLanguage;
  const timeout = s.loginTimeoutS;
  const layout = s.keyboardLayout;
  return {
    title: { hostname: s.client.hostname, ip: o.clientIp },
    servers,
    defaultServer,
    sessions,
    languages: [...(src?.languages ?? [])],
    ...(forcedSession ? { forcedSession } : {}),
    ...(forcedLanguage ? { forcedLanguage } : {}),
    allowGuest: s.guestButton,
    ...(timeout ? { loginTimeoutS: timeout } : {}),
    ...(layout ? { keyboardLayout: layout } : {}),
    ...(s.greeterLook?.menu.length ? { menu: s.greeterLook.menu.map((m) => m.label) } : {}),
    ...(s.greeterLook?.clockFormat ? { clockFormat: s.greeterLook.clockFormat } : {}),
  };
}

/** A stand-in for autologin, where nobody is there to answer prompts. */
function unattended(log: Logger): Greeter {
  return {
    ask: () => Promise.reject(new Error('autologin has no greeter')),
    message: async (text, kind) => void log[kind === 'error' ? 'warn' : 'info']({ text }, 'server message during autologin'),
    prompt: async (text) => {
      log.warn({ prompt: text }, 'autologin: the server asked a question nobody can answer');
      return '';
    },
    close: async () => undefined,
  };
}

export async function runLogin(o: LoginOptions): Promise<LoginResult> {
  const log = o.log ?? silentLogger;
  const s = o.settings;
  // LDM_PASSWORD equal to the user name (a guest account) hides nothing: the name is in every log
  // line and hook environment, and treating it as secret would refuse them all.
  if (o.password !== s.guest.username) registerSecret(o.password, 'process');
  const autologin = s.autologin;
  const port = s.sshPort;
  const knownHosts = await loadKnownHosts(o.knownHostsFiles ?? DEFAULT_KNOWN_HOSTS, log);
  if (knownHosts.length === 0) log.warn({ files: o.knownHostsFiles ?? DEFAULT_KNOWN_HOSTS }, 'no known_hosts file: every server will be refused; run ltsp-update-sshkeys on the server');
  let sessions = 0;
  let last: SessionEnd | undefined;
  let autoFailures = 0;
  let notice: string | undefined;
  const t = greeterTexts(s);
  const state = new SessionState(o.runDir);
  let marked = false;
  // A login that was killed during a session could not unmark it.
  await state.clearActive(s.vt).catch(() => undefined);

  for (;;) {
    let x: XServer | undefined;
    let greeter: Greeter | undefined;
    let conn: SshConnection | undefined;
    try {
      let disp: DisplayInfo;
      if (o.display.kind === 'start') {
        const start = await xStartOptions(displayOf(s), log); // USE_XFS's font server, X_RAMPERC's limit
        const args = [...(o.display.args ?? []), ...start.args];
        x = await startXServer({
          display: o.display.display,
          ...(o.display.vt !== undefined ? { vt: o.display.vt } : {}),
          ...(o.display.program ? { program: o.display.program } : {}),
          ...(args.length ? { args } : {}),
          ...(start.memoryLimitBytes !== undefined ? { memoryLimitBytes: start.memoryLimitBytes } : {}),
          ...(o.display.runDir ? { runDir: o.display.runDir } : {}),
          hostname: s.client.hostname,
          log,
        });
        disp = { display: x.display, xauthority: x.xauthority, env: x.env };
        // The keyboard as LTSP 5 set it once X was up (the image's xorg.conf.d snippet covers
        // X servers without setxkbmap); only on an X server of ours, never an admin's desktop.
        if (s.setxkbmap) {
          const r = await runProgram([...s.setxkbmap], { env: x.env, timeoutMs: 10_000, log }).catch((e: unknown) => ({ code: null, stderr: errorMessage(e) }));
          if (r.code !== 0) log.warn({ stderr: r.stderr.slice(-500) }, 'setxkbmap failed; the X server keeps its keyboard layout');
        }
        // Then outputs, blanking and NumLock (LTSP 5's xinitrc.d I10-xrandr, I10-dpms, I10-numlock).
        await applyDisplaySettings(displayOf(s), x, log);
      } else {
        const xa = o.display.xauthority;
        disp = { display: o.display.display, ...(xa ? { xauthority: xa } : {}), env: { DISPLAY: `:${o.display.display}`, ...(xa ? { XAUTHORITY: xa } : {}) } };
      }
      const cookie = x?.cookie ?? (disp.xauthority ? findCookie(decodeXauth(await readFile(disp.xauthority).catch(() => Buffer.alloc(0))), disp.display, s.client.hostname) : undefined);

      const baseEnv = hookEnv(o, disp);
      const hook = (action: HookAction, extra: Record<string, string> = {}, filter?: (n: string) => boolean) =>
        runHooks(action, { env: { ...baseEnv, ...extra }, log, ...(o.rcDirs ? { dirs: o.rcDirs } : {}), ...(filter ? { filter } : {}) });
      await hook('init');

      // ---- ask until a login works ----
      let creds: Credentials | undefined;
      let infos: ServerInfo[] = [];
      while (!creds || !conn) {
        const servers = await serverList(o, log);
        infos = await fetchAll(servers, o.ldminfo ?? {});
        for (const s of infos) if (s.error) log.warn({ host: s.host, code: s.error.code }, s.error.message);
        const setup = greeterSetup(o, infos);
        if (autologin) {
          const g = guestCredentials(s, o.password);
          creds = { username: g.username, password: g.password, server: g.server ?? setup.defaultServer };
          greeter ??= unattended(log);
        } else {
          greeter ??= await o.greeter(disp);
          if (notice) {
            await greeter.message(notice, 'info');
            notice = undefined;
          }
          const a = await greeter.ask(setup);
          if (a.kind === 'reboot' || a.kind === 'shutdown') {
            if (!o.power) return { kind: a.kind };
            try {
              await o.power(a.kind === 'reboot' ? 'reboot' : 'poweroff');
              return { kind: a.kind };
            } catch (e) {
              log.error({ err: errorMessage(e) }, `the greeter's ${a.kind} failed`);
              await greeter.message(t('powerFailed'), 'error');
              creds = undefined;
              continue;
            }
          }
          if (a.kind === 'menu') {
            runMenuEntry(s, a.index, disp, log);
            creds = undefined;
            continue;
          }
          if (a.kind === 'guest') {
            const g = guestCredentials(s, o.password, a.server);
            creds = { username: g.username, password: g.password, server: g.server ?? setup.defaultServer, session: a.session, language: a.language };
          } else {
            creds = { username: a.username, password: a.password, server: a.server || setup.defaultServer, session: a.session, language: a.language };
          }
        }
        // A typed password is secret for this round; the guest default (the user name) is not.
        if (creds.password !== creds.username) registerSecret(creds.password);
        if (!userAllowed(s, creds.username)) {
          const e = new LtspError('LTSP_LOGIN_DENIED', `user ${creds.username} may not log in on this computer`, { key: 'LDM_USER_ALLOW' }, 'add the user to LDM_USER_ALLOW in lts.conf');
          log.warn({ user: creds.username }, e.message);
          if (autologin) return { kind: 'failed', error: e };
          await greeter.message(t('notAllowed', { user: creds.username }), 'error');
          creds = undefined;
          continue;
        }
        await hook('pressh', { LDM_SERVER: creds.server, LDM_USERNAME: creds.username });
        if (!autologin) await greeter.message(t('verifying'), 'info');
        try {
          conn = await sshLogin({
            host: creds.server,
            port,
            username: creds.username,
            password: creds.password,
            knownHosts,
            aliases: aliasesFor(o, creds.server),
            greeter,
            ...(o.connectTimeoutMs !== undefined ? { connectTimeoutMs: o.connectTimeoutMs } : {}),
            ...(o.keepaliveMs !== undefined ? { keepaliveMs: o.keepaliveMs } : {}),
            log,
          });
          autoFailures = 0;
        } catch (e) {
          const err = e instanceof LtspError ? e : new LtspError('LTSP_SSH_UNREACHABLE', errorMessage(e), { host: creds.server });
          log.warn({ code: err.code, host: creds.server, user: creds.username }, err.message);
          if (autologin) {
            autoFailures++;
            if (o.maxAutologinFailures !== undefined && autoFailures >= o.maxAutologinFailures) return { kind: 'failed', error: err };
            await new Promise((r) => setTimeout(r, 5000)); // LDM retried every ~35 s; do not hammer a down server
          } else {
            await greeter.message(userMessage(err), 'error');
          }
          creds = undefined;
          continue;
        }
        if (!(await oneSession(conn, s, creds.username, autologin ? undefined : greeter, log, t))) {
          conn.close();
          conn = undefined;
          creds = undefined;
          await greeter.message(t('cancelled'), 'info');
        }
      }
      await greeter?.close();
      greeter = undefined;

      // ---- the session ----
      const who = { LDM_SERVER: creds.server, LDM_USERNAME: creds.username };
      const directx = s.directx;
      await hook('start', who);
      const relay = directx ? await startDirectXRelay({ display: disp.display, listenIp: o.clientIp, allow: [creds.server], log }) : undefined;
      try {
        if (directx && cookie && !isIPv4(o.clientIp)) log.warn({ ip: o.clientIp }, 'LDM_DIRECTX: the cookie can only be handed over for an IPv4 client address');
        else if (directx && cookie) {
          const r = await conn.exec(DIRECTX_XAUTH_COMMAND, encodeXauth([inetEntry(o.clientIp, disp.display, cookie)])).catch((e: unknown) => ({ code: null, stderr: errorMessage(e) }));
          if (r.code !== 0) log.warn({ stderr: r.stderr }, 'LDM_DIRECTX: xauth on the server failed; X clients will be refused');
        }
        // the reply read for the greeter a moment ago (LDM also used its cached file)
        const info = infos.find((s) => s.host === creds!.server)?.info;
        const xsession = s.session.xsession ?? info?.xsession ?? (await defaultXsession());
        const selected = creds.session && creds.session !== 'default' ? creds.session : undefined;
        const language = creds.language ?? s.session.language;
        const xenv = { ...who, LDM_XSESSION: xsession, LDM_SELECTED_SESSION: selected ?? 'default', ...(language ? { LDM_LANGUAGE: language } : {}) };
        await hook('xsession', xenv, (n) => n < SESSION_HOOK);
        const command = sessionCommand({
          client: { ip: o.clientIp, hostname: s.client.hostname, ...(s.client.mac ? { mac: s.client.mac } : {}) },
          xsession,
          ...(selected ? { selected } : {}),
          ...(s.session.ldmSession ? { ldmSession: s.session.ldmSession } : {}),
          ...(s.session.forceSession ? { forceSession: s.session.forceSession } : {}),
          ...(language ? { language } : {}),
          ...(s.session.forceLanguage ? { forceLanguage: s.session.forceLanguage } : {}),
          ...(directx ? { directxDisplay: `${o.clientIp}:${disp.display}` } : {}),
          soundEnv: s.sessionEnv.sound,
          scanner: s.sessionEnv.scanner,
          ...(s.sessionEnv.printer ? { printer: s.sessionEnv.printer } : {}),
          ...(s.sessionEnv.printerList ? { printerList: s.sessionEnv.printerList } : {}),
          killDbus: s.sessionEnv.killDbus,
          localdev: s.sessionEnv.localdev,
        });
        log.info({ server: creds.server, user: creds.username, xsession, session: selected ?? 'default' }, 'session starting');
        creds = { ...creds, password: '' }; // the session needs no password; drop our reference
        await state.markActive(s.vt).catch((e: unknown) => log.warn({ err: errorMessage(e), dir: state.activeDir }, 'cannot mark the session active; SHUTDOWN_TIME may power off during it'));
        marked = true;
        const remote = await conn.startSession(command, directx ? undefined : { display: disp.display, ...(cookie ? { cookie } : {}) });
        const watch = watchLogoutAction(o, state, disp, log, t);
        try {
          last = await remote.ended;
        } finally {
          await watch.stop();
        }
        log.info({ server: who.LDM_SERVER, user: who.LDM_USERNAME, ...last }, last.dropped ? 'connection to the server lost' : 'session ended');
        if (last.dropped) notice = t('connectionLost', { server: who.LDM_SERVER });
        await hook('xsession', xenv, (n) => n > SESSION_HOOK);
      } finally {
        await relay?.close();
      }
      await hook('stop', who);
      sessions++;
      await state.clearActive(s.vt).catch(() => undefined);
      marked = false;
      // SHUTDOWN_TIME came during the session (or the session asked): act on it now (LTSP 5's XS00-halt-reboot).
      const pending = await pendingLogoutAction(state, log);
      if (pending && o.power) {
        await x?.stop();
        x = undefined;
        const done = await o.power(pending === 'HALT' ? 'poweroff' : 'reboot').then(
          () => true,
          (e: unknown) => (log.error({ err: errorMessage(e) }, `logout action ${pending} failed`), false),
        );
        if (done) return { kind: pending === 'HALT' ? 'shutdown' : 'reboot' };
      }
    } catch (e) {
      // An X server that will not start, a greeter that dies: report, and try again after a
      // pause (the screen script restarted LDM the same way), unless the caller limits rounds.
      const err = e instanceof LtspError ? e : new LtspError('LTSP_EXEC_FAILED', errorMessage(e));
      log.error({ code: err.code }, err.message);
      // Nobody can ever answer a greeter whose input ended (a hung-up serial line): trying
      // again every 5 s would only fill the log.
      if (o.maxSessions !== undefined || err.code === 'LTSP_GREETER_INPUT_ENDED') return { kind: 'failed', error: err };
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      if (marked) await state.clearActive(s.vt).catch(() => undefined);
      marked = false;
      conn?.close();
      await greeter?.close().catch(() => undefined);
      await x?.stop();
      endSecretRound();
    }
    if (o.maxSessions !== undefined && sessions >= o.maxSessions) return { kind: 'done', sessions, ...(last ? { last } : {}) };
  }
}

/** LDM_MENU_COMMAND_n of the chosen greeter menu entry, on the greeter's display, not waited for (as LDM spawned it). */
function runMenuEntry(s: LoginSettings, index: number, d: DisplayInfo, log: Logger): void {
  const entry = s.greeterLook?.menu[index];
  if (!entry) return;
  log.info({ label: entry.label, argv: entry.argv }, 'greeter menu entry');
  void runProgram(entry.argv, { env: d.env, log }).then(
    (r) => r.code !== 0 && log.warn({ argv: entry.argv, code: r.code, stderr: r.stderr.slice(-500) }, 'greeter menu command failed'),
    (e: unknown) => log.warn({ argv: entry.argv, err: errorMessage(e) }, 'greeter menu command failed'),
  );
}

/** The logout action waiting for the session's end, read once and removed. */
async function pendingLogoutAction(state: SessionState, log: Logger): Promise<LogoutAction | undefined> {
  const action = await state.logoutAction();
  if (action) {
    log.info({ action }, 'logout action after the session');
    await state.clearLogoutAction().catch(() => undefined);
  }
  return action;
}

/** Text of the notice a session gets when a power-off or reboot waits for its end. */
export function logoutActionNotice(action: LogoutAction, t: Texts = texts('en')): string {
  return t(action === 'HALT' ? 'haltAfterLogout' : 'rebootAfterLogout');
}

/** The greeter's language: LDM_FORCE_LANGUAGE or LDM_LANGUAGE, else the login's LANG. */
export function greeterTexts(s: LoginSettings): Texts {
  return texts(s.session.forceLanguage ?? s.session.language ?? process.env['LANG']);
}

/**
 * While the session runs: when a HALT/REBOOT logout action appears (SHUTDOWN_TIME's cron line),
 * tell the user on the session's display, once; the action itself waits for the logout.
 */
function watchLogoutAction(o: LoginOptions, state: SessionState, d: DisplayInfo, log: Logger, t: Texts): { stop(): Promise<void> } {
  let shown: { close(): Promise<void> } | undefined;
  let told = false;
  let busy = false;
  const check = async () => {
    if (told || busy) return;
    busy = true;
    try {
      const action = await state.logoutAction();
      if (!action) return;
      told = true;
      log.info({ action }, 'a logout action waits for the end of the session; telling the user');
      if (o.notice) shown = await o.notice(d, logoutActionNotice(action, t));
    } catch (e) {
      log.warn({ err: errorMessage(e) }, 'could not show the logout notice');
    } finally {
      busy = false;
    }
  };
  void check();
  const timer = setInterval(() => void check(), o.logoutActionPollMs ?? 15_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await shown?.close().catch(() => undefined);
    },
  };
}

/**
 * LDM_LIMIT_ONE_SESSION (LDM's S15-userLoginCheck): end the user's other SSH logins on the
 * server, after asking with LDM_LIMIT_ONE_SESSION_PROMPT. False = the user chose to keep the
 * other session and not log in here. Never for root, as LDM.
 */
async function oneSession(conn: SshConnection, s: LoginSettings, user: string, greeter: Greeter | undefined, log: Logger, t: Texts): Promise<boolean> {
  if (s.otherSessions === 'keep' || user === 'root') return true;
  const failed = (e: unknown) => ({ code: null, stdout: '', stderr: errorMessage(e) });
  if (greeter && s.otherSessions === 'ask') {
    const n = Number((await conn.exec(COUNT_OTHER_SESSIONS_COMMAND).catch(failed)).stdout.trim());
    if (n > 0) {
      const a = await greeter.prompt(n === 1 ? t('otherSessionsOne') : t('otherSessionsMany', { n }), true);
      if (!/^\s*[yjos]/i.test(a)) return false; // yes, ja, oui, sí
    }
  }
  const r = await conn.exec(LIMIT_ONE_SESSION_COMMAND).catch(failed);
  if (r.code !== 0) log.warn({ stderr: r.stderr }, 'LDM_LIMIT_ONE_SESSION: could not end other sessions');
  return true;
}

/** The names the server's key may be filed under besides its own: `server` for the boot server. */
function aliasesFor(o: LoginOptions, host: string): string[] {
  const boot = o.settings.bootServer;
  return host !== 'server' && boot === host ? ['server'] : [];
}

/** The environment LDM's rc.d scripts saw: every lts.conf value, plus what ldm exported. */
function hookEnv(o: LoginOptions, d: DisplayInfo): Record<string, string> {
  return { ...o.settings.hookEnv, ...d.env, LDMINFO_IPADDR: o.clientIp, HOME: process.env['HOME'] ?? '/root' };
}
