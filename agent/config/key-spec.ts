// What a declaration of an lts.conf key says: its value type (and, for booleans, whose reading
// applies), its default as LTSP 5's code had it, and one line of meaning. Planners declare the
// keys they read with these (agent/config/declare.ts); the registry (registry.ts) collects the
// declarations for the checks, `config explain`, docs/lts.conf.md and lts.conf(5).
//
// A key is either one exact name (`NBD_SWAP_HOST`) or a family written with placeholders:
//   <n>        a decimal index, any value            X_MODE_<n>
//   <a-b>      a decimal index within a..b; a leading zero in `a` fixes the width (SCREEN_<01-12>)
//   <KEY>      another lts.conf key (per-screen overrides: SCREEN_<01-12>_<KEY>)
//   <ANYTHING> any non-empty text                   MODULE_<any>, <CONTROL>_VOLUME

export type Area = 'core' | 'network' | 'system' | 'swap' | 'sound' | 'syslog' | 'x' | 'keyboard' | 'screens' | 'login' | 'devices';

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
  /** Free text that must have a certain shape; `example` is one value of that shape. */
  | { readonly kind: 'format'; readonly re: RegExp; readonly expect: string; readonly example: string }
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

/** A key as its reader declares it; the name is the property it is declared under. */
export interface KeyDecl {
  readonly area: Area;
  readonly type: ValueType;
  readonly default: KeyDefault;
  /** The default lts.conf(5) stated, where it differs from what the code did. */
  readonly manDefault?: string;
  /** One line: what the key is for. */
  readonly meaning: string;
  /** A credential: never shown, never in a file others can read. */
  readonly secret?: true;
}

// ---- small constructors, so declarations read like a table ----------------------------------

export const bool = (reading: BoolReading = 'ltsp'): ValueType => ({ kind: 'bool', reading });
export const int = (min: number, max: number, unit?: string): ValueType =>
  unit === undefined ? { kind: 'int', min, max } : { kind: 'int', min, max, unit };
export const enumOf = (...values: string[]): ValueType => ({ kind: 'enum', values });
export const format = (re: RegExp, expect: string, example: string): ValueType => ({ kind: 'format', re, expect, example });
export const T = {
  port: { kind: 'port' },
  host: { kind: 'host' },
  hosts: { kind: 'hosts' },
  syslogTargets: { kind: 'syslog-targets' },
  ip: { kind: 'ip' },
  ips: { kind: 'ips' },
  path: { kind: 'path' },
  word: { kind: 'word' },
  words: { kind: 'list', sep: 'space' },
  commaList: { kind: 'list', sep: 'comma' },
  command: { kind: 'command' },
  line: { kind: 'line' },
  string: { kind: 'string' },
  perScreen: { kind: 'per-screen' },
} as const satisfies Record<string, ValueType>;
export const unset: KeyDefault = { kind: 'unset' };
export const val = (value: string): KeyDefault => ({ kind: 'value', value });
export const derived = (how: string): KeyDefault => ({ kind: 'derived', how });

/** A declaration in one call: `k('swap', bool(), val('False'), 'use local swap partitions')`. */
export function k(area: Area, type: ValueType, dflt: KeyDefault, meaning: string, extra: { manDefault?: string; secret?: true } = {}): KeyDecl {
  return { area, type, default: dflt, meaning, ...extra };
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
