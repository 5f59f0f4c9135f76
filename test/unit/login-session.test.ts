import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionCommand, sessionEnv, shq, type SessionSpec } from '../../agent/login/session.ts';

/** Run the session command as the server's login shell would, with a fake Xsession that records its args and env. */
function runOnFakeServer(spec: Omit<SessionSpec, 'xsession' | 'xsessionsDir'>, setup: (home: string, xs: string) => void = () => undefined): { args: string[]; env: string; dmrc: string | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'ltsp-sess-'));
  try {
    const home = join(dir, 'home');
    const xs = join(dir, 'xsessions');
    mkdirSync(home);
    mkdirSync(xs);
    setup(home, xs);
    const wrapper = join(dir, 'Xsession');
    writeFileSync(wrapper, `#!/bin/sh\nfor a; do printf '%s\\n' "$a"; done > ${dir}/args\nenv > ${dir}/env\n`, { mode: 0o755 });
    const cmd = sessionCommand({ ...spec, xsession: wrapper, xsessionsDir: xs, killDbus: false });
    execFileSync('/bin/sh', ['-c', cmd], { env: { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
    const args = readFileSync(join(dir, 'args'), 'utf8').split('\n').filter((l) => l !== '');
    const dmrc = existsSync(join(home, '.dmrc')) ? readFileSync(join(home, '.dmrc'), 'utf8') : undefined;
    assert.deepEqual(readdirSync(home).filter((n) => n !== '.dmrc'), [], 'no temp file left in the home');
    return { args, env: readFileSync(join(dir, 'env'), 'utf8'), dmrc };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const client = { ip: '192.168.67.20', hostname: 'ltsp20', mac: '52:54:00:aa:bb:cc' };

test('shq survives quotes, spaces, $ and newlines', () => {
  for (const s of [`it's`, 'a b', '$(id)', 'x\ny', '']) assert.equal(execFileSync('/bin/sh', ['-c', `printf %s ${shq(s)}`]).toString(), s);
});

test('environment as LDM passed it, hostile values stay data', () => {
  const r = runOnFakeServer({ client: { ...client, hostname: `evil'; touch /tmp/pwned-ltsp; '` }, soundEnv: { PULSE_SERVER: 'tcp:192.168.67.20:4713' }, selected: 'xterm -e "echo hi"', scanner: true, printer: 'lp 1' });
  assert.deepEqual(r.args, ['xterm -e "echo hi"']);
  assert.match(r.env, /^LTSP_CLIENT=192\.168\.67\.20$/m);
  assert.match(r.env, /^LTSP_CLIENT_HOSTNAME=evil'; touch \/tmp\/pwned-ltsp; '$/m);
  assert.match(r.env, /^LTSP_CLIENT_MAC=52:54:00:AA:BB:CC$/m);
  assert.match(r.env, /^PULSE_SERVER=tcp:192\.168\.67\.20:4713$/m);
  assert.match(r.env, /^SANE_NET_HOSTS=192\.168\.67\.20$/m);
  assert.match(r.env, /^PRINTER=lp 1$/m);
  assert.doesNotMatch(r.env, /^DISPLAY=/m);
});

test('session resolution: desktop name -> Exec + DESKTOP_SESSION/XDG_CURRENT_DESKTOP; .dmrc; LDM_SESSION; forced', () => {
  const desktops = (_home: string, xs: string) => {
    writeFileSync(join(xs, 'xfce.desktop'), '[Desktop Entry]\nName=Xfce Session\nExec=startxfce4\nDesktopNames=XFCE;\n');
    writeFileSync(join(xs, 'gnome.desktop'), '[Desktop Entry]\nName=GNOME\nExec=gnome-session\nDesktopNames=GNOME;GNOME-Classic;\n');
  };
  // the greeter chose a command that a desktop file has
  let r = runOnFakeServer({ client, selected: 'startxfce4' }, desktops);
  assert.deepEqual(r.args, ['startxfce4']);
  assert.match(r.env, /^DESKTOP_SESSION=xfce$/m);
  assert.match(r.env, /^XDG_CURRENT_DESKTOP=XFCE$/m);
  // default: ~/.dmrc first, then LDM_SESSION as a desktop name
  r = runOnFakeServer({ client, ldmSession: 'xfce' }, (home, xs) => {
    desktops(home, xs);
    writeFileSync(join(home, '.dmrc'), '[Desktop]\nSession=gnome\nLanguage=fr_FR.UTF-8\n');
  });
  assert.deepEqual(r.args, ['gnome-session']);
  assert.match(r.env, /^XDG_CURRENT_DESKTOP=GNOME:GNOME-Classic$/m);
  assert.match(r.env, /^LANG=fr_FR\.UTF-8$/m);
  r = runOnFakeServer({ client, ldmSession: 'xfce', language: 'de_DE.UTF-8' }, desktops);
  assert.deepEqual(r.args, ['startxfce4']);
  assert.match(r.env, /^LANG=de_DE\.UTF-8$/m);
  // LDM_SESSION as a plain command
  r = runOnFakeServer({ client, ldmSession: '/usr/bin/icewm-session' }, desktops);
  assert.deepEqual(r.args, ['/usr/bin/icewm-session']);
  assert.doesNotMatch(r.env, /DESKTOP_SESSION/);
  // LDM_FORCE_SESSION and LDM_FORCE_LANGUAGE win over the greeter
  r = runOnFakeServer({ client, selected: 'startxfce4', forceSession: 'gnome', language: 'de_DE.UTF-8', forceLanguage: 'C.UTF-8' }, desktops);
  assert.deepEqual(r.args, ['gnome-session']);
  assert.match(r.env, /^LANG=C\.UTF-8$/m);
  // nothing at all: the wrapper gets no argument (Xsession's own default)
  r = runOnFakeServer({ client });
  assert.deepEqual(r.args, []);
});

test('~/.dmrc remembers the session and language the user picked, only those, keeping its other lines', () => {
  const desktops = (_home: string, xs: string) => {
    writeFileSync(join(xs, 'xfce.desktop'), '[Desktop Entry]\nName=Xfce Session\nExec=startxfce4\n');
    writeFileSync(join(xs, 'gnome.desktop'), '[Desktop Entry]\nName=GNOME\nExec=gnome-session\n');
  };
  // no .dmrc yet: a picked desktop session and language create it
  let r = runOnFakeServer({ client, selected: 'startxfce4', language: 'de_DE.UTF-8' }, desktops);
  assert.equal(r.dmrc, '[Desktop]\nSession=xfce\nLanguage=de_DE.UTF-8\n');
  // an existing .dmrc: values replaced in place, other lines and sections kept
  const existing = '[Desktop]\nSession=gnome\nLanguage=fr_FR.UTF-8\nSessionx=keep\n# note\n';
  r = runOnFakeServer({ client, selected: 'startxfce4', language: 'de_DE.UTF-8' }, (home, xs) => {
    desktops(home, xs);
    writeFileSync(join(home, '.dmrc'), existing);
  });
  assert.equal(r.dmrc, '[Desktop]\nSession=xfce\nLanguage=de_DE.UTF-8\nSessionx=keep\n# note\n');
  // the defaults, a forced session or language, a plain command: nothing is written
  for (const spec of [{}, { forceSession: 'xfce', forceLanguage: 'C.UTF-8' }, { selected: '/usr/bin/icewm-session' }]) {
    r = runOnFakeServer({ client, ...spec }, (home, xs) => {
      desktops(home, xs);
      writeFileSync(join(home, '.dmrc'), existing);
    });
    assert.equal(r.dmrc, existing, JSON.stringify(spec));
  }
  r = runOnFakeServer({ client }, desktops);
  assert.equal(r.dmrc, undefined, 'no choice, no .dmrc');
  // a hostile language from the greeter stays data, in the file and in LANG
  const evil = `x'$(touch /tmp/pwned-dmrc)"&\\1|`;
  r = runOnFakeServer({ client, language: evil }, desktops);
  assert.equal(r.dmrc, `[Desktop]\nLanguage=${evil}\n`);
  assert.ok(r.env.includes(`LANG=${evil}\n`));
  assert.equal(existsSync('/tmp/pwned-dmrc'), false);
});

test('DIRECTX puts DISPLAY=<client ip>:<n> into the session; names are checked', () => {
  assert.deepEqual(sessionEnv({ client, xsession: 'x', directxDisplay: '192.168.67.20:7' }).find(([k]) => k === 'DISPLAY'), ['DISPLAY', '192.168.67.20:7']);
  assert.throws(() => sessionEnv({ client, xsession: 'x', soundEnv: { 'A B': '1' } }), /not an environment variable name/);
});
