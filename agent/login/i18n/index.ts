// The greeter's words in the client's language. One JSON file per language next to this one
// (`"key": "text"`, `{name}` for values); a new language is a new file plus one line below.
// English is complete and the fallback for any key a catalogue lacks. The language is
// LDM_LANGUAGE (or LDM_FORCE_LANGUAGE), else LANG: "de_DE.UTF-8", "de-AT", "de" all pick de.
// The JSON files are bundled into dist/ltsp-agent at build time.

import en from './en.json' with { type: 'json' };
import de from './de.json' with { type: 'json' };
import fr from './fr.json' with { type: 'json' };
import es from './es.json' with { type: 'json' };

export type TextKey = Exclude<keyof typeof en, '_language'>;

const CATALOGUES: Readonly<Record<string, Readonly<Record<string, string>>>> = { en, de, fr, es };

export const LANGUAGES = Object.keys(CATALOGUES);

/** Looks up the greeter's texts; `t('guestIn', { s: 5 })`. */
export type Texts = ((key: TextKey, values?: Readonly<Record<string, string | number>>) => string) & { readonly language: string };

/** The catalogue language for a locale ("de_DE.UTF-8" -> "de"); English when none fits. */
export function languageOf(locale: string | undefined): string {
  const lang = (locale ?? '').trim().toLowerCase().split(/[_.@-]/)[0] ?? '';
  return lang in CATALOGUES ? lang : 'en';
}

export function texts(locale: string | undefined): Texts {
  const language = languageOf(locale);
  const cat = CATALOGUES[language]!;
  const t = (key: TextKey, values: Readonly<Record<string, string | number>> = {}): string =>
    (cat[key] ?? (en as Record<string, string>)[key] ?? key).replace(/\{(\w+)\}/g, (m, name: string) => (name in values ? String(values[name]) : m));
  return Object.assign(t, { language });
}
