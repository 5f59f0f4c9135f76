// The man pages and the bash completion that the packages ship (tools/gen-man.ts,
// tools/gen-completion.ts), made from the built bundle's help texts and the key registry:
// they render without a warning, name every command and key, and the completion function
// answers in a real bash.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allKeys } from '../../agent/config/keys.ts';
import { collectHelp } from '../../tools/cli-help.ts';
import { completionKeys, renderCompletion } from '../../tools/gen-completion.ts';
import { renderAgentMan, renderLtsConfMan, roffText } from '../../tools/gen-man.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUNDLE = join(REPO, 'dist', 'ltsp-agent');
const dir = mkdtempSync(join(tmpdir(), 'admin-docs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const help = collectHelp(BUNDLE);
const haveMan = spawnSync('man', ['--version']).status === 0 && spawnSync('groff', ['--version']).status === 0;

describe('man pages', () => {
  const agentMan = join(dir, 'ltsp-agent.8');
  const ltsConfMan = join(dir, 'lts.conf.5');
  writeFileSync(agentMan, renderAgentMan(help.main, help.commands, help.version));
  writeFileSync(ltsConfMan, renderLtsConfMan(help.version));

  it('ltsp-agent(8) has a section for every command of the main help, with its options', () => {
    const text = readFileSync(agentMan, 'utf8');
    for (const c of ['--dry-run', 'boot', 'config explain', 'fetch', 'login', 'doctor', 'timeline']) {
      assert.ok(text.split('\n').includes(`.SS ${roffText(`ltsp-agent ${c}`)}`), c);
    }
    assert.match(text, /^\.SS getltscfg$/m);
    assert.match(text, /\\fB\\-o, \\-\\-output FILE\\fR/, "fetch's options as list items");
    assert.match(text, /\.TH LTSP-AGENT 8 "" "ltsp-agent \d+\.\d+\.\d+"/);
  });

  it('lts.conf(5) names every key of the registry', () => {
    const text = readFileSync(ltsConfMan, 'utf8');
    for (const k of allKeys()) assert.ok(text.includes(`\\fB${roffText(k.name)}\\fR`), k.name);
  });

  it('both render without a warning (groff -ww, man -l --warnings) at 80 columns', { skip: haveMan ? false : 'needs man-db and groff' }, () => {
    for (const page of [agentMan, ltsConfMan]) {
      const g = spawnSync('groff', ['-ww', '-z', '-k', '-man', page], { encoding: 'utf8' });
      assert.equal(g.status, 0);
      assert.equal(g.stderr, '', `groff on ${page}`);
      const m = spawnSync('man', ['-l', '--warnings', page], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '80', LC_ALL: 'C.UTF-8', MANPAGER: 'cat', PAGER: 'cat' } });
      assert.equal(m.status, 0, m.stderr);
      assert.equal(m.stderr, '', `man -l --warnings ${page}`);
      assert.ok(m.stdout.split('\n').length > 100);
    }
  });

  it('roff text: dashes, backslashes, leading dots and non-ASCII are escaped', () => {
    assert.equal(roffText('--root DIR'), '\\-\\-root DIR');
    assert.equal(roffText('read-only'), 'read-only');
    assert.equal(roffText('a\\b'), 'a\\eb');
    assert.equal(roffText('.hidden'), '\\&.hidden');
    assert.equal(roffText('a — b ≥ 18'), 'a \\[u2014] b \\[u2265] 18');
  });
});

describe('bash completion', () => {
  const file = join(dir, 'ltsp-agent.bash');
  writeFileSync(file, renderCompletion(help.commands, completionKeys()));
  const tree = join(dir, 'tree');
  mkdirSync(join(tree, 'etcdir'), { recursive: true });
  writeFileSync(join(tree, 'lts.conf'), '');

  /** COMPREPLY for a command line whose last word is being completed (the words, as bash split them). */
  function complete(words: string[]): string[] {
    const fn = words[0] === 'getltscfg' ? '_getltscfg' : '_ltsp_agent';
    const script = [
      `source ${JSON.stringify(file)}`,
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      fn,
      'printf "%s\\n" "${COMPREPLY[@]}"',
    ].join('\n');
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { encoding: 'utf8', cwd: tree });
    assert.equal(r.stderr, '', r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it('the script is valid bash', () => {
    assert.equal(spawnSync('bash', ['-n', file]).status, 0);
  });

  it('commands', () => {
    const all = complete(['ltsp-agent', '']);
    for (const c of ['--dry-run', 'boot', 'config', 'doctor', 'fetch', 'getltscfg', 'login', 'timeline', '--help', '--version']) assert.ok(all.includes(c), c);
    assert.deepEqual(complete(['ltsp-agent', 'do']), ['doctor']);
    assert.deepEqual(complete(['ltsp-agent', 'config', '']), ['explain']);
  });

  it("a command's options, and the values of some", () => {
    assert.deepEqual(complete(['ltsp-agent', 'fetch', '--o']), ['--output']);
    assert.ok(complete(['ltsp-agent', 'fetch', '-']).includes('-q'));
    assert.deepEqual(complete(['ltsp-agent', 'login', '--greeter', '']), ['console', 'ldm', 'x11']);
    assert.deepEqual(complete(['ltsp-agent', 'doctor', '--root', 'etc']), ['etcdir']);
    assert.deepEqual(complete(['ltsp-agent', '--dry-run', '--lts-conf', 'lts']), ['lts.conf']);
    assert.deepEqual(complete(['ltsp-agent', 'boot', '--mark']), ['--markers']);
  });

  it('lts.conf keys after config explain and getltscfg, whatever case is typed', () => {
    assert.deepEqual(complete(['ltsp-agent', 'config', 'explain', 'LDM_SERV']), ['LDM_SERVER']);
    assert.deepEqual(complete(['ltsp-agent', 'config', 'explain', '--mac', '00:11:22:33:44:55', 'ldm_serv']), ['LDM_SERVER']);
    assert.ok(complete(['ltsp-agent', 'config', 'explain', 'SCREEN']).includes('SCREEN_'));
    assert.ok(complete(['getltscfg', '-a', 'SERV']).includes('SERVER'));
    assert.ok(complete(['getltscfg', '-a', 'SERV']).every((k) => k.startsWith('SERV')));
    assert.deepEqual(complete(['ltsp-agent', 'config', 'explain', '--l']), ['--local', '--lts-conf']);
  });
});
