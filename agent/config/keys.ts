// The lts.conf key registry: every client-side key LTSP 5 (5.0 … 5.18, LDM 2.18) knew about,
// what type of value it takes, its default as the LTSP 5 code had it, and which ltsp-agent
// step reads it. It is the single source for `key-check.ts` (warnings about lts.conf files),
// for docs/lts.conf.md (tools/gen-keys-doc.ts) and for anyone asking "what does this key do".
//
// A key is either one exact name (`NBD_SWAP_HOST`) or a family written with placeholders:
//   <n>        a decimal index, any value            X_MODE_<n>
//   <a-b>      a decimal index within a..b; a leading zero in `a` fixes the width (SCREEN_<01-12>)
//   <KEY>      another lts.conf key (per-screen overrides: SCREEN_<01-12>_<KEY>)
//   <ANYTHING> any non-empty text                   MODULE_<any>, <CONTROL>_VOLUME
// Names are compared upper-cased: getltscfg upper-cases every key it prints.

import type { StepName } from '../plan/actions.ts';
import { asciiUpper } from './fnmatch.ts';

export type Area =
  | 'core'
  | 'network'
  | 'system'
  | 'swap'
  | 'sound'
  | 'syslog'
  | 'x'
  | 'keyboard'
  | 'screens'
  | 'login'
  | 'devices';

export const AREA_TITLES: Readonly<Record<Area, string>> = {
  core: 'Core: the server and lts.conf itself',
  network: 'Host name, DNS, time, network interface',
  system: 'System: modules, rc files, cron, fstab, image tailoring',
  swap: 'Swap',
  sound: 'Sound',
  syslog: 'Logging',
  x: 'X server and displays',
  keyboard: 'Keyboard',
  screens: 'Screens (what runs on each virtual terminal)',
  login: 'Login (LDM)',
  devices: 'Local devices, local apps, printers, scanners',
};

/**
 * Which boolean reading LTSP 5 applied. 'ltsp': the shell's boolean_is_true (true, y, yes in
 * any case; everything else is false). 'ldm': LDM's C code (true when the first character is
 * y or t in either case).
 */
export type BoolReading = 'ltsp' | 'ldm';

export type ValueType =
  | { readonly kind: 'bool'; readonly reading: BoolReading }
  | { readonly kind: 'int'; readonly min: number; readonly max: number; readonly unit?: string }
  | { readonly kind: 'port' }
  /** One host name or IP address; `words` are literal values with a special meaning (`auto`). */
  | { readonly kind: 'host'; readonly words?: readonly string[] }
  /** Host names or addresses separated by white space. */
  | { readonly kind: 'hosts' }
  /** Syslog servers separated by white space: host, host:port, @host, @@host (TCP), tcp://host:port. */
  | { readonly kind: 'syslog-targets' }
  | { readonly kind: 'ip' }
  /** IP addresses separated by white space. */
  | { readonly kind: 'ips' }
  /** An absolute path on the client (or, where said, on the server). */
  | { readonly kind: 'path' }
  /** One word without white space: a module, driver, locale, layout, file name ... */
  | { readonly kind: 'word' }
  /** Words separated by `sep`. */
  | { readonly kind: 'list'; readonly sep: 'space' | 'comma' }
  /** A program and its arguments, split into argv (never given to a shell by ltsp-agent). */
  | { readonly kind: 'command' }
  /** One of a fixed set of words, compared case-insensitively. */
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  /** Free text that must have a certain shape. */
  | { readonly kind: 'format'; readonly re: RegExp; readonly expect: string }
  /** One line copied verbatim into a file (hosts, fstab, crontab). */
  | { readonly kind: 'line' }
  | { readonly kind: 'string' }
  /** SCREEN_<nn>_<KEY>: the value has the type of <KEY>. */
  | { readonly kind: 'per-screen' };

export type KeyDefault =
  | { readonly kind: 'unset' }
  | { readonly kind: 'value'; readonly value: string }
  /** Computed at boot (from facts or other keys); `how` says from what. */
  | { readonly kind: 'derived'; readonly how: string };

/** How an old name reaches its new one: copied as is, or combined with other old keys. */
export type Mapping = { readonly kind: 'copy' } | { readonly kind: 'combined'; readonly how: string };

/** What LTSP 5 did with the key, and what ltsp-agent does with it. */
export type Disposition =
  /** LTSP 5 read it; ltsp-agent reads it in `step` (and maybe in `alsoBy`). */
  | { readonly status: 'read'; readonly step: StepName; readonly alsoBy?: readonly StepName[] }
  /** LTSP 5 read it; ltsp-agent deliberately does not implement it. */
  | { readonly status: 'read'; readonly step: 'unsupported'; readonly reason: string }
  /** An old name LTSP 5 still honoured by mapping it onto `use` (which wins when both are set). */
  | { readonly status: 'renamed'; readonly use: string; readonly era: string; readonly mapping: Mapping }
  /** Documented (man page, samples) or read only by old releases, but without effect in LTSP 5.3+. */
  | { readonly status: 'documented-but-ignored'; readonly why: string; readonly use?: string };

export type KeySpec = {
  /** The exact key, or a family pattern with <placeholders>. */
  readonly name: string;
  readonly area: Area;
  readonly type: ValueType;
  readonly default: KeyDefault;
  /** The default lts.conf(5) stated, where it differs from what the code did. */
  readonly manDefault?: string;
  /** One line: what the key is for. */
  readonly meaning: string;
  /** A credential: warnings never repeat its value. */
  readonly secret?: true;
} & Disposition;

// ---- small constructors, so the table below reads like a table ------------------------------

const bool = (reading: BoolReading = 'ltsp'): ValueType => ({ kind: 'bool', reading });
const int = (min: number, max: number, unit?: string): ValueType =>
  unit === undefined ? { kind: 'int', min, max } : { kind: 'int', min, max, unit };
