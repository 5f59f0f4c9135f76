// The contract between the login flow (agent/login/flow.ts) and whatever shows it to the
// user: the graphical X greeter, the console greeter, or an existing LDM greeter spoken to
// over LDM's pipe protocol. The flow never knows which one it drives.

export interface ServerChoice {
  readonly host: string;
  /** ldminfod rating 0-100, higher is better; undefined when ldminfod did not answer. */
  readonly rating?: number;
  readonly down?: boolean;
}

export interface SessionChoice {
  readonly name: string;
  readonly command: string;
}

export interface GreeterSetup {
  /** Client hostname and IP for the title line. */
  readonly title: { hostname: string; ip?: string };
  readonly servers: readonly ServerChoice[];
  /** Preselected server (lowest load by rating, or the first LDM_SERVER). */
  readonly defaultServer: string;
  readonly sessions: readonly SessionChoice[];
  readonly languages: readonly string[];
  readonly forcedSession?: string;
  readonly forcedLanguage?: string;
  /** Show a guest button (LDM_GUESTLOGIN). */
  readonly allowGuest: boolean;
  /** Seconds of an empty user field after which the greeter logs in as guest (LDM_LOGIN_TIMEOUT). */
  readonly loginTimeoutS?: number;
  /** Keyboard layout in use, shown to the user (from XKBLAYOUT). */
  readonly keyboardLayout?: string;
  /** Extra menu entries (LDM_MENU_ITEM_n); answered with { kind: 'menu', index }. */
  readonly menu?: readonly string[];
  /** LDM_CLOCK_FORMAT (strftime, markup removed). */
  readonly clockFormat?: string;
}

export type GreeterAnswer =
  | {
      readonly kind: 'login';
      readonly username: string;
      /** Only in memory; never logged (the flow registers it as a secret at once). */
      readonly password: string;
      readonly server: string;
      readonly session?: string;
      readonly language?: string;
    }
  | { readonly kind: 'guest'; readonly server?: string; readonly session?: string; readonly language?: string }
  | { readonly kind: 'reboot' }
  | { readonly kind: 'shutdown' }
  /** An LDM_MENU_ITEM_n entry, by its place in GreeterSetup.menu; the flow runs it and asks again. */
  | { readonly kind: 'menu'; readonly index: number };

export interface Greeter {
  /** Show the login screen and resolve with what the user did. */
  ask(setup: GreeterSetup): Promise<GreeterAnswer>;
  /** Show a status or error line (e.g. "Verifying password", "Wrong password"). */
  message(text: string, kind: 'info' | 'error'): Promise<void>;
  /**
   * A keyboard-interactive prompt from the server (expired password, localised prompts).
   * `echo` false means hidden input. Resolves with the user's answer.
   */
  prompt(text: string, echo: boolean): Promise<string>;
  /** The login succeeded or was abandoned: take the greeter off the screen. */
  close(): Promise<void>;
}
