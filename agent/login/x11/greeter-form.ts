// What the graphical greeter shows and how keys change it, without any X or pixels: the
// fields, which one has the focus, the choices, the message line, the guest countdown. The
// X glue feeds it keys, clicks and clock ticks and acts on the answers it returns; the
// painter draws it. Keeping this pure makes the whole interaction testable.

import type { GreeterAnswer, GreeterSetup } from '../greeter.ts';
import { Keysym, type KeyInput } from './keyboard.ts';
import { texts, type Texts } from '../i18n/index.ts';

/** `menu-N`: the Nth LDM_MENU_ITEM entry of the setup. */
export type FieldId = 'user' | 'password' | 'answer' | 'server' | 'session' | 'language' | 'login' | 'guest' | 'reboot' | 'shutdown' | `menu-${number}`;
export type ChoiceId = 'server' | 'session' | 'language';

export interface ChoiceOption {
  readonly label: string;
  /** What the answer carries; undefined means "Default". */
  readonly value: string | undefined;
  /** A short remark shown next to the label (server rating, "down"). */
  readonly note?: string;
  readonly tone?: 'good' | 'fair' | 'poor' | 'down';
}

export interface Choice {
  readonly options: readonly ChoiceOption[];
  index: number;
}

export interface TextField {
  text: string;
  /** Cursor position in characters (code points). */
  cursor: number;
}

/** What the glue must do after an input. */
export type FormResult =
  | { readonly kind: 'answer'; readonly answer: GreeterAnswer }
  | { readonly kind: 'prompt-answer'; readonly text: string }
  | undefined;

export const FAILSAFE_SESSION = '/usr/bin/xterm';

export class LoginForm {
  /** 'busy': the flow is working on an answer; input is ignored until the next ask() or prompt(). */
  mode: 'login' | 'prompt' | 'busy' = 'busy';
  readonly user: TextField = { text: '', cursor: 0 };
  readonly password: TextField = { text: '', cursor: 0 };
  readonly answer: TextField = { text: '', cursor: 0 };
  prompt = { text: '', echo: true };
  focus: FieldId = 'user';
  message: { text: string; kind: 'info' | 'error' } | undefined;
  /** Seconds left before the guest login, while the countdown runs. */
  guestIn: number | undefined;
  readonly choices: Partial<Record<ChoiceId, Choice>> = {};

  constructor(
    readonly setup: GreeterSetup,
    /** The words shown, in the client's language (agent/login/i18n). */
    readonly t: Texts = texts('en'),
  ) {
    if (setup.servers.length > 1) {
      const options = setup.servers.map(serverOption);
      this.choices.server = { options, index: Math.max(0, options.findIndex((o) => o.value === setup.defaultServer)) };
    }
    if (setup.forcedSession === undefined) {
      this.choices.session = {
        options: [{ label: t('default'), value: undefined }, ...setup.sessions.map((s) => ({ label: s.name, value: s.command })), { label: t('failsafe'), value: FAILSAFE_SESSION }],
        index: 0,
      };
    }
    if (setup.forcedLanguage === undefined && setup.languages.length > 0) {
      this.choices.language = { options: [{ label: t('default'), value: undefined }, ...setup.languages.map(languageOption)], index: 0 };
    }
  }

  /** Carry over what the user typed and chose (not the password) from the previous round. */
  keepFrom(previous: LoginForm): void {
    this.user.text = previous.user.text;
    this.user.cursor = previous.user.cursor;
    this.message = previous.message;
    for (const id of ['server', 'session', 'language'] as const) {
      const mine = this.choices[id];
      const chosen = previous.selected(id);
      const index = mine?.options.findIndex((o) => o.value === chosen) ?? -1;
      if (mine && index >= 0) mine.index = index;
    }
  }

  /** Start (or restart after a failed login) asking for credentials. The user name is kept. */
  startLogin(): void {
    this.mode = 'login';
    setText(this.password, '');
    this.focus = this.user.text === '' ? 'user' : 'password';
    this.restartCountdown();
  }

