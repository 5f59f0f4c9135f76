// The greeter's catalogues (agent/login/i18n), its look from lts.conf (LDM_THEME,
// LDM_CLOCK_FORMAT, LDM_MENU_ITEM_n), the theme files it reads (greeter-gtkrc, PNG) and the
// greeter form's menu entries.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { languageOf, LANGUAGES, texts, type TextKey } from '../../agent/login/i18n/index.ts';
import { strftime } from '../../agent/login/i18n/strftime.ts';
import { planLoginFor } from '../../agent/steps/login.ts';
import { decodePng, encodePng } from '../../agent/login/x11/png.ts';
import { gtkrcColors, parseGtkColor } from '../../agent/login/x11/theme.ts';
import { LoginForm } from '../../agent/login/x11/greeter-form.ts';
import { Keysym } from '../../agent/login/x11/keyboard.ts';
import type { GreeterSetup } from '../../agent/login/greeter.ts';
import { CONF_FILE, ctxOf } from './steps-fixtures.ts';

const I18N = join(import.meta.dirname, '..', '..', 'agent', 'login', 'i18n');
const en = JSON.parse(readFileSync(join(I18N, 'en.json'), 'utf8')) as Record<string, string>;

test('every catalogue file is registered and has every English key, with the same {placeholders}', () => {
  const files = readdirSync(I18N).filter((f) => f.endsWith('.json')).map((f) => f.replace('.json', ''));
  assert.deepEqual([...files].sort(), [...LANGUAGES].sort());
  for (const lang of files) {
    const cat = JSON.parse(readFileSync(join(I18N, `${lang}.json`), 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(cat).sort(), Object.keys(en).sort(), lang);
    for (const [k, v] of Object.entries(en)) assert.deepEqual((cat[k]!.match(/\{\w+\}/g) ?? []).sort(), (v.match(/\{\w+\}/g) ?? []).sort(), `${lang} ${k}`);
  }
});

const samples: Record<string, Partial<Record<TextKey, string>>> = {
  en: { login: 'Log in', user: 'User name', shutdown: 'Shut down', reboot: 'Restart' },
  de: { login: 'Anmelden', user: 'Benutzername', shutdown: 'Herunterfahren', reboot: 'Neu starten' },
  fr: { login: 'Se connecter', user: 'Nom d’utilisateur', shutdown: 'Éteindre', reboot: 'Redémarrer' },
  es: { login: 'Iniciar sesión', user: 'Nombre de usuario', shutdown: 'Apagar', reboot: 'Reiniciar' },
};

for (const [lang, words] of Object.entries(samples)) {
  test(`${lang}: the greeter's words, and {values} filled in`, () => {
    const t = texts(`${lang}_XX.UTF-8`);
    assert.equal(t.language, lang);
    for (const [k, v] of Object.entries(words)) assert.equal(t(k as TextKey), v);
    assert.match(t('guestIn', { s: 7 }), /\b7 s\)$/);
    assert.ok(t('loginTo', { server: 'app1' }).includes('app1'));
  });
}

test('the language: LDM_LANGUAGE-style locales and LANG; unknown or missing ones are English', () => {
  assert.equal(languageOf('de_AT.UTF-8'), 'de');
  assert.equal(languageOf('fr-CA'), 'fr');
  assert.equal(languageOf('es'), 'es');
  assert.equal(languageOf('C.UTF-8'), 'en');
  assert.equal(languageOf('pt_BR.UTF-8'), 'en');
  assert.equal(languageOf(undefined), 'en');
});

test('LDM_CLOCK_FORMAT: strftime with names in the greeter language', () => {
  const d = new Date(2024, 2, 5, 9, 7, 3); // Tuesday 5 March 2024, 09:07:03 local time
  assert.equal(strftime('%H:%M:%S %d.%m.%Y %%', d), '09:07:03 05.03.2024 %');
  assert.equal(strftime('%A %e %B', d, 'de'), 'Dienstag  5 März');
  assert.equal(strftime('%a %I:%M %p', d, 'en'), 'Tue 09:07 AM');
  assert.equal(strftime('%F %R %j', d), '2024-03-05 09:07 065');
});