const enumOf = (...values: string[]): ValueType => ({ kind: 'enum', values });
const format = (re: RegExp, expect: string): ValueType => ({ kind: 'format', re, expect });
const T = {
  port: { kind: 'port' },
  host: { kind: 'host' },
  hosts: { kind: 'hosts' },
  syslogTargets: { kind: 'syslog-targets' },
  ips: { kind: 'ips' },
  path: { kind: 'path' },
  word: { kind: 'word' },
  words: { kind: 'list', sep: 'space' },
  commaList: { kind: 'list', sep: 'comma' },
  command: { kind: 'command' },
  line: { kind: 'line' },
  string: { kind: 'string' },
} as const satisfies Record<string, ValueType>;
const unset: KeyDefault = { kind: 'unset' };
const val = (value: string): KeyDefault => ({ kind: 'value', value });
const derived = (how: string): KeyDefault => ({ kind: 'derived', how });
const step = (s: StepName, ...alsoBy: StepName[]): Disposition =>
  alsoBy.length > 0 ? { status: 'read', step: s, alsoBy } : { status: 'read', step: s };
const unsupported = (reason: string): Disposition => ({ status: 'read', step: 'unsupported', reason });
const renamed = (use: string, era: string, how?: string): Disposition => ({
  status: 'renamed',
  use,
  era,
  mapping: how === undefined ? { kind: 'copy' } : { kind: 'combined', how },
});
const ignored = (why: string, use?: string): Disposition =>
  use === undefined ? { status: 'documented-but-ignored', why } : { status: 'documented-but-ignored', why, use };

type Row = Omit<KeySpec, keyof Disposition | 'name' | 'area' | 'type' | 'default' | 'meaning'>;
function key(
  name: string,
  area: Area,
  type: ValueType,
  dflt: KeyDefault,
  meaning: string,
  disposition: Disposition,
  extra: Row = {},
): KeySpec {
  return { name, area, type, default: dflt, meaning, ...extra, ...disposition };
}

