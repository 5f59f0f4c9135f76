// Syslog forwarding for real: rsyslog in the server namespace listens on UDP 514. The agent's
// syslog step writes the client's rsyslog configuration; an rsyslogd started in the client
// namespace with that configuration forwards a logged line, and the agent's own log reaches the
// server through agent/net/syslog.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasProgram, labUnavailable, readPidFile, withLab } from '../lab/lab.ts';
import { labFacts, runSteps, startSyslogReceiver, waitForText } from './steps-lab.ts';

const skip = labUnavailable() ?? (hasProgram('rsyslogd') && hasProgram('logger') ? undefined : 'needs rsyslog and logger');

test('syslog: the client\'s rsyslog and the agent\'s own log reach the SYSLOG_HOST server', { skip }, () =>
  withLab(async (lab) => {
    const remote = await startSyslogReceiver(lab);

    const root = join(lab.dir, 'root');
    mkdirSync(join(root, 'etc/rsyslog.d'), { recursive: true });
    const run = runSteps(lab, {
      root,
      steps: ['syslog'],
      config: { SYSLOG_HOST: lab.serverIp },
      facts: labFacts(lab, ['/etc/rsyslog.d', '/usr/sbin/rsyslogd']),
      hostname: 'ltsp2',
      syslog: [lab.serverIp],
    });
    assert.equal(run.byStep('syslog').outcome, 'ok', run.byStep('syslog').reason);

    // The client's rsyslogd: its own log socket (not the host's /dev/log) and the step's file.
    const cliDir = join(lab.dir, 'cli');
    mkdirSync(cliDir);
    const sock = join(cliDir, 'log.sock');
    writeFileSync(
      join(cliDir, 'rsyslog.conf'),
      `global(workDirectory="${cliDir}")\nmodule(load="imuxsock" SysSock.Use="off")\ninput(type="imuxsock" Socket="${sock}")\n$IncludeConfig ${root}/etc/rsyslog.d/*.conf\n`,
    );
    const pidFile = join(cliDir, 'rsyslogd.pid');
    lab.spawn(lab.cli, ['rsyslogd', '-n', '-f', join(cliDir, 'rsyslog.conf'), '-i', pidFile]);
    await readPidFile(pidFile);
    for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 50));
    lab.exec(lab.cli, ['logger', '-u', sock, '-t', 'ltsp-test', 'hello from the client']);

    const text = await waitForText(remote, [/ltsp-test.*hello from the client/, /ltsp2 ltsp-agent\[\d+\]: lab driver done/]);
    assert.match(text, /ltsp-test.*hello from the client/, `remote.log:\n${text}`);
    assert.match(text, /ltsp2 ltsp-agent\[\d+\]: lab driver done/, `remote.log:\n${text}`);
  }));

test('syslog: busybox syslogd started with the step\'s SYSLOG_OPTS forwards to the server and keeps a local log', { skip: skip ?? (existsSync('/bin/busybox') ? undefined : 'needs busybox-static') }, () =>
  withLab(async (lab) => {
    const remote = await startSyslogReceiver(lab);

    const root = join(lab.dir, 'root');
    mkdirSync(join(root, 'etc/default'), { recursive: true });
    writeFileSync(join(root, 'etc/default/busybox-syslogd'), 'SYSLOG_OPTS="-C128"\n');
    const run = runSteps(lab, { root, steps: ['syslog'], config: { SYSLOG_HOST: lab.serverIp }, facts: labFacts(lab, ['/etc/default/busybox-syslogd']) });
    assert.equal(run.byStep('syslog').outcome, 'ok', run.byStep('syslog').reason);
    const opts = /^SYSLOG_OPTS="(.*)"$/m.exec(readFileSync(join(root, 'etc/default/busybox-syslogd'), 'utf8'))![1]!;
    assert.equal(opts, `-L -R ${lab.serverIp}:514`);

    // busybox syslogd always listens on /dev/log: give it a private /dev, not this machine's.
    const local = join(lab.dir, 'local.log');
    const script = `mount -t tmpfs tmpfs /dev && mknod -m 666 /dev/null c 1 3 && { /bin/busybox syslogd -n ${opts} -O ${local} & P=$!; sleep 0.3; /bin/busybox logger -t bbtest "hello from busybox"; sleep 0.3; kill $P; }`;
    lab.exec(lab.cli, ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script]);
    const text = await waitForText(remote, [/bbtest: hello from busybox/]);
    assert.match(text, /bbtest: hello from busybox/, `remote.log:\n${text}`);
    assert.match(readFileSync(local, 'utf8'), /bbtest: hello from busybox/, 'the local log is kept (-L)');
  }));
