// The X greeter on a real (private) Xvfb, typed into with xdotool through the X server's
// XTEST extension, as a user's keyboard would: the answers carry exactly what was typed,
// with the US and the German layout, and the keyboard-interactive prompt works.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X11Greeter } from '../../agent/login/greeter-x11.ts';
import type { GreeterSetup } from '../../agent/login/greeter.ts';
import { hasProgram } from '../lab/lab.ts';
import { withXvfb, xrun, type TestDisplay } from '../lab/xvfb.ts';

const skip = ['Xvfb', 'xdotool', 'xauth', 'setxkbmap'].every(hasProgram) ? undefined : 'needs xvfb, xdotool, xauth, x11-xkb-utils';

const setup: GreeterSetup = {
  title: { hostname: 'ltsp-test', ip: '10.77.0.2' },
  servers: [{ host: 'server1', rating: 80 }, { host: 'server2', rating: 40 }],
  defaultServer: 'server1',
  sessions: [{ name: 'Xfce', command: '/usr/bin/startxfce4' }],
  languages: ['de_DE.UTF-8', 'fr_FR.UTF-8'],
  allowGuest: true,
};

async function withGreeter(work: (g: X11Greeter, d: TestDisplay) => Promise<void>): Promise<void> {
  await withXvfb(async (d) => {
    const g = await X11Greeter.open({ display: d.display, xauthority: d.xauthority });
    try {
      await work(g, d);
    } finally {
      await g.close();
    }
  });
}

const shown = (d: TestDisplay) => xrun(d, ['xdotool', 'search', '--sync', '--name', 'ltsp-agent greeter']);
const type = (d: TestDisplay, text: string) => xrun(d, ['xdotool', 'type', '--delay', '20', text]);
const key = (d: TestDisplay, ...keys: string[]) => xrun(d, ['xdotool', 'key', '--delay', '20', ...keys]);

test('typing user name and password and Enter answers a login with exactly that', { skip, timeout: 60_000 }, async () => {
  await withGreeter(async (g, d) => {
    const answer = g.ask(setup);
    await shown(d);
    await type(d, 'alice');
    await key(d, 'Return'); // Enter in the user field moves to the password
    await type(d, 'S3cr3t pass!#');
    await key(d, 'Return');
    assert.deepEqual(await answer, { kind: 'login', username: 'alice', password: 'S3cr3t pass!#', server: 'server1', session: undefined, language: undefined });
  });
});

test('German layout: umlauts and AltGr characters, and a server and session picked with the keyboard', { skip, timeout: 60_000 }, async () => {
  await withGreeter(async (g, d) => {
    await xrun(d, ['setxkbmap', '-layout', 'de']);
    const answer = g.ask(setup);
    await shown(d);
    await type(d, 'jürgen');
    await key(d, 'Tab');
    await type(d, 'Zürich@ßöÄ€{y}');
    await key(d, 'Tab', 'Right', 'Tab', 'Right', 'Return'); // server2, then the first named session
    assert.deepEqual(await answer, {
      kind: 'login',
      username: 'jürgen',
      password: 'Zürich@ßöÄ€{y}',
      server: 'server2',
      session: '/usr/bin/startxfce4',
      language: undefined,
    });
  });
});

test('French layout: dead circumflex and diaeresis compose (ê, ï), AZERTY letters', { skip, timeout: 60_000 }, async () => {
  await withGreeter(async (g, d) => {
    await xrun(d, ['setxkbmap', '-layout', 'fr']);
    const answer = g.ask(setup);
    await shown(d);
    await type(d, 'zoé');
    await key(d, 'Tab', 'dead_circumflex', 'e', 't', 'dead_diaeresis', 'i', 'Return');
    const a = await answer;
    assert.equal(a.kind === 'login' && a.username, 'zoé');
    assert.equal(a.kind === 'login' && a.password, 'êtï');
  });
});

test('a failed login asks again keeping the user name; a hidden prompt answers with what was typed', { skip, timeout: 60_000 }, async () => {
  await withGreeter(async (g, d) => {
    const first = g.ask(setup);
    await shown(d);
    await type(d, 'bob');
    await key(d, 'Tab');
    await type(d, 'old');
    await key(d, 'Return');
    assert.equal((await first).kind, 'login');
    await g.message('Your password has expired.', 'info');
    const fresh = g.prompt('New password:', false);
    await g.drawn();
    await type(d, 'n3w-Pw');
    await key(d, 'Return');
    assert.equal(await fresh, 'n3w-Pw');
    await g.message('Wrong password', 'error');
    const again = g.ask(setup);
    await g.drawn();
    await type(d, 'second'); // the focus is on the password: the user name was kept
    await key(d, 'Return');
    const a = await again;
    assert.equal(a.kind, 'login');
    assert.equal(a.kind === 'login' && a.username, 'bob');
    assert.equal(a.kind === 'login' && a.password, 'second');
  });
});

test('Shift+Tab from the user field reaches Shut down; the guest button answers guest', { skip, timeout: 60_000 }, async () => {
  await withGreeter(async (g, d) => {
    const power = g.ask(setup);
    await shown(d);
    await key(d, 'shift+Tab', 'Return');
    assert.deepEqual(await power, { kind: 'shutdown' });
    const guest = g.ask(setup);
    await g.drawn();
    await key(d, 'shift+Tab', 'shift+Tab', 'shift+Tab', 'space');
    assert.deepEqual(await guest, { kind: 'guest', server: 'server1', session: undefined, language: undefined });
  });
});

test('German: the greeter draws the German catalogue\'s words; an LDM_MENU_ITEM entry answers with its index', { skip, timeout: 60_000 }, async () => {
  await withXvfb(async (d) => {
    const { texts } = await import('../../agent/login/i18n/index.ts');
    const g = await X11Greeter.open({ display: d.display, xauthority: d.xauthority, texts: texts('de_DE.UTF-8') });
    try {
      const answer = g.ask({ ...setup, menu: ['Bildschirm einrichten'], clockFormat: '%A, %H:%M' });
      await shown(d);
      await g.drawn();
      const words = g.shownTexts();
      for (const w of ['Benutzername', 'Passwort', 'Sitzung', 'Sprache', 'Anmelden', 'Als Gast anmelden', 'Herunterfahren', 'Neu starten', 'Bildschirm einrichten', 'Standard']) {
        assert.ok(words.includes(w), `"${w}" drawn: ${JSON.stringify(words)}`);
      }
      for (const w of ['User name', 'Log in', 'Shut down', 'Restart']) assert.ok(!words.includes(w), `no English "${w}"`);
      assert.ok(words.some((w) => /^(Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag), \d\d:\d\d$/.test(w)), `the LDM_CLOCK_FORMAT clock in German: ${JSON.stringify(words)}`);
      // from the user field backwards: Shut down, Restart, then the menu entry
      await key(d, 'shift+Tab', 'shift+Tab', 'shift+Tab', 'space');
      assert.deepEqual(await answer, { kind: 'menu', index: 0 });
    } finally {
      await g.close();
    }
  });
});