test('the planner: menu entries as argv, the theme directory, the clock format without markup; bad values refused by key and line', () => {
  const good = planLoginFor(ctxOf({ SCREEN_07: 'ldm', LDM_MENU_ITEM_0: 'Screen setup', LDM_MENU_COMMAND_0: '/usr/local/bin/screen-setup --gui', LDM_THEME: 'school', LDM_CLOCK_FORMAT: '%x, <b>%H:%M</b>' }));
  assert.deepEqual(good.problems, []);
  const look = good.plan.screens[0]!.greeterLook!;
  assert.deepEqual(look.menu, [{ label: 'Screen setup', argv: ['/usr/local/bin/screen-setup', '--gui'] }]);
  assert.equal(look.themeDir, '/usr/share/ldm/themes/school');
  assert.equal(look.clockFormat, '%x, %H:%M');
  assert.equal(planLoginFor(ctxOf({ SCREEN_07: 'ldm' })).plan.screens[0]!.greeterLook!.themeDir, '/usr/share/ldm/themes/default');
  assert.equal(planLoginFor(ctxOf({ SCREEN_07: 'ldm', LDM_THEME: '/opt/theme' })).plan.screens[0]!.greeterLook!.themeDir, '/opt/theme');

  const bad = planLoginFor(ctxOf({ SCREEN_07: 'ldm', LDM_MENU_ITEM_1: 'Evil', LDM_MENU_COMMAND_1: 'sh -c "reboot"', LDM_THEME: '../../etc', LDM_CLOCK_FORMAT: '%H:%M %Q', LDM_MENU_ITEM_2: 'Lonely' }));
  const by = (key: string) => bad.problems.find((p) => p.where.key === key);
  for (const [key, line, re] of [['LDM_MENU_COMMAND_1', 4, /shell syntax/], ['LDM_THEME', 5, /neither a theme name nor an absolute path/], ['LDM_CLOCK_FORMAT', 6, /"%Q".*not a strftime conversion/], ['LDM_MENU_ITEM_2', 7, /has no LDM_MENU_COMMAND_2/]] as const) {
    const p = by(key);
    assert.ok(p, `${key}: ${JSON.stringify(bad.problems)}`);
    assert.deepEqual([p.where.file, p.where.line], [CONF_FILE, line], key);
    assert.match(p.message, re, key);
  }
  const badLook = bad.plan.screens[0]!.greeterLook!;
  assert.deepEqual(badLook.menu, []);
  assert.equal(badLook.themeDir, '/usr/share/ldm/themes/default');
  assert.equal(badLook.clockFormat, undefined);
});

test('theme files: gtkrc colours, PNG decoding (RGBA round trip), refusals of what is not read', () => {
  assert.equal(parseGtkColor('#fff'), 0xffffff);
  assert.equal(parseGtkColor('#12ab34'), 0x12ab34);
  assert.equal(parseGtkColor('#1234abcd5678'), 0x12ab56);
  assert.equal(parseGtkColor('red'), undefined);
  assert.deepEqual(gtkrcColors('style "ldm" {\n  fg[NORMAL] = "#eeeeee"\n  bg[NORMAL]="#204a87"\n}\n'), { background: 0x204a87, foreground: 0xeeeeee });
  const img = { width: 3, height: 2, rgb: Uint32Array.from([0xff0000, 0x00ff00, 0x0000ff, 0x123456, 0xffffff, 0]), alpha: Uint8Array.from([255, 128, 0, 255, 255, 255]) };
  const back = decodePng(encodePng(img));
  assert.deepEqual([back.width, back.height, [...back.rgb], [...back.alpha]], [3, 2, [...img.rgb], [...img.alpha]]);
  assert.throws(() => decodePng(Buffer.from('GIF89a not a png at all, really not one')), /not a PNG/);
  const png = encodePng(img);
  png[8 + 8 + 8] = 16; // IHDR bit depth 16
  assert.throws(() => decodePng(png), /bit depth 16/);
});

test('greeter form: LDM_MENU_ITEM entries sit before Restart and Shut down and answer with their index', () => {
  const setup: GreeterSetup = { title: { hostname: 'pc1' }, servers: [{ host: 's' }], defaultServer: 's', sessions: [], languages: [], allowGuest: false, menu: ['A', 'B'] };
  const form = new LoginForm(setup, texts('es'));
  form.startLogin();
  assert.deepEqual(form.fields().slice(-4), ['menu-0', 'menu-1', 'reboot', 'shutdown']);
  assert.equal(form.choices.session!.options[0]!.label, 'Predeterminado');
  assert.deepEqual(form.click('menu-1'), { kind: 'answer', answer: { kind: 'menu', index: 1 } });
  form.startLogin();
  assert.equal(form.key({ keysym: Keysym.Return, text: '', shift: false, control: false, alt: false }), undefined);
  form.focus = 'login';
  form.key({ keysym: Keysym.Return, text: '', shift: false, control: false, alt: false });
  assert.equal(form.message?.text, 'Escriba su nombre de usuario.');
});