const HHMM = format(/^([01]?\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');
const LOCALAPPS = 'local applications (sshfs home, user creation on the client) are not implemented';
const JETPIPE = 'sharing a client printer over TCP (jetpipe) is not implemented';
const LTSPFS = 'ltsp-agent does not filter which devices ltspfs shares (LTSP 19 dropped ltspfs altogether)';
const FAT = 'ltsp-agent runs thin clients only; fat-client (local session) mode is not implemented';

// ---- the registry --------------------------------------------------------------------------

export const ALL_KEYS: readonly KeySpec[] = [
  // core
  key('SERVER', 'core', T.host, derived('the boot server: ltsp.server=, the NBD/NFS root server, DHCP next-server, else 192.168.67.1'),
    'the LTSP server; default target of swap, login, time, XDMCP and the `server` alias in /etc/hosts', step('lts-conf', 'hostname')),
  key('LIKE', 'core', T.string, unset, 'also apply the named section, with lower precedence than this one', step('lts-conf')),
  key('LTSCONF', 'core', T.word, val('lts.conf'),
    'file name fetched over TFTP instead of lts.conf (only useful as ltsp.ltsconf= on the kernel command line)', step('lts-conf')),
  key('PROCESS_LTS_CONF', 'core', bool(), unset, 'force the configuration to be computed again instead of read from the boot cache',
    unsupported('ltsp-agent resolves lts.conf from scratch at every start; there is no cache to refresh')),
  key('LTSP_FATCLIENT', 'core', bool(), derived('True when the image has a desktop session and RAM >= FAT_RAM_THRESHOLD'),
    'run desktop sessions on the client itself instead of on the server',
    unsupported(`${FAT} (the swap step still uses the key to pick its default threshold)`)),
  key('FAT_RAM_THRESHOLD', 'core', int(0, 16777216, 'MB'), val('400'), 'RAM needed before a client becomes a fat client automatically',
    unsupported(FAT), { manDefault: '300' }),

  // host name, DNS, time, interfaces
  key('HOSTNAME', 'network', T.word, derived('the DHCP host name, else HOSTNAME_BASE plus HOSTNAME_EXTRA'),
    'host name of the client (only the first word counts)', step('hostname')),
  key('HOSTNAME_BASE', 'network', T.word, val('ltsp'), 'prefix of a generated host name', step('hostname')),
  key('HOSTNAME_EXTRA', 'network', enumOf('ip', 'mac'), val('ip'),
    'suffix of a generated host name: the host part of the IP address, or the MAC address with dashes', step('hostname')),
  key('SERVER_NAME', 'network', T.word, val('server'), 'name under which SERVER is listed in /etc/hosts', step('hostname')),
  key('HOSTS_<any>', 'network', T.line, unset, 'an extra /etc/hosts line; lines are written in key order', step('hostname')),
  key('SEARCH_DOMAIN', 'network', T.word, derived('the DHCP domain name'),
    'DNS search domain; also makes the client name fully qualified in /etc/hosts', step('dns', 'hostname')),
  key('DNS_SERVER', 'network', T.ips, derived('DHCP name servers, else the first of SERVER and the gateway that answers DNS'),
    'name servers for resolv.conf, separated by spaces', step('dns')),
  key('TIMEZONE', 'network', format(/^[A-Za-z0-9_+\-]+(\/[A-Za-z0-9_+\-]+)*$/, 'a zoneinfo name such as Europe/Athens'), unset,
    'time zone; /etc/localtime points to this zoneinfo file', step('time')),
  key('TIMESERVER', 'network', { kind: 'host', words: ['auto'] }, unset,
    'NTP server to set the clock from; `auto` means SERVER', step('time')),
  key('HWCLOCK', 'network', enumOf('utc', 'localtime'), val('utc'),
    'whether the hardware clock keeps UTC or local time', step('time')),
  key('NET_DEVICE_METHOD', 'network', T.word, val('manual'),
    'ifupdown method written for the boot interface, so that no network manager takes it down', step('interfaces')),

  // system
  key('MODULE_<any>', 'system', T.command, unset,
    'a kernel module to load, optionally followed by its parameters; loaded in natural key order (the man page\'s insmod of an absolute path was never implemented)',
    step('modules')),
  key('RCFILE_<any>', 'system', T.command, unset,
    'a command run once at the end of boot (LTSP 5.3+ appended it to /etc/rc.local)', step('rcfiles')),
  key('INIT_COMMAND_<any>', 'system', T.command, unset,
    'a command run early during boot, as root, in natural key order', step('init-commands')),
  key('CRONTAB_<any>', 'system', T.line, unset, 'a line for /etc/cron.d/ltsp, including the user field', step('cron')),
  key('SHUTDOWN_TIME', 'system', HHMM, unset,
    'power the client off every day at this time; with a session open, power off when it ends', step('cron')),
  key('CONFIGURE_FSTAB', 'system', bool(), val('True'), 'write a fresh /etc/fstab at boot', step('fstab')),
  key('FSTAB_<any>', 'system', T.line, unset, 'a line appended to /etc/fstab', step('fstab')),
  key('NFS_HOME', 'system', T.string, unset,
    'mount home directories over NFS from this export (SERVER: is put in front when no host is given); deprecated', step('fstab')),
  key('NFS_HOME_OPTIONS', 'system', T.word, val('defaults'), 'mount options for NFS_HOME', step('fstab')),
  key('OVERLAY_DIR', 'system', T.path, val('/etc/ltsp/overlay-dir'), 'a directory tree copied over / at boot',
    unsupported('no step copies a tree over / at boot; put the files into the image')),
  key('KERNEL_DEVICE', 'system', T.path, unset, 'local disk partition holding a kernel to keep in step with the image',
    unsupported('updating a locally installed kernel and rebooting is outside the agent')),
  key('KERNEL_NAME', 'system', T.word, val('vmlinuz'), 'kernel file name for the local kernel updater',
    unsupported('updating a locally installed kernel and rebooting is outside the agent')),
  key('INITRD_NAME', 'system', T.word, val('initrd.img'), 'initrd file name for the local kernel updater',
    unsupported('updating a locally installed kernel and rebooting is outside the agent')),
  key('KERNEL_DIR', 'system', T.word, val('boot'), 'directory on KERNEL_DEVICE for the local kernel updater',
    unsupported('updating a locally installed kernel and rebooting is outside the agent')),
  ...['RM_SYSTEM_SERVICES', 'RM_THIN_SYSTEM_SERVICES', 'RM_LOW_RAM_SERVICES', 'KEEP_SYSTEM_SERVICES'].map((n) =>
    key(n, 'system', T.words, unset,
      n.startsWith('KEEP') ? 'system services never to remove from the image at boot' : 'extra system services to remove from the image at boot',
      unsupported('the agent does not delete services; disable them in the image'))),
  key('RM_RAM_THRESHOLD', 'system', int(0, 16777216, 'MB'), val('200'), 'below this much RAM, low-memory service pruning applies',
    unsupported('the agent does not delete services; disable them in the image')),
  ...['RM_SESSION_SERVICES', 'KEEP_SESSION_SERVICES'].map((n) =>
    key(n, 'system', T.words, unset,
      n.startsWith('KEEP') ? 'desktop autostart entries never to remove' : 'extra desktop autostart entries to remove',
      unsupported('the agent does not edit the image\'s desktop autostart entries'))),
  key('DEFAULT_DISPLAY_MANAGER', 'system', T.string, val('/usr/sbin/ldm'),
    'display manager the image should start; anything but LDM also drops the default SCREEN_07', step('screens')),
  key('DISABLE_GETTYS', 'system', bool(), val('True'), 'remove the text logins on tty2-6',
    unsupported('it edits /etc/inittab, which systemd images do not have')),
  ...['LTSP_RW_DIRS', 'LTSP_RW_DIRS_EXTRA', 'LTSP_COPY_DIRS', 'LTSP_COPY_DIRS_EXTRA', 'LTSP_BINDFILES', 'LTSP_BINDFILES_EXTRA'].map((n) =>
    key(n, 'system', T.words, unset, 'paths made writable by bind mounts on a read-only root',
      ignored('read only by the 5.2 / RPM bind-mount script; 5.3+ boots on an overlay root'))),

  // swap
  key('USE_LOCAL_SWAP', 'swap', bool(), val('False'), 'use every local partition marked as Linux swap', step('swap')),
  key('NBD_SWAP', 'swap', bool(), derived('True when no local swap was found and RAM is below NBD_SWAP_THRESHOLD'),
    'swap over the network to a file on the server', step('swap')),
  key('NBD_SWAP_THRESHOLD', 'swap', int(0, 16777216, 'MB'), derived('800 (2100 on fat clients); 5.3 used 300/800, 5.2 none'),
    'network swap turns itself on below this much RAM', step('swap')),
  key('NBD_SWAP_HOST', 'swap', T.host, derived('SERVER'), 'nbd-server that holds the swap export', step('swap')),
  key('ENCRYPT_SWAP', 'swap', bool(), derived('True when cryptsetup is installed'),
    'encrypt every swap device with a throw-away random key', step('swap')),
  key('NBD_SWAP_SERVER', 'swap', T.host, unset, 'swap server (documented name)',
    ignored('the man page documents it, but the code has read NBD_SWAP_HOST since 2011', 'NBD_SWAP_HOST')),
  key('NBD_SWAP_PORT', 'swap', T.port, val('9572'), 'TCP port of the old per-port swap server',
    ignored('read by 5.2 only; 5.3+ asks nbd-server for the export named "swap" on its standard port')),
  key('SWAP_SERVER', 'swap', T.host, unset, 'swap server (LTSP 5.0 name)', ignored('LTSP 5.0 name', 'NBD_SWAP_HOST')),
  key('NBD_PORT', 'swap', T.port, val('9210'), 'swap server port (LTSP 5.0 name)',
    ignored('LTSP 5.0 name; 5.3+ asks nbd-server for the export named "swap" on its standard port')),

  // sound
  key('SOUND', 'sound', bool(), derived('True on thin clients when PulseAudio is installed'),
    'run a sound server on the client and point the remote session at it', step('sound', 'login')),
  key('SOUND_DAEMON', 'sound', enumOf('pulse', 'esd', 'nasd', 'false', 'n', 'no'), derived('pulse when PulseAudio is installed'),
    'which sound server: pulse (LTSP 5.3+ starts only this one), esd or nasd (LDM still exports their variables)', step('sound', 'login')),
  key('VOLUME', 'sound', int(0, 100, '%'), val('90'), 'volume for every playback control without its own setting', step('sound')),
  key('VOLUME_MANUAL', 'sound', bool(), val('False'), 'touch only the mixer controls that have their own _VOLUME key', step('sound')),

  // logging
  key('SYSLOG_HOST', 'syslog', T.syslogTargets, unset, 'forward all system log messages to these hosts (UDP 514; `@@host:port` for TCP)', step('syslog')),
  key('SYSLOG', 'syslog', T.word, unset, 'remote logging switch of LTSP 5.2 (`remote`)',
    ignored('read by 5.2 only; since 5.3 forwarding happens exactly when SYSLOG_HOST is set', 'SYSLOG_HOST')),
  key('LDM_SYSLOG', 'syslog', bool('ldm'), val('False'), 'the login manager logs to syslog instead of /var/log/ldm.log', step('login')),
  key('LDM_LOGLEVEL', 'syslog', int(0, 7), val('6'), 'how much the login manager logs (syslog levels, 7 = debug)', step('login')),

  // X
  key('X_CONF', 'x', T.path, unset, 'use this xorg.conf from the image instead of generating one', step('x')),
  key('CONFIGURE_X', 'x', bool(), derived('True when any X_* key below needs a generated xorg.conf'),
    'generate an xorg.conf from the X_* keys', step('x')),
  key('CONFIGURE_X_COMMAND', 'x', T.command, unset, 'program that writes the xorg.conf instead of the built-in generator', step('x')),
  key('XSERVER', 'x', T.word, derived('X autodetection (geode for AMD Geode GX2, fbdev for PowerPC Rage 128)'),
    'X video driver', step('x')),
  key('X_VIDEO_RAM', 'x', int(1, 2147483647, 'KB'), unset, 'video memory size for the driver', step('x')),
  key('X_OPTION_<any>', 'x', T.string, unset, 'an Option line for the Device section: "Name" "Value"', step('x')),
  key('X_MONITOR_OPTION_<any>', 'x', T.string, unset, 'an Option line for the Monitor section: "Name" "Value"', step('x')),
  key('X_HORZSYNC', 'x', T.string, unset, 'monitor horizontal sync range in kHz', step('x')),
  key('X_VERTREFRESH', 'x', T.string, unset, 'monitor vertical refresh range in Hz', step('x')),
  key('X_MODE_<n>', 'x', T.string, unset,
    'a screen mode, WxH or a name followed by modeline numbers; X_MODE_0 feeds xrandr unless XRANDR_DISABLE', step('x')),
  key('X_VIRTUAL', 'x', format(/^\d+ +\d+$/, 'width and height separated by a space'), unset, 'virtual desktop size', step('x')),
  key('X_VIRTUAL_AUTO', 'x', bool(), derived('True on Intel graphics'), 'size the virtual desktop to fit all monitors', step('x')),
  key('X_MODULE_<any>', 'x', T.word, unset, 'an X module to load', step('x')),
  key('X_COLOR_DEPTH', 'x', enumOf('1', '4', '8', '15', '16', '24', '30'), derived('16 on thin clients while X_SMART_COLOR_DEPTH is true'),
    'colour depth in bits per pixel', step('x'), { manDefault: '24' }),
  key('X_SMART_COLOR_DEPTH', 'x', bool(), val('True'), 'pick 16-bit colour on thin clients to save bandwidth', step('x')),
  key('X_RAMPERC', 'x', int(1, 100, '%'), val('100'), 'memory limit for the X server, in percent of free RAM plus swap', step('x')),
  key('XRANDR_DISABLE', 'x', bool(), val('False'), 'leave outputs and modes alone instead of running xrandr', step('x')),
  key('XRANDR_AUTO_MULTIHEAD', 'x', bool(), val('True'),
    'with no XRANDR_OUTPUT_n set, place each further monitor left of the previous one', step('x')),
  key('XRANDR_OUTPUT_<0-8>', 'x', T.word, unset, 'output name (VGA-1, HDMI-1 ...) that the other XRANDR_*_n keys apply to', step('x')),
  key('XRANDR_MODE_<0-8>', 'x', T.word, unset, 'mode for the output, e.g. 1280x1024', step('x')),
  key('XRANDR_RATE_<0-8>', 'x', format(/^\d+(\.\d+)?$/, 'a refresh rate in Hz'), unset, 'refresh rate for the output', step('x')),
  key('XRANDR_NEWMODE_<0-8>', 'x', T.string, unset, 'a new mode to define: name followed by modeline numbers', step('x')),
  key('XRANDR_ROTATE_<0-8>', 'x', enumOf('normal', 'left', 'right', 'inverted'), unset, 'rotation of the output', step('x')),
  key('XRANDR_REFLECT_<0-8>', 'x', enumOf('normal', 'x', 'y', 'xy'), unset, 'mirroring of the output', step('x')),
  key('XRANDR_DPI_<0-8>', 'x', T.word, unset, 'DPI to report, as a number or an output name to take it from', step('x')),
  key('XRANDR_SIZE_<0-8>', 'x', T.word, unset, 'screen size for xrandr before 1.2', step('x')),
  key('XRANDR_ORIENTATION_<0-8>', 'x', enumOf('normal', 'inverted', 'left', 'right', '0', '1', '2', '3'), unset,
    'orientation for xrandr before 1.2', step('x')),
  key('XRANDR_COMMAND_<n>', 'x', T.command, unset, 'arguments for one extra xrandr run (a leading "xrandr" is dropped)', step('x')),
  key('X_NUMLOCK', 'x', bool(), unset, 'turn Num Lock on (True) or off (False) when X starts', step('x')),
  key('X_BLANKING', 'x', int(0, 2147483647, 's'), unset, 'seconds of idle time before the screen blanks; 0 never blanks', step('x')),
  key('USE_XFS', 'x', bool(), unset, 'take fonts from an X font server', step('x')),
  key('XFS_SERVER', 'x', T.hosts, unset, 'X font servers to try (TCP 7100)', step('x')),
  ...['X_MOUSE_DEVICE', 'X_MOUSE_PROTOCOL', 'X_MOUSE_EMULATE3BTN'].map((n) =>
    key(n, 'x', n.endsWith('3BTN') ? bool() : T.word, unset, 'serial mouse setup', ignored('read by 5.2 and the legacy configure-x.sh only; X finds mice by itself'))),
  key('USE_TOUCH', 'x', bool(), unset, 'touch screen setup', ignored('read by the legacy configure-x.sh only')),
  key('X_TOUCH_<any>', 'x', T.string, unset, 'touch screen settings', ignored('read by the legacy configure-x.sh only')),
  key('X_VIDEORAM', 'x', int(1, 2147483647, 'KB'), unset, 'video memory size (LTSP 4 name)', renamed('X_VIDEO_RAM', 'LTSP 4')),
  key('XF86CONFIG_FILE', 'x', T.path, unset, 'xorg.conf to use (LTSP 4 name)', renamed('X_CONF', 'LTSP 4')),
  key('X_HORIZSYNC', 'x', T.string, unset, 'horizontal sync range (misspelt old name)', renamed('X_HORZSYNC', 'LTSP 4')),

  // keyboard
  key('XKBLAYOUT', 'keyboard', T.word, unset, 'keyboard layout(s), comma-separated (us, de, fr ...)', step('keyboard')),
  key('XKBMODEL', 'keyboard', T.word, unset, 'keyboard model (pc105 ...)', step('keyboard')),
  key('XKBVARIANT', 'keyboard', T.word, unset, 'layout variant(s), comma-separated', step('keyboard')),
  key('XKBOPTIONS', 'keyboard', T.word, unset, 'XKB options, comma-separated (grp:alt_shift_toggle ...)', step('keyboard')),
  key('XKBRULES', 'keyboard', T.word, unset, 'XKB rules file (evdev ...)', step('keyboard')),
  key('CONSOLE_KEYMAP', 'keyboard', T.word, unset, 'keymap for the text console', step('keyboard'), { manDefault: 'en' }),

  // screens
  key('SCREEN_<01-12>', 'screens', T.command, derived('SCREEN_07=ldm when no screen is defined'),
    'what runs on this virtual terminal: a screen script name and its arguments (ldm, xdmcp, shell, kiosk ...)', step('screens')),
  key('SCREEN_DEFAULT', 'screens', format(/^(0?[1-9]|1[0-2])$/, 'a screen number from 1 to 12'), derived('the highest defined screen'),
    'virtual terminal shown first', step('screens')),
  key('SCREEN_<01-12>_<KEY>', 'screens', { kind: 'per-screen' }, unset, 'the value of KEY for this one screen', step('screens')),
  key('WAIT_FGCONSOLE', 'screens', bool(), val('True'), 'start a screen only once its virtual terminal is in front', step('screens')),
  key('XDM_SERVER', 'screens', T.host, derived('SERVER'), 'XDMCP server queried by the xdmcp screen', step('screens')),
  key('DISABLE_ACCESS_CONTROL', 'screens', bool(), unset, 'let any host draw on the xdmcp screen\'s X server', step('screens')),
  key('SSH_HOST', 'screens', T.host, val('server'), 'host the ssh screen logs in to', step('screens')),
  key('TELNET_HOST', 'screens', T.host, derived('SERVER'), 'host the telnet screen connects to', step('screens')),
  key('RDP_SERVER', 'screens', T.host, unset, 'Windows host for the rdesktop and xfreerdp screens', step('screens')),
  key('RDP_OPTIONS', 'screens', T.string, unset, 'extra arguments for rdesktop / xfreerdp', step('screens')),
  key('KIOSK_EXE', 'screens', T.command, derived('firefox, else google-chrome, else opera'), 'program the kiosk screen runs', step('screens')),
  key('KIOSK_OPTIONS', 'screens', T.string, unset, 'arguments for KIOSK_EXE', step('screens')),
  key('KIOSK_DAEMON', 'screens', bool(), val('False'), 'restart the kiosk program whenever it exits', step('screens')),
  key('KIOSK_WM', 'screens', T.command, unset, 'window manager for the kiosk screen', step('screens')),
  key('KIOSKUSER', 'screens', T.word, val('ltspkiosk'), 'local account the kiosk screen runs as', step('screens')),
  key('MENU_ITEM_<n>', 'screens', T.string, unset, 'label of an entry in the text menu screen', step('screens')),
  key('MENU_COMMAND_<n>', 'screens', T.command, unset, 'command of the text menu entry with the same number', step('screens')),
  key('XINITRC_DAEMON', 'screens', bool(), val('False'), 'restart the screen\'s program whenever it exits', step('screens')),
  key('XINITRC_PROMPT_ON_ERROR', 'screens', bool(), val('False'), 'run XINITRC_COMMAND_ON_ERROR on the exit codes listed in XINITRC_ERROR_CODES', step('screens')),
  key('XINITRC_ERROR_CODES', 'screens', format(/^\d+(\s+\d+)*$/, 'exit codes separated by spaces'), unset,
    'exit codes that count as an error', step('screens')),
  key('XINITRC_COMMAND_ON_ERROR', 'screens', T.command, derived('a dialog saying that an error occurred'), 'command run after an error exit', step('screens')),
  key('XINITRC_PROMPT_ON_EXIT', 'screens', bool(), val('False'), 'ask before restarting the program after a clean exit', step('screens')),
  key('XINITRC_COMMAND_ON_EXIT', 'screens', T.command, unset, 'command run when the restart loop ends', step('screens')),

  // login
  key('LDM_SERVER', 'login', T.hosts, derived('the output of /usr/share/ltsp/get_hosts, else `server` (LTSP 5.0: SERVER)'),
    'login servers, separated by spaces; the first one is preselected', step('login')),
  key('LDM_AUTOLOGIN', 'login', bool('ldm'), val('False'), 'log in without showing the greeter, as LDM_USERNAME', step('login')),
  key('LDM_GUESTLOGIN', 'login', bool('ldm'), val('False'), 'offer a guest login button', step('login')),
  key('LDM_USERNAME', 'login', T.string, derived('the client host name'), 'account for autologin and guest login', step('login')),
  key('LDM_PASSWORD', 'login', T.string, derived('LDM_USERNAME'), 'password for autologin and guest login', step('login'), { secret: true }),
  key('LDM_GUEST_SERVER', 'login', T.hosts, derived('LDM_AUTOLOGIN_SERVER, else LDM_SERVER'), 'servers guest logins may use', step('login')),
  key('LDM_AUTOLOGIN_SERVER', 'login', T.hosts, derived('LDM_SERVER'), 'servers autologins may use', step('login')),
  key('HOST_TO_USERNAME', 'login', format(/^[^/\s]+\/[^/\s]*$/, 'prefix/replacement'), unset,
    'derive LDM_USERNAME from a host name that starts with the prefix and a digit (pc/guest: pc07 logs in as guest07)', step('login')),
  key('LDM_LOGIN_TIMEOUT', 'login', int(0, 86400, 's'), val('0'),
    'log in as guest after this many seconds with an empty user name field; 0 never does', step('login')),
  key('LDM_TIMEOUT_ENABLED', 'login', bool(), unset, 'old switch for the guest login timeout',
    renamed('LDM_LOGIN_TIMEOUT', 'LDM 2.0', 'when LDM_TIMEOUT_ENABLED is true and LDM_LOGIN_TIMEOUT unset, LDM_TIMEOUT_TIME becomes LDM_LOGIN_TIMEOUT')),
  key('LDM_TIMEOUT_TIME', 'login', int(0, 86400, 's'), unset, 'old guest login timeout in seconds',
    renamed('LDM_LOGIN_TIMEOUT', 'LDM 2.0', 'when LDM_TIMEOUT_ENABLED is true and LDM_LOGIN_TIMEOUT unset, LDM_TIMEOUT_TIME becomes LDM_LOGIN_TIMEOUT')),
  key('LDM_SESSION', 'login', T.string, derived('the server\'s default session'),
    'session to start: a desktop file name from /usr/share/xsessions or a command', step('login')),
  key('LDM_FORCE_SESSION', 'login', T.word, unset, 'always start this desktop session and hide the session menu', step('login')),
  key('LDM_XSESSION', 'login', T.path, derived('what ldminfod reports, else the first Xsession script found'),
    'session wrapper script on the server', step('login')),
  key('LDM_LANGUAGE', 'login', T.word, derived('the user\'s ~/.dmrc'),
    'locale of the session; only LANG is set, although the man page also names LANGUAGE and LC_ALL', step('login')),
  key('LDM_FORCE_LANGUAGE', 'login', T.word, unset, 'always use this locale and hide the language menu', step('login')),
  key('LDM_DIRECTX', 'login', bool('ldm'), val('False'),
    'let the server draw on the client over plain TCP instead of through ssh (faster, unencrypted; the sample lts.conf turned it on)',
    step('login', 'x')),
  key('LDM_SSHOPTIONS', 'login', T.string, unset, 'extra ssh arguments for the login connection', step('login')),
  key('SSH_OVERRIDE_PORT', 'login', T.port, val('22'), 'ssh port of the login servers', step('login')),
  key('LDM_LIMIT_ONE_SESSION', 'login', bool(), val('False'), 'end the user\'s other sessions on the server at login', step('login')),
  key('LDM_LIMIT_ONE_SESSION_PROMPT', 'login', bool(), val('False'), 'ask before ending the other sessions', step('login')),
  key('LDM_USER_ALLOW', 'login', T.commaList, unset, 'only these users may log in on this client (comma-separated)', step('login')),
  key('LDM_ALLOW_USER', 'login', T.commaList, unset, 'user allow list (documented name)',
    ignored('the man page documents this name, but LDM reads LDM_USER_ALLOW', 'LDM_USER_ALLOW')),
  key('LDM_PRINTER_DEFAULT', 'login', T.word, unset, 'default printer queue for the session (PRINTER)', step('login')),
  key('LDM_PRINTER_LIST', 'login', T.commaList, unset, 'printer queues offered to the session (PRINTER_LIST)', step('login')),
  key('LDM_THEME', 'login', T.string, val('default'), 'greeter theme: a name under /usr/share/ldm/themes or an absolute path', step('login')),
  key('LDM_CLOCK_FORMAT', 'login', T.string, val('%x, <b>%H:%M</b>'), 'strftime format of the greeter clock (with markup)', step('login')),
  key('LDM_MENU_ITEM_<0-9>', 'login', T.string, unset, 'label of an extra greeter menu entry', step('login')),
  key('LDM_MENU_COMMAND_<0-9>', 'login', T.command, unset, 'command of the greeter menu entry with the same number', step('login')),
  key('LDM_GREETER', 'login', T.word, val('ldmgtkgreet'), 'greeter program', step('login')),
  key('LDM_WINMANAGER', 'login', T.word, val('wwm'), 'window manager shown under the greeter', step('login')),
  key('LDM_FORCE_BACKEND', 'login', enumOf('ssh', 'rdesktop', 'xfreerdp'), unset, 'always use this login backend', step('login')),
  key('LDM_DEFAULT_BACKEND', 'login', enumOf('ssh', 'rdesktop', 'xfreerdp'), val('ssh'), 'login backend preselected in the greeter', step('login')),
  key('LDM_XCOMPMGR', 'login', bool(), val('False'), 'run a compositing manager during the session', step('login')),
  key('LDM_DEBUG_TERMINAL', 'login', bool(), val('False'), 'open a local root terminal at login, for debugging', step('login')),
  key('KILL_DBUS_DAEMON', 'login', bool(), val('True'), 'kill the user\'s dbus daemons on the server when the session ends', step('login')),
  key('LDM_PASSWORD_HASH', 'login', bool('ldm'), val('False'),
    'store a hash of the login password in the client\'s shadow file (fat clients, screen locking)',
    unsupported('it only serves fat clients and local apps, which are not implemented')),
  key('LDM_NOMAD', 'login', bool('ldm'), val('False'), 'skip starting the session (LDM "nomad" mode)',
    unsupported('LTSP 5 never documented what it was for')),
  ...['LDM_DEBUG', 'NETWORK_COMPRESSION', 'LDM_NODMPS'].map((n) =>
    key(n, 'login', T.string, unset, 'listed in the man page or sample files', ignored('neither LDM 2.18 nor LTSP 5.18 reads it'))),
  key('LDM_REMOTECMD', 'login', T.command, unset, 'custom session command (2007 sample lts.conf)', ignored('no current code reads it', 'LDM_SESSION')),

  // devices
  key('LOCAL_STORAGE', 'devices', bool(), unset, 'local media sharing (LTSP 4 name)', renamed('LOCALDEV', 'LTSP 4')),
  key('LOCALDEV', 'devices', bool(), derived('True when ltspfsd is installed; unset on fat clients'),
    'make USB sticks and CDs of the client visible in the remote session; the ltspfs package does the work, the login runs its cleanup at logout',
    step('login')),
  ...(
    [
      ['CD', 'CD and DVD drives', 'False'],
      ['FLOPPY', 'floppy drives', 'False'],
      ['INTERNAL_DISKS', 'internal disks', 'True'],
      ['USB', 'USB storage', 'False'],
    ] as const
  ).map(([suffix, what, dflt]) =>
    key(`LOCALDEV_DENY_${suffix}`, 'devices', bool(), val(dflt), `do not share ${what} through ltspfs`, unsupported(LTSPFS))),
  key('LOCALDEV_DENY', 'devices', T.string, unset, 'udev property filters (ID_X:value+..., ...) of devices not to share', unsupported(LTSPFS)),
  key('LOCAL_APPS', 'devices', bool(), derived('True when sshfs is installed'), 'run some applications on the client with the server home over sshfs',
    unsupported(LOCALAPPS)),
  key('LOCAL_APPS_EXTRAMOUNTS', 'devices', T.commaList, unset, 'more server directories to mount over sshfs', unsupported(LOCALAPPS)),
  ...['LOCAL_APPS_MENU', 'LOCAL_APPS_MENU_ITEMS', 'LOCAL_APPS_WHITELIST'].map((n) =>
    key(n, 'devices', T.string, unset, 'which local applications appear in the session menu', unsupported(LOCALAPPS))),
  key('SSH_FOLLOW_SYMLINKS', 'devices', bool(), derived('True for the extra mounts'), 'sshfs follows symbolic links', unsupported(LOCALAPPS)),
  key('SSH_DISABLE_HARDLINK', 'devices', bool(), val('True'), 'sshfs refuses hard links (GNOME keyring breaks on them)', unsupported(LOCALAPPS)),
  key('CUPS_SERVER', 'devices', T.host, derived('LDM_SERVER'), 'CUPS server for local applications', unsupported(LOCALAPPS)),
  key('PRINTER_<0-2>_DEVICE', 'devices', T.path, unset, 'printer device to share over TCP', unsupported(JETPIPE)),
  key('PRINTER_<0-2>_PORT', 'devices', T.port, derived('9100 plus the printer number'), 'TCP port of the shared printer', unsupported(JETPIPE)),
  key('PRINTER_<0-2>_SPEED', 'devices', int(1, 4000000, 'baud'), val('9600'), 'serial printer speed', unsupported(JETPIPE)),
  key('PRINTER_<0-2>_DATABITS', 'devices', enumOf('5', '6', '7', '8'), val('8'), 'serial printer data bits', unsupported(JETPIPE)),
  key('PRINTER_<0-2>_PARITY', 'devices', enumOf('none', 'even', 'odd'), val('none'), 'serial printer parity', unsupported(JETPIPE)),
  key('PRINTER_<0-2>_FLOWCTRL', 'devices', enumOf('soft', 'hard'), val('soft'), 'serial printer flow control', unsupported(JETPIPE)),
  ...['TYPE', 'WRITE_ONLY', 'OPTIONS'].map((n) =>
    key(`PRINTER_<0-2>_${n}`, 'devices', T.string, unset, 'printer setting listed in the man page', ignored('LTSP 5.18 never passes it to the printer daemon'))),
  key('SCANNER', 'devices', bool(), unset,
    'point the session at the client\'s scanner (SANE_NET_HOSTS); saned itself must be enabled in the image', step('login')),
  key('UDEV_SEAT_<n>_<any>', 'devices', T.string, unset, 'device path glob of a device that belongs to seat n (multiseat)',
    unsupported('multiseat is not implemented')),

  // mixer families last: their patterns (<CONTROL>_VOLUME) would otherwise swallow other families
  key('<CONTROL>_VOLUME', 'sound', int(0, 100, '%'), derived('VOLUME; 40 for controls whose name contains MIC'),
    'volume of one mixer control; the name is the control\'s, upper-cased, spaces and dashes as _ (PCM_VOLUME, MIC_BOOST_VOLUME)', step('sound')),
  key('<CONTROL>_SWITCH', 'sound', T.word, unset, 'value for a mixer switch control (on, off ...)', step('sound')),
];

// ---- lookup ---------------------------------------------------------------------------------

type Slot =
  /** min/max absent: any digits (<n>); present: a range, with a fixed width when `width` is set. */
  | { readonly kind: 'index'; readonly min?: number; readonly max?: number; readonly width?: number }
  | { readonly kind: 'key' }
  | { readonly kind: 'text' };

interface Compiled {
  readonly spec: KeySpec;
  /** Matches the shape; indexes are checked against their range afterwards. */
  readonly re: RegExp;
  readonly slots: readonly Slot[];
  /** Text before the first placeholder, and after the last one (for did-you-mean). */
  readonly head: string;
  readonly tail: string;
}

const PLACEHOLDER = /<([^<>]*)>/g;
const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function compile(spec: KeySpec): Compiled {
  const slots: Slot[] = [];
  let re = '^';
  let last = 0;
  for (const m of spec.name.matchAll(PLACEHOLDER)) {
    re += reEscape(spec.name.slice(last, m.index));
    last = m.index + m[0].length;
    const inner = m[1]!;
    const range = /^(\d+)-(\d+)$/.exec(inner);
    if (inner === 'n') {
      slots.push({ kind: 'index' });
      re += '(\\d+)';
    } else if (range) {
      const a = range[1]!;
      const b = range[2]!;
      const width = a.length > 1 && a.startsWith('0') ? a.length : undefined;
      slots.push(width === undefined ? { kind: 'index', min: +a, max: +b } : { kind: 'index', min: +a, max: +b, width });
      re += '(\\d+)';
    } else if (inner === 'KEY') {
      slots.push({ kind: 'key' });
      re += '(.+)';
    } else if (/^[A-Za-z]+$/.test(inner)) {
      slots.push({ kind: 'text' });
      re += '(.+)';
    } else {
      throw new Error(`keys.ts: bad placeholder <${inner}> in ${spec.name}`);
    }
  }
  re += `${reEscape(spec.name.slice(last))}$`;
  const first = spec.name.indexOf('<');
  const end = spec.name.lastIndexOf('>');
  return { spec, re: new RegExp(re, 's'), slots, head: spec.name.slice(0, first), tail: spec.name.slice(end + 1) };
}

export function isFamily(spec: KeySpec): boolean {
  return spec.name.includes('<');
}

const EXACT = new Map<string, KeySpec>();
const FAMILIES: Compiled[] = [];
for (const spec of ALL_KEYS) {
  if (isFamily(spec)) FAMILIES.push(compile(spec));
  else if (EXACT.has(spec.name)) throw new Error(`keys.ts: ${spec.name} is listed twice`);
  else EXACT.set(spec.name, spec);
}

export interface KeyMatch {
  readonly spec: KeySpec;
  /** The key as looked up, upper-cased. */
  readonly name: string;
  /** For SCREEN_<nn>_<KEY>: what <KEY> is. */
  readonly inner?: KeyMatch;
}

/** A family whose shape a name has, but with an index outside the range LTSP 5 read. */
export interface IndexOutOfRange {
  readonly spec: KeySpec;
  readonly index: string;
}

type FamilyResult = { ok: KeyMatch } | { bad: IndexOutOfRange } | undefined;

function matchFamily(c: Compiled, name: string, depth: number): FamilyResult {
  const m = c.re.exec(name);
  if (!m) return undefined;
  let inner: KeyMatch | undefined;
  for (let i = 0; i < c.slots.length; i++) {
    const slot = c.slots[i]!;
    const text = m[i + 1]!;
    if (slot.kind === 'index') {
      if (slot.min === undefined || slot.max === undefined) continue; // <n>: any digits
      // LTSP 5 looped over fixed names (PRINTER_0 .. 2, SCREEN_01 .. 12): 013 or 7 never matched.
      const n = Number(text);
      const widthOk = slot.width === undefined ? text === String(n) : text.length === slot.width;
      if (n < slot.min || n > slot.max || !widthOk) return { bad: { spec: c.spec, index: text } };
    } else if (slot.kind === 'key') {
      // One level only: a per-screen override of a per-screen override means nothing.
      inner = depth === 0 ? lookup(text, depth + 1) : undefined;
      if (!inner) return undefined;
    }
  }
  return { ok: inner ? { spec: c.spec, name, inner } : { spec: c.spec, name } };
}

function lookup(rawName: string, depth: number): KeyMatch | undefined {
  const name = asciiUpper(rawName);
  const exact = EXACT.get(name);
  if (exact) return { spec: exact, name };
  for (const c of FAMILIES) {
    const r = matchFamily(c, name, depth);
    if (r && 'ok' in r) return r.ok;
  }
  return undefined;
}

/** The registry entry for a key, with families resolved (SCREEN_07_XKBLAYOUT -> its inner key too). */
export function matchKey(name: string): KeyMatch | undefined {
  return lookup(name, 0);
}

/** The registry entry for a key name (exact names first, then family patterns). */
export function findKey(name: string): KeySpec | undefined {
  return lookup(name, 0)?.spec;
}

/** PRINTER_3_DEVICE, SCREEN_13, SCREEN_7: the shape of a family, an index LTSP 5 never read. */
export function indexOutOfRange(name: string): IndexOutOfRange | undefined {
  const upper = asciiUpper(name);
  if (lookup(upper, 0)) return undefined;
  for (const c of FAMILIES) {
    const r = matchFamily(c, upper, 0);
    if (r && 'bad' in r) return r.bad;
  }
  return undefined;
}

/** SCREEN_<nn>_<rest> split, whether or not <rest> is a known key. */
export function splitScreenOverride(name: string): { screen: string; key: string } | undefined {
  const m = /^SCREEN_(0[1-9]|1[0-2])_(.+)$/s.exec(asciiUpper(name));
  return m ? { screen: m[1]!, key: m[2]! } : undefined;
}

/** Every exact key name, in registry order. */
export function exactKeyNames(): readonly string[] {
  return [...EXACT.keys()];
}

/** The literal text around each family's placeholders, for did-you-mean on family keys. */
export function familyShapes(): ReadonlyArray<{ readonly spec: KeySpec; readonly head: string; readonly tail: string }> {
  return FAMILIES.map(({ spec, head, tail }) => ({ spec, head, tail }));
}

/**
 * Old names LTSP 5 copied over unchanged (ltsp_config.d/05ltsp-4-compat): copy `from` to `to`
 * when `to` is unset; the new name wins. Combined mappings (the LDM timeout pair) are not here.
 */
export function renamedKeys(): ReadonlyArray<{ readonly from: string; readonly to: string }> {
  return ALL_KEYS.flatMap((k) => (k.status === 'renamed' && k.mapping.kind === 'copy' ? [{ from: k.name, to: k.use }] : []));
}

/** The type in a few words, for messages and the reference. */
export function describeType(t: ValueType): string {
  switch (t.kind) {
    case 'bool':
      return t.reading === 'ltsp' ? 'boolean (True / False)' : 'boolean (LDM reading: true if it starts with y or t)';
    case 'int':
      return `integer ${t.min}-${t.max}${t.unit ? ` ${t.unit}` : ''}`;
    case 'port':
      return 'TCP port 1-65535';
    case 'host':
      return t.words?.length ? `host name or IP address, or ${t.words.join(', ')}` : 'host name or IP address';
    case 'hosts':
      return 'host names or IP addresses, space-separated';
    case 'syslog-targets':
      return 'syslog servers, space-separated: host, host:port, @@host:port for TCP';
    case 'ip':
      return 'IP address';
    case 'ips':
      return 'IP addresses, space-separated';
    case 'path':
      return 'absolute path';
    case 'word':
      return 'one word';
    case 'list':
      return t.sep === 'space' ? 'words, space-separated' : 'words, comma-separated';
    case 'command':
      return 'command with arguments';
    case 'enum':
      return `one of: ${t.values.join(', ')}`;
    case 'format':
      return t.expect;
    case 'line':
      return 'one line of text, copied as is';
    case 'string':
      return 'text';
    case 'per-screen':
      return 'as for KEY';
  }
}
