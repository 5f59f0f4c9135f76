// LDM's rc.d hooks, so that images with site scripts in /etc/ldm/rc.d keep working:
// for an action, every script named `<letter>[A-Za-z0-9_-]*` from /etc/ldm/rc.d,
// /usr/share/ldm/rc.d and /usr/lib/ldm/rc.d (a name in an earlier directory hides the same name
// in a later one), sorted, is *sourced* by one /bin/sh with PATH=/sbin:/bin:/usr/sbin:/usr/bin and
// umask 022 — the scripts of one action share variables, as under ldm-script.
//
// Scripts that LDM itself shipped for things the agent now does natively are skipped
// (NATIVE_HOOKS): running X95-run-x-session would start a second session over a control socket
// that no longer exists. LDM_SOCKET (LDM's OpenSSH control-master socket) is not provided: the
// agent's SSH connection is not an OpenSSH process; docs/login.md says what to use instead.

import { readdir, readFile } from 'node:fs/promises';
import { silentLogger, type Logger } from '../core/log.ts';
import { runProgram } from '../exec/process.ts';

export const RC_DIRS = ['/etc/ldm/rc.d', '/usr/share/ldm/rc.d', '/usr/lib/ldm/rc.d'] as const;

export type HookAction = 'init' | 'pressh' | 'start' | 'xsession' | 'stop';

const LETTER: Record<HookAction, string> = { init: 'I', pressh: 'P', start: 'S', xsession: 'X', stop: 'K' };

/** LDM's own scripts whose work the agent does itself (and which would fail without LDM_SOCKET). */
export const NATIVE_HOOKS: ReadonlySet<string> = new Set([
  'S01-setup-xauth', // LDM_DIRECTX cookie: agent/login/session.ts DIRECTX_XAUTH_COMMAND
  'S15-userLoginCheck', // LDM_LIMIT_ONE_SESSION: LIMIT_ONE_SESSION_COMMAND
  'S20-restrictUser', // LDM_USER_ALLOW: checked before connecting
  'X50-dmrc-processing', // session/language: the session script
  'X50-generate-env', // session environment: sessionEnv()
  'X95-run-x-session', // the session itself
]);

/** Where the session runs among the X hooks: those sorting before it run before the session. */
export const SESSION_HOOK = 'X95-run-x-session';

/** The scripts for an action: unique names, first directory wins, sorted by name. */
export async function listHooks(action: HookAction, dirs: readonly string[] = RC_DIRS): Promise<Array<{ name: string; path: string }>> {
  const seen = new Map<string, string>();
  const re = new RegExp(`^${LETTER[action]}[A-Za-z0-9_-]*$`);
  for (const dir of dirs) {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      continue;
    }
    for (const n of names) if (re.test(n) && !seen.has(n)) seen.set(n, `${dir}/${n}`);
  }
  return [...seen.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, path]) => ({ name, path }));
}

/** Where the hooks' output goes (LDM sent it to /dev/null with the rest of its output). */
export const HOOK_LOG = '/run/ltsp/ldm-hooks.log';

// Output goes to a file, not back to us through a pipe: hooks start background programs
// (`xcompmgr -a &`, ltsp-localappsd) that would hold a pipe open, and the login would wait for
// them. `true >>file` tests the file without the fatal redirection error of a special builtin.
const DRIVER = `umask 022
if true >>"$LDM_HOOK_LOG" 2>/dev/null; then exec >>"$LDM_HOOK_LOG" 2>&1; else exec >/dev/null 2>&1; fi
echo "== $(date '+%F %T') $0"
[ -r /usr/share/ltsp/ltsp-client-functions ] && . /usr/share/ltsp/ltsp-client-functions
for ldm_script; do . "$ldm_script"; done`;

export interface HookRun {
  dirs?: readonly string[];
  /** The environment LDM gave its scripts (lts.conf values, LDM_SERVER, LDM_USERNAME, DISPLAY ...). */
  env: Readonly<Record<string, string>>;
  /** Which scripts of the action to run (the xsession action is split around the session). */
  filter?: (name: string) => boolean;
  timeoutMs?: number;
  /** Default HOOK_LOG. */
  logFile?: string;
  log?: Logger;
}

/** Run one action's scripts. A failing hook is logged and never stops the login. */
export async function runHooks(action: HookAction, o: HookRun): Promise<{ ran: string[]; code: number | null }> {
  const log = o.log ?? silentLogger;
  const hooks = (await listHooks(action, o.dirs)).filter((h) => !NATIVE_HOOKS.has(h.name) && (o.filter?.(h.name) ?? true));
  if (hooks.length === 0) return { ran: [], code: 0 };
  const logFile = o.logFile ?? HOOK_LOG;
  const env = { ...o.env, PATH: '/sbin:/bin:/usr/sbin:/usr/bin', LDM_HOOK_LOG: logFile };
  try {
    const r = await runProgram(['/bin/sh', '-c', DRIVER, `ldm-script-${action}`, ...hooks.map((h) => h.path)], {
      env,
      cleanEnv: true,
      timeoutMs: o.timeoutMs ?? 60_000,
      log,
    });
    if (r.code !== 0) log.warn({ action, code: r.code, output: (await readFile(logFile, 'utf8').catch(() => '')).slice(-2000) }, `ldm rc.d hooks failed (output in ${logFile})`);
    else log.info({ action, hooks: hooks.map((h) => h.name) }, 'ldm rc.d hooks ran');
    return { ran: hooks.map((h) => h.name), code: r.code };
  } catch (e) {
    log.warn({ action, err: e }, 'ldm rc.d hooks could not run');
    return { ran: hooks.map((h) => h.name), code: null };
  }
}
