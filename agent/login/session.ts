// The command the login server runs for the desktop session: the contract LTSP servers already
// rely on, i.e. what LDM's rc.d X50-dmrc-processing, X50-generate-env and
// X95-run-x-session put together:
//
//   LTSP_CLIENT=<ip> LTSP_CLIENT_HOSTNAME=<name> [LTSP_CLIENT_MAC=..] [PRINTER=..] [DISPLAY=<ip>:<n>]
//   [SANE_NET_HOSTS=<ip>] [PULSE_SERVER=.. ESPEAKER=.. LTSP_ALSA_DEFAULT=..] DESKTOP_SESSION=..
//   XDG_CURRENT_DESKTOP=.. LANG=.. <LDM_XSESSION> "<session command>" </dev/null >/dev/null;
//   [ltspfsmounter all cleanup;] [pkill -u <user> dbus-daemon]
//
// LDM pasted those values unquoted into one string (names or values with spaces or quotes broke
// it). Here the command is a fixed POSIX sh script that receives every value as its
// own single-quoted argument, so nothing from lts.conf or the greeter is ever parsed as shell.
// Session and language resolution against ~/.dmrc and /usr/share/xsessions happen on the server,
// inside the same script, because that is where those files are; a session or language the user
// picked is written back to ~/.dmrc, as LDM did, so the next login starts with it.

export interface SessionSpec {
  readonly client: { readonly ip: string; readonly hostname: string; readonly mac?: string };
  /** LDM_XSESSION, else ldminfod's `xsession:`, else /etc/X11/Xsession. */
  readonly xsession: string;
  /** The greeter's choice (a session command from ldminfod); undefined or "default" = the user's default. */
  readonly selected?: string;
  /** LDM_SESSION: a desktop name ("gnome") or a command. */
  readonly ldmSession?: string;
  /** LDM_FORCE_SESSION: a desktop name. */
  readonly forceSession?: string;
  /** LDM_LANGUAGE or the greeter's language choice. */
  readonly language?: string;
  readonly forceLanguage?: string;
  /** LDM_DIRECTX: the client display as the server reaches it, "10.0.0.20:7". */
  readonly directxDisplay?: string;
  /** From the sound step: PULSE_SERVER, ESPEAKER, LTSP_ALSA_DEFAULT, AUDIOSERVER ... */
  readonly soundEnv?: Readonly<Record<string, string>>;
  /** SCANNER: SANE_NET_HOSTS=<client ip>. */
  readonly scanner?: boolean;
  readonly printer?: string;
  readonly printerList?: string;
  /** KILL_DBUS_DAEMON (default true): pkill the user's dbus-daemon after the session (lightdm #45). */
  readonly killDbus?: boolean;
  /** LOCALDEV: ltspfsmounter cleanup after the session. */
  readonly localdev?: boolean;
  /** For tests: where the server's xsessions live. */
  readonly xsessionsDir?: string;
}

/** POSIX single quotes, always (the values are data, never shell). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The environment assignments LDM prefixed to the session (CLIENT_ENV, MY_DISP, MY_SCANNER, MY_SOUND). */
export function sessionEnv(spec: SessionSpec): Array<[string, string]> {
  const env: Array<[string, string]> = [
    ['LTSP_CLIENT', spec.client.ip],
    ['LTSP_CLIENT_HOSTNAME', spec.client.hostname],
  ];
  if (spec.client.mac) env.push(['LTSP_CLIENT_MAC', spec.client.mac.toUpperCase()]); // as Debian's 50-client-mac exported it
  if (spec.printer) env.push(['PRINTER', spec.printer]);
  if (spec.printerList) env.push(['PRINTER_LIST', spec.printerList]);
  if (spec.directxDisplay) env.push(['DISPLAY', spec.directxDisplay]);
  if (spec.scanner) env.push(['SANE_NET_HOSTS', spec.client.ip]);
  for (const [k, v] of Object.entries(spec.soundEnv ?? {})) env.push([k, v]);
  for (const [k] of env) if (!ENV_NAME.test(k)) throw new Error(`not an environment variable name: ${k}`);
  return env;
}