  startPrompt(text: string, echo: boolean): void {
    this.mode = 'prompt';
    this.prompt = { text, echo };
    setText(this.answer, '');
    this.focus = 'answer';
    this.guestIn = undefined;
  }

  /** Fields in Tab order for the current mode. */
  fields(): FieldId[] {
    if (this.mode === 'prompt') return ['answer'];
    const f: FieldId[] = ['user', 'password'];
    for (const id of ['server', 'session', 'language'] as const) if (this.choices[id]) f.push(id);
    f.push('login');
    if (this.setup.allowGuest) f.push('guest');
    (this.setup.menu ?? []).forEach((_, i) => f.push(`menu-${i}`));
    f.push('reboot', 'shutdown');
    return f;
  }

  selected(id: ChoiceId): string | undefined {
    const c = this.choices[id];
    return c ? c.options[c.index]!.value : undefined;
  }

  private server(): string {
    return this.selected('server') ?? this.setup.defaultServer;
  }

  /** One second passed: run the guest countdown (LDM_LOGIN_TIMEOUT) while the user field is empty. */
  tick(): FormResult {
    if (this.mode !== 'login' || this.guestIn === undefined || this.user.text !== '') return undefined;
    this.guestIn -= 1;
    return this.guestIn <= 0 ? this.submitGuest() : undefined;
  }

  private restartCountdown(): void {
    const t = this.setup.loginTimeoutS;
    this.guestIn = t !== undefined && t > 0 ? t : undefined;
  }

  key(k: KeyInput): FormResult {
    if (this.mode === 'busy') return undefined;
    if (this.mode === 'login') this.restartCountdown();
    const fields = this.fields();
    const move = (by: number) => {
      const i = fields.indexOf(this.focus);
      this.focus = fields[(i + by + fields.length) % fields.length]!;
    };
    switch (k.keysym) {
      case Keysym.Tab:
        move(k.shift ? -1 : 1);
        return undefined;
      case Keysym.ISO_Left_Tab:
      case Keysym.Up:
      case Keysym.KP_Up:
        move(-1);
        return undefined;
      case Keysym.Down:
      case Keysym.KP_Down:
        move(1);
        return undefined;
      case Keysym.Return:
      case Keysym.KP_Enter:
        return this.enter();
      case Keysym.Escape:
        return this.escape();
    }
    const field = this.textField();
    if (field) {
      if (k.control && k.keysym === 0x75 /* Ctrl-U: clear, as in a terminal */) setText(field, '');
      else editText(field, k);
      if (this.message?.kind === 'error') this.message = undefined; // typing again is the answer to an error
      return undefined;
    }
    const choice = this.choices[this.focus as ChoiceId];
    if (choice) {
      if (k.keysym === Keysym.Left || k.keysym === Keysym.KP_Left) this.cycle(this.focus as ChoiceId, -1);
      if (k.keysym === Keysym.Right || k.keysym === Keysym.KP_Right || k.text === ' ') this.cycle(this.focus as ChoiceId, 1);
      return undefined;
    }
    if (k.text === ' ') return this.activate(this.focus);
    return undefined;
  }

  cycle(id: ChoiceId, by: number): void {
    const c = this.choices[id];
    if (c) c.index = (c.index + by + c.options.length) % c.options.length;
  }

  /** A click on a field: focus it; on a button: press it; on a choice: step it. */
  click(field: FieldId, part: 'prev' | 'next' | 'body' = 'body'): FormResult {
    if (this.mode === 'busy' || !this.fields().includes(field)) return undefined;
    if (this.mode === 'login') this.restartCountdown();
    this.focus = field;
    if (field in this.choices) {
      this.cycle(field as ChoiceId, part === 'prev' ? -1 : 1);
      return undefined;
    }
    return this.activate(field);
  }

  private textField(): TextField | undefined {
    return this.focus === 'user' ? this.user : this.focus === 'password' ? this.password : this.focus === 'answer' ? this.answer : undefined;
  }

  private enter(): FormResult {
    if (this.mode === 'prompt') return this.submitPrompt();
    if (this.focus === 'user') {
      this.focus = 'password';
      return undefined;
    }
    return this.activate(this.focus === 'password' || this.focus in this.choices ? 'login' : this.focus);
  }

