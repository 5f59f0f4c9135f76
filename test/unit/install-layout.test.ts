// tools/install.sh, the one install layout (make install, the .deb, the ebuild and
// tools/install-into-chroot.sh use it): what it puts where, into a DESTDIR, with relative links.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectHelp } from '../../tools/cli-help.ts';
import { completionKeys, renderCompletion } from '../../tools/gen-completion.ts';
import { renderAgentMan, renderLtsConfMan } from '../../tools/gen-man.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'install-layout-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function install(destdir: string, ...vars: string[]) {
  return spawnSync('sh', [join(REPO, 'tools/install.sh'), `DESTDIR=${destdir}`, ...vars], { encoding: 'utf8' });
}

describe('tools/install.sh', () => {
  before(() => {
    // What npm run package makes besides the bundle (npm run build made that).
    const help = collectHelp(join(REPO, 'dist/ltsp-agent'));
    mkdirSync(join(REPO, 'dist/man'), { recursive: true });
    mkdirSync(join(REPO, 'dist/completion'), { recursive: true });
    writeFileSync(join(REPO, 'dist/man/ltsp-agent.8'), renderAgentMan(help.main, help.commands, help.version));
    writeFileSync(join(REPO, 'dist/man/lts.conf.5'), renderLtsConfMan(help.version));
    writeFileSync(join(REPO, 'dist/completion/ltsp-agent'), renderCompletion(help.commands, completionKeys()));
  });

  it('PREFIX=/usr: the agent, its links, init-ltsp, units, OpenRC scripts, man pages, completion, docs', () => {
    const d = join(dir, 'usr');
    const r = install(d, 'PREFIX=/usr');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(statSync(join(d, 'usr/lib/ltsp-agent/ltsp-agent')).mode & 0o111);
    for (const l of ['usr/bin/ltsp-agent', 'usr/bin/getltscfg']) assert.equal(readlinkSync(join(d, l)), '../lib/ltsp-agent/ltsp-agent', l);
    assert.match(readFileSync(join(d, 'sbin/init-ltsp'), 'utf8'), /ltsp5_handover/);
    for (const f of [
      'lib/systemd/system/ltsp-login.service',
      'lib/systemd/system/ltsp-client.service',
      'lib/systemd/system/ltsp-client-core.service.d/ltsp-agent.conf',
      'etc/init.d/ltsp-login',
      'usr/share/ltsp-agent/openrc/ltsp-client',
      'usr/share/ltsp-agent/initramfs-hooks/dracut/90ltsp/module-setup.sh',
      'usr/share/man/man8/ltsp-agent.8',
      'usr/share/man/man5/lts.conf.5',
      'usr/share/bash-completion/completions/ltsp-agent',
      'usr/share/doc/ltsp-agent/upgrade.md',
      'usr/share/doc/ltsp-agent/examples/lts.conf',
    ]) assert.ok(existsSync(join(d, f)), f);
    assert.equal(readFileSync(join(d, 'usr/share/man/man8/getltscfg.8'), 'utf8'), '.so man8/ltsp-agent.8\n');
    assert.ok(lstatSync(join(d, 'usr/share/bash-completion/completions/getltscfg')).isSymbolicLink());
    assert.match(readFileSync(join(d, 'lib/systemd/system/ltsp-login.service'), 'utf8'), /^ExecStart=\/usr\/bin\/ltsp-agent login$/m);
    const r2 = install(d, 'PREFIX=/usr');
    assert.equal(r2.status, 0, `a second install over the first: ${r2.stderr}`);
  });

  it('PREFIX=/usr/local, systemd only, no docs: the units name the agent where it is', () => {
    const d = join(dir, 'local');
    const r = install(d, 'PREFIX=/usr/local', 'INITSYS=systemd', 'DOCS=no');
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(d, 'usr/local/lib/ltsp-agent/ltsp-agent')));
    assert.equal(existsSync(join(d, 'etc/init.d/ltsp-login')), false);
    assert.equal(existsSync(join(d, 'usr/local/share/doc')), false);
    assert.match(readFileSync(join(d, 'lib/systemd/system/ltsp-login.service'), 'utf8'), /^ExecStart=\/usr\/local\/bin\/ltsp-agent login$/m);
    assert.match(readFileSync(join(d, 'usr/local/share/ltsp-agent/openrc/ltsp-login'), 'utf8'), /^command=\/usr\/local\/bin\/ltsp-agent$/m);
  });

  it('refuses an unknown variable and a bad INITSYS, installing nothing', () => {
    const d = join(dir, 'bad');
    for (const bad of ['PREFIXX=/usr', 'INITSYS=upstart', '--prefix=/usr']) {
      const r = install(d, bad);
      assert.equal(r.status, 64, bad);
      assert.match(r.stderr, /install\.sh: /);
      assert.equal(existsSync(d), false, `${bad}: nothing installed`);
    }
  });

  it('the Makefile, the .deb build, the installer script and the ebuild all go through it', () => {
    assert.match(readFileSync(join(REPO, 'Makefile'), 'utf8'), /sh tools\/install\.sh /);
    assert.match(readFileSync(join(REPO, 'tools/package.sh'), 'utf8'), /sh tools\/install\.sh /);
    assert.match(readFileSync(join(REPO, 'tools/install-into-chroot.sh'), 'utf8'), /tools\/install\.sh" /);
    const ebuild = readFileSync(join(REPO, 'packaging/gentoo/net-misc/ltsp-agent/ltsp-agent-0.1.0.ebuild'), 'utf8');
    assert.match(ebuild, /emake install DESTDIR=/);
    for (const doc of ebuild.match(/docs\/[a-z.-]+\.md/g) ?? []) assert.ok(existsSync(join(REPO, doc)), `the ebuild names ${doc}`);
    assert.match(ebuild, /^pkg_postinst\(\) \{\n\telog "[^"]*OpenRC/m, 'OpenRC first');
  });
});
