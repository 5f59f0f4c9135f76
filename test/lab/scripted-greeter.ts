// A Greeter that plays a script instead of showing a screen: `ask` returns the next scripted
// answer (shutdown when the script is used up), `prompt` answers keyboard-interactive prompts
// from its own list, and every call is recorded for the test to check. The answer lists are
// consumed in place, so greeters made for later X servers continue the same script.

import type { Greeter, GreeterAnswer, GreeterSetup } from '../../agent/login/greeter.ts';

export type GreeterEvent =
  | { ev: 'ask'; setup: GreeterSetup }
  | { ev: 'message'; text: string; kind: 'info' | 'error' }
  | { ev: 'prompt'; text: string; echo: boolean }
  | { ev: 'close' };

export class ScriptedGreeter implements Greeter {
  readonly events: GreeterEvent[] = [];
  readonly #answers: GreeterAnswer[];
  readonly #prompts: string[];
  readonly #onEvent: ((e: GreeterEvent) => void) | undefined;

  constructor(answers: GreeterAnswer[], prompts: string[] = [], onEvent?: (e: GreeterEvent) => void) {
    this.#answers = answers;
    this.#prompts = prompts;
    this.#onEvent = onEvent;
  }

  #record(e: GreeterEvent): void {
    this.events.push(e);
    this.#onEvent?.(e);
  }

  async ask(setup: GreeterSetup): Promise<GreeterAnswer> {
    this.#record({ ev: 'ask', setup });
    return this.#answers.shift() ?? { kind: 'shutdown' };
  }

  async message(text: string, kind: 'info' | 'error'): Promise<void> {
    this.#record({ ev: 'message', text, kind });
  }

  async prompt(text: string, echo: boolean): Promise<string> {
    this.#record({ ev: 'prompt', text, echo });
    return this.#prompts.shift() ?? '';
  }

  async close(): Promise<void> {
    this.#record({ ev: 'close' });
  }
}