// $1 xsessions dir, $2 Xsession wrapper, $3 greeter choice, $4 LDM_SESSION, $5 LDM_FORCE_SESSION,
// $6 language, $7 forced language, $8 kill dbus (1/0), $9 ltspfs cleanup (1/0), then NAME=value...
export const SESSION_SCRIPT = `d=$1 xs=$2 sel=$3 dflt=$4 force=$5 lang=$6 flang=$7 kdbus=$8 ldev=$9; shift 9
val() { sed -n "s/^$1=//p" "$2" 2>/dev/null | head -n 1; }
desk() {
  [ -n "$1" ] || return 1
  case $1 in */*|*" "*) ;; *) [ -f "$d/$1.desktop" ] && { echo "$1"; return 0; } ;; esac
  for f in "$d"/*.desktop; do
    [ -f "$f" ] && [ "$(val Exec "$f")" = "$1" ] && { basename "$f" .desktop; return 0; }
  done
  return 1
}
# remember() sets KEY=value in ~/.dmrc, only when it changes, keeping every other line.
# awk takes the two from its environment: nothing of the value is read as code.
remember() {
  [ "$(val "$1" "$dmrc")" = "$2" ] && return 0
  case $2 in *"
"*) return 0 ;; esac
  [ -f "$dmrc" ] || printf '[Desktop]\\n' >"$dmrc" || return 0
  k=$1 v=$2 awk 'BEGIN { k = ENVIRON["k"]; v = ENVIRON["v"] }
    index($0, k "=") == 1 { if (!done) print k "=" v; done = 1; next }
    { print }
    END { if (!done) print k "=" v }' "$dmrc" >"$dmrc.ltsp-new" && mv "$dmrc.ltsp-new" "$dmrc"
  rm -f "$dmrc.ltsp-new"
}
dmrc=$HOME/.dmrc name= cmd=
if [ -n "$force" ] && name=$(desk "$force"); then :
elif [ -n "$sel" ] && [ "$sel" != default ]; then
  if name=$(desk "$sel"); then remember Session "$name"; else name=; cmd=$sel; fi
else
  s=$(val Session "$dmrc")
  if [ -n "$s" ] && name=$(desk "$s"); then :
  elif name=$(desk "$dflt"); then :
  else name=; cmd=$dflt; fi
fi
if [ -n "$name" ]; then
  f=$d/$name.desktop
  cmd=$(val Exec "$f")
  cur=$(val DesktopNames "$f" | sed 's/;*$//' | tr ';' ':')
  [ -n "$cur" ] || cur=$(val X-LightDM-DesktopName "$f")
  [ -n "$cur" ] || cur=$(val Name "$f")
  set -- "$@" DESKTOP_SESSION="$name" XDG_CURRENT_DESKTOP="$cur"
fi
if [ -n "$flang" ]; then lang=$flang
elif [ -n "$lang" ]; then remember Language "$lang"
else lang=$(val Language "$dmrc"); fi
[ -n "$lang" ] && set -- "$@" LANG="$lang"
if [ -n "$cmd" ]; then env "$@" "$xs" "$cmd" </dev/null >/dev/null; else env "$@" "$xs" </dev/null >/dev/null; fi
rc=$?
[ "$ldev" = 1 ] && [ -x /usr/sbin/ltspfsmounter ] && /usr/sbin/ltspfsmounter all cleanup
[ "$kdbus" = 1 ] && pkill -u "$(id -u)" dbus-daemon
exit $rc`;

/** The command string for the server: `exec /bin/sh -c '<script>' ltsp-session '<arg>'...`. */
export function sessionCommand(spec: SessionSpec): string {
  const args = [
    spec.xsessionsDir ?? '/usr/share/xsessions',
    spec.xsession,
    spec.selected ?? '',
    spec.ldmSession ?? '',
    spec.forceSession ?? '',
    spec.language ?? '',
    spec.forceLanguage ?? '',
    spec.killDbus === false ? '0' : '1',
    spec.localdev ? '1' : '0',
    ...sessionEnv(spec).map(([k, v]) => `${k}=${v}`),
  ];
  return ['exec', '/bin/sh', '-c', shq(SESSION_SCRIPT), 'ltsp-session', ...args.map(shq)].join(' ');
}

/**
 * The user's other SSH logins on the server, one PID per connection: the user's sshd(-session)
 * processes whose parent is not the user's (the unprivileged half under a root "[priv]"), minus
 * our own connection, this shell's parent. Left out: zombies (an ended login whose parent has
 * not reaped it yet, under an init that is slow to, or of a deleted user whose UID was reused),
 * and, by the parent test, the short-lived children an sshd forks as the user before they exec
 * a command or xauth; either would otherwise be counted, or killed, as a login of its own.
 */
const OTHER_LOGINS =
  'me=$(id -u); for p in $(pgrep -u "$me" -x "sshd|sshd-session"); do ' +
  '[ "$p" = "$PPID" ] && continue; case $(ps -o stat= -p "$p") in Z*) continue ;; esac; pp=$(ps -o ppid= -p "$p" | tr -d " "); ' +
  '[ -n "$pp" ] && [ "$(ps -o uid= -p "$pp" | tr -d " ")" = "$me" ] && continue; echo "$p"; done';

/** LDM_LIMIT_ONE_SESSION (LDM's S15-userLoginCheck): end the user's other SSH logins on the server. */
export const LIMIT_ONE_SESSION_COMMAND = 'exec /bin/sh -c ' + shq(`for p in $(${OTHER_LOGINS}); do kill "$p"; done; exit 0`);

/** How many other SSH logins the user has on the server (LDM_LIMIT_ONE_SESSION_PROMPT asks first). */
export const COUNT_OTHER_SESSIONS_COMMAND = 'exec /bin/sh -c ' + shq(`(${OTHER_LOGINS}) | wc -l`);

/** LDM_DIRECTX (LDM's S01-setup-xauth): merge the client display's cookie, read from stdin, into the user's Xauthority. */
export const DIRECTX_XAUTH_COMMAND = 'xauth -q merge -';