  private escape(): FormResult {
    const field = this.textField();
    if (field && field.text !== '') setText(field, '');
    else if (this.mode === 'login') this.focus = 'user';
    this.message = undefined;
    return undefined;
  }

  private activate(field: FieldId): FormResult {
    switch (field) {
      case 'login':
        return this.submitLogin();
      case 'answer':
        return this.submitPrompt();
      case 'guest':
        return this.submitGuest();
      case 'reboot':
      case 'shutdown':
        this.mode = 'busy';
        return { kind: 'answer', answer: { kind: field } };
      default: {
        const menu = /^menu-(\d+)$/.exec(field);
        if (!menu) return undefined;
        this.mode = 'busy';
        return { kind: 'answer', answer: { kind: 'menu', index: Number(menu[1]) } };
      }
    }
  }

  private submitLogin(): FormResult {
    if (this.user.text.trim() === '') {
      this.focus = 'user';
      this.message = { text: this.t('enterUser'), kind: 'error' };
      return undefined;
    }
    this.mode = 'busy';
    this.guestIn = undefined;
    const password = this.password.text;
    setText(this.password, ''); // the answer holds the only copy from now on
    return {
      kind: 'answer',
      answer: { kind: 'login', username: this.user.text.trim(), password, server: this.server(), session: this.selected('session'), language: this.selected('language') },
    };
  }

  private submitGuest(): FormResult {
    this.mode = 'busy';
    this.guestIn = undefined;
    return { kind: 'answer', answer: { kind: 'guest', server: this.server(), session: this.selected('session'), language: this.selected('language') } };
  }

  private submitPrompt(): FormResult {
    this.mode = 'busy';
    const text = this.answer.text;
    setText(this.answer, '');
    return { kind: 'prompt-answer', text };
  }
}

function serverOption(s: GreeterSetup['servers'][number]): ChoiceOption {
  if (s.down) return { label: s.host, value: s.host, note: 'down', tone: 'down' };
  if (s.rating === undefined) return { label: s.host, value: s.host };
  const tone = s.rating >= 60 ? 'good' : s.rating >= 30 ? 'fair' : 'poor';
  return { label: s.host, value: s.host, note: `${s.rating}% free`, tone };
}

/** "de_DE.UTF-8" shown as "Deutsch (Deutschland)" when the runtime knows it, else "de_DE". */
export function languageOption(locale: string): ChoiceOption {
  const tag = locale.replace(/[.@].*$/, '').replace('_', '-');
  let label = tag.replace('-', '_');
  try {
    const name = new Intl.DisplayNames([tag], { type: 'language' }).of(tag);
    if (name && name !== tag) label = name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
  } catch {
    /* not a tag Intl knows: keep the locale name */
  }
  return { label, value: locale };
}

// ---------------------------------------------------------------- line editing

const chars = (s: string): string[] => [...s];

function setText(f: TextField, text: string): void {
  f.text = text;
  f.cursor = chars(text).length;
}

function editText(f: TextField, k: KeyInput): void {
  const c = chars(f.text);
  switch (k.keysym) {
    case Keysym.BackSpace:
      if (f.cursor > 0) {
        c.splice(f.cursor - 1, 1);
        f.cursor--;
      }
      break;
    case Keysym.Delete:
      c.splice(f.cursor, 1);
      break;
    case Keysym.Left:
    case Keysym.KP_Left:
      f.cursor = Math.max(0, f.cursor - 1);
      return;
    case Keysym.Right:
    case Keysym.KP_Right:
      f.cursor = Math.min(c.length, f.cursor + 1);
      return;
    case Keysym.Home:
      f.cursor = 0;
      return;
    case Keysym.End:
      f.cursor = c.length;
      return;
    default:
      if (k.text === '' || k.control || k.text < ' ' || c.length >= 256) return;
      c.splice(f.cursor, 0, ...chars(k.text));
      f.cursor += chars(k.text).length;
  }
  f.text = c.join('');
}
