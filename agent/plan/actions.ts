// The boot plan is data: every effect on the machine is one of these typed actions.
// Step planners are pure functions that return actions; only agent/exec/ applies them,
// and `--dry-run` prints exactly the same objects.

/** A file-system path on the client. With `--root DIR` the executor maps it under DIR. */
export interface ClientPath {
  readonly path: string;
}

/** One argv element: a literal string, or a client path the executor maps under --root. */
export type Arg = string | ClientPath;

export const clientPath = (path: string): ClientPath => ({ path });

export function isClientPath(a: Arg): a is ClientPath {
  return typeof a === 'object' && a !== null && 'path' in a;
}

/** Where an action came from, for the plan printout and for error messages. */
export interface Origin {
  /** lts.conf keys whose values shaped this action. */
  readonly keys: readonly string[];
  /** One short sentence: why the action is in the plan. */
  readonly why: string;
}

export type Action = Origin &
  (
    | { readonly kind: 'mkdir'; readonly path: string; readonly mode?: number }
    | {
        readonly kind: 'write-file';
        readonly path: string;
        readonly content: string;
        readonly mode?: number;
        /** Content holds a secret: the plan printout and logs show only its length. */
        readonly secret?: boolean;
        /** How the text plan shows the content to a person, instead of its first lines (the JSON plan has the content). */
        readonly summary?: readonly string[];
      }
    | {
        /** Append lines to a file, creating it with `header` first when it does not exist. */
        readonly kind: 'append-lines';
        readonly path: string;
        readonly lines: readonly string[];
        readonly header?: string;
        readonly mode?: number;
      }
    | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
    | { readonly kind: 'remove'; readonly path: string }
    | {
        /** Run a program to completion. Never through a shell. */
        readonly kind: 'run';
        readonly argv: readonly Arg[];
        readonly env?: Readonly<Record<string, string>>;
        readonly timeoutMs?: number;
        /** Exit codes that count as success (default [0]). */
        readonly okExit?: readonly number[];
        /** Failure of this command does not fail the step (LTSP 5 ignored it too). */
        readonly bestEffort?: boolean;
        /** Text for the program's standard input. */
        readonly stdin?: string;
      }
    | {
        /** Start a long-running program and leave it running; its PID is recorded. */
        readonly kind: 'daemon';
        readonly name: string;
        readonly argv: readonly Arg[];
        readonly env?: Readonly<Record<string, string>>;
        /** Wait until this TCP port (or unix socket path) accepts connections before going on. */
        readonly readyWhen?: { readonly tcpPort: number; readonly host?: string } | { readonly socket: string };
        readonly readyTimeoutMs?: number;
      }
    | { readonly kind: 'sysctl'; readonly key: string; readonly value: string }
    | { readonly kind: 'set-hostname'; readonly hostname: string }
    | {
        /**
         * Send the agent's own log to these syslog servers as well (host, host:port,
         * tcp://host:port, checked by the planner): the boot's logger starts forwarding.
         */
        readonly kind: 'forward-agent-log';
        readonly targets: readonly string[];
      }
    | {
        /** Export facts to the environment of later phases (login, screens): /run/ltsp/ltsp_config_env. */
        readonly kind: 'export-env';
        readonly vars: Readonly<Record<string, string>>;
      }
    | {
        /**
         * Attach an NBD export as a local block device (agent/exec/nbd.ts): the kernel's nbd
         * device when there is one, else nbdfuse + a loop device. The device is linked at
         * `link` for the actions that follow, and recorded for detaching at shutdown.
         */
        readonly kind: 'attach-nbd';
        readonly host: string;
        readonly port?: number;
        readonly export: string;
        /** The device will hold swap: nbd-client locks itself in memory (-swap). */
        readonly forSwap: boolean;
        /** Client path of the symlink to the attached device, e.g. /run/ltsp/dev/nbd-swap. */
        readonly link: string;
      }
    | {
        /**
         * swapon every local partition whose type or signature says swap (USE_LOCAL_SWAP);
         * which partitions exist is only known on the client, so the executor finds them (blkid).
         * With `encrypt`, each is first mapped through dm-crypt with a random key and mkswap'ed.
         */
        readonly kind: 'swapon-local';
        readonly encrypt: boolean;
      }
  );

export type ActionKind = Action['kind'];

/** Names of the boot steps. One planner file per step in agent/steps/. */
export type StepName =
  | 'lts-conf'
  | 'hostname'
  | 'dns'
  | 'modules'
  | 'time'
  | 'swap'
  | 'sound'
  | 'syslog'
  | 'x'
  | 'keyboard'
  | 'fstab'
  | 'cron'
  | 'rcfiles'
  | 'init-commands'
  | 'machine-id'
  | 'interfaces'
  | 'screens'
  | 'login';

/** What a planner returns for its step. */
export interface StepPlan {
  readonly step: StepName;
  /** Steps that must have finished (successfully) before this one starts. */
  readonly needs: readonly StepName[];
  readonly actions: readonly Action[];
  /** Set when the step has nothing to do, with the reason ("SYSLOG_HOST is not set"). */
  readonly skipped?: string;
  /** Set when the configuration makes the step impossible (a refused value): the step fails with this reason. */
  readonly invalid?: string;
  /** Problems the planner found in the configuration (refused values and the like). */
  readonly problems: readonly import('../core/errors.ts').Problem[];
}
