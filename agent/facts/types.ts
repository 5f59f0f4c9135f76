// Who this client is. Gathered once at boot from /proc/cmdline, the initramfs's DHCP lease
// files and the interfaces (agent/facts/gather.ts); every field can be overridden by a flag,
// so a workstation can play any client in --dry-run.

/** Where a fact came from, shown in the plan so an admin can tell why the agent chose it. */
export type FactSource = 'flag' | 'cmdline' | 'lease' | 'interface' | 'system' | 'lts.conf' | 'default';

export interface Sourced<T> {
  readonly value: T;
  readonly source: FactSource;
}

export type RootMount =
  | { readonly kind: 'nbd'; readonly host: string; readonly port?: number; readonly name?: string }
  | { readonly kind: 'nfs'; readonly server: string; readonly path: string }
  | { readonly kind: 'local' };

export interface ClientFacts {
  /** Lowercase, colon separated, as getltscfg formats it. */
  readonly mac?: Sourced<string>;
  readonly ip?: Sourced<string>;
  readonly prefixLength?: number;
  /** The boot interface (DEVICE in LTSP 5). */
  readonly device?: Sourced<string>;
  /** The hostname the kernel has now (uname -n); may be empty at boot. */
  readonly kernelHostname?: Sourced<string>;
  /** Hostname handed out by DHCP. */
  readonly dhcpHostname?: string;
  /** The LTSP server the client booted from (04-server), used for the TFTP fetch. */
  readonly server?: Sourced<string>;
  readonly gateway?: string;
  readonly dns: readonly string[];
  readonly dnsDomain?: string;
  /** BOOT_IMAGE from the kernel command line. */
  readonly bootImage?: string;
  /** DHCP boot file name (`filename`). */
  readonly dhcpFilename?: string;
  /** uname -m. */
  readonly arch: string;
  readonly ramMiB: number;
  readonly root: RootMount;
  /** ltsp.KEY=value pairs from the kernel command line, keys uppercased. */
  readonly cmdlineKeys: Readonly<Record<string, string>>;
  /** True when the kernel was told to run init-ltsp (this is an LTSP boot). */
  readonly ltspBoot: boolean;
  /**
   * Client files and programs that change what a step does (LTSP 5 tested for them with
   * `[ -x ... ]`): absolute client paths that exist. Probed once; planners stay pure.
   */
  readonly present: ReadonlySet<string>;
  /** 'probed' from a real root, or 'assumed' (a workstation dry run without --root: TYPICAL_CHROOT). */
  readonly presentSource?: 'probed' | 'assumed';
  /** Lease and kernel command line values that were refused and left out (LTSP_FACT_INVALID). */
  readonly problems?: readonly import('../core/errors.ts').Problem[];
}

/** The files agent/facts/gather.ts probes for `present`. Steps may only ask about these. */
export const PROBED_PATHS = [
  '/usr/bin/pulseaudio',
  '/usr/bin/pactl',
  '/usr/bin/amixer',
  '/sbin/nbd-client',
  '/usr/sbin/nbd-client',
  '/usr/bin/nbdfuse',
  '/sbin/cryptsetup',
  '/usr/sbin/cryptsetup',
  '/sbin/mkswap',
  '/sbin/swapon',
  '/etc/rsyslog.d',
  '/etc/syslog.conf',
  '/usr/sbin/rsyslogd',
  '/sbin/syslogd',
  '/usr/bin/setxkbmap',
  '/usr/bin/Xorg',
  '/usr/bin/X',
  '/etc/X11/xorg.conf.d',
  '/usr/sbin/ntpdate',
  '/usr/bin/ntpdate',
  '/sbin/hwclock',
  '/usr/share/zoneinfo',
  '/etc/systemd/system',
  '/run/systemd/system',
  '/sbin/openrc',
  '/etc/inittab',
  '/sbin/resolvconf',
  '/etc/network/interfaces',
  '/etc/conf.d',
  '/etc/ssh/ssh_known_hosts',
  '/usr/bin/ssh',
  '/usr/sbin/sshd',
  '/usr/bin/xinit',
  '/usr/bin/xterm',
  '/sbin/modprobe',
  '/usr/sbin/cron',
  '/usr/sbin/crond',
  '/etc/hosts.ltsp',
  '/usr/sbin/ldm',
  '/etc/systemd/resolved.conf',
  '/dev/snd',
  '/etc/default/keyboard',
  '/etc/default/busybox-syslogd',
  '/bin/loadkeys',
  '/usr/bin/loadkeys',
] as const;

export type ProbedPath = (typeof PROBED_PATHS)[number];

/**
 * What a workstation dry run assumes a client chroot has when no --root is given: a Debian
 * LTSP 5 thin-client chroot (ltsp-client, pulseaudio, nbd-client, rsyslog, Xorg, ntpdate).
 * `--root /opt/ltsp/<arch>` probes the real one instead.
 */
export const TYPICAL_CHROOT: readonly ProbedPath[] = [
  '/usr/bin/pulseaudio', '/usr/bin/pactl', '/usr/bin/amixer', '/sbin/nbd-client', '/sbin/mkswap', '/sbin/swapon',
  '/etc/rsyslog.d', '/usr/sbin/rsyslogd', '/usr/bin/setxkbmap', '/usr/bin/Xorg', '/usr/bin/X', '/etc/X11/xorg.conf.d',
  '/usr/sbin/ntpdate', '/sbin/hwclock', '/usr/share/zoneinfo', '/etc/systemd/system', '/etc/network/interfaces',
  '/etc/ssh/ssh_known_hosts', '/usr/bin/ssh', '/usr/bin/xinit', '/sbin/modprobe', '/usr/sbin/cron', '/etc/default/keyboard',
];

