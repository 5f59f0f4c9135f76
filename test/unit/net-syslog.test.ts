import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { formatSyslog, messageFromPinoLine, severityOf, syslogDestination } from '../../agent/net/syslog.ts';

const base = { hostname: 'ltsp20', tag: 'ltsp-agent', facility: 3, pid: 42, now: new Date(2026, 0, 5, 7, 8, 9) };

test('pino levels map to syslog severities', () => {
  assert.deepEqual([10, 20, 30, 40, 50, 60].map(severityOf), [7, 7, 6, 4, 3, 2]);
});

test('RFC 3164 line: PRI, local time with padded day, host, tag[pid], message and fields', () => {
  const m = messageFromPinoLine(JSON.stringify({ level: 40, time: base.now.getTime(), pid: 1, hostname: 'x', msg: 'step failed', step: 'swap' }), base)!;
  assert.equal(formatSyslog(m), '<28>Jan  5 07:08:09 ltsp20 ltsp-agent[42]: step failed step=swap');
});

test('RFC 5424 line', () => {
  const m = messageFromPinoLine(JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 5), msg: 'hi' }), base)!;
  assert.equal(formatSyslog(m, 'rfc5424'), '<30>1 2026-01-05T00:00:00.000Z ltsp20 ltsp-agent 42 - - hi');
});

test('control characters cannot forge a second line or shift the header', () => {
  const m = messageFromPinoLine(JSON.stringify({ level: 30, msg: 'a\nJan  1 00:00:00 evil x: y' }), { ...base, hostname: 'bad host\n' })!;
  const line = formatSyslog(m);
  assert.ok(!line.includes('\n'));
  assert.match(line, /^<30>\w{3} [ \d]\d \d\d:\d\d:\d\d badhost ltsp-agent\[42\]: a Jan/);
});

test('long messages are clipped to fit a datagram', () => {
  const m = messageFromPinoLine(JSON.stringify({ level: 30, msg: 'x'.repeat(10_000) }), base)!;
  assert.ok(Buffer.byteLength(formatSyslog(m)) <= 2048);
});

test('the destination sends one datagram per log line to every host', async () => {
  const rx = createSocket('udp4');
  await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
  const port = (rx.address() as { port: number }).port;
  const got: string[] = [];
  const done = new Promise<void>((resolve) => rx.on('message', (b) => (got.push(b.toString()), got.length === 2 && resolve())));
  const dest = syslogDestination(['127.0.0.1', 'bad host;rm'], { hostname: 'pc01', port });
  dest.write(JSON.stringify({ level: 30, msg: 'one' }) + '\n' + JSON.stringify({ level: 50, msg: 'two' }) + '\n');
  await done;
  rx.close();
  dest.end();
  assert.match(got[0]!, /^<30>.* pc01 ltsp-agent\[\d+\]: one$/);
  assert.match(got[1]!, /^<27>.* two$/);
});

test('SYSLOG_HOST entries: UDP and TCP forms, ports, IPv6, refusals', async () => {
  const { parseSyslogTarget } = await import('../../agent/net/syslog.ts');
  assert.deepEqual(parseSyslogTarget('server'), { host: 'server', port: 514, transport: 'udp' });
  assert.deepEqual(parseSyslogTarget('10.0.2.100:5140'), { host: '10.0.2.100', port: 5140, transport: 'udp' });
  assert.deepEqual(parseSyslogTarget('@@10.0.2.100:514'), { host: '10.0.2.100', port: 514, transport: 'tcp' });
  assert.deepEqual(parseSyslogTarget('tcp://log.school.lan:6514'), { host: 'log.school.lan', port: 6514, transport: 'tcp' });
  assert.deepEqual(parseSyslogTarget('[fd00::1]:514'), { host: 'fd00::1', port: 514, transport: 'udp' });
  assert.deepEqual(parseSyslogTarget('fd00::1'), { host: 'fd00::1', port: 514, transport: 'udp' });
  for (const bad of ['a;b', 'host:99999', '$(reboot)', 'a:b:c', '@@']) assert.equal(typeof parseSyslogTarget(bad), 'string', bad);
});

test('TCP forwarding: newline-framed lines reach a TCP listener', async () => {
  const net = await import('node:net');
  const got: string[] = [];
  const server = net.createServer((s) => s.on('data', (b) => got.push(b.toString())));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const dest = syslogDestination([`@@127.0.0.1:${port}`], { hostname: 'pc01' });
    dest.write(JSON.stringify({ level: 30, time: Date.now(), msg: 'over tcp' }) + '\n');
    const deadline = Date.now() + 5000;
    while (!got.join('').includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.match(got.join(''), /^<30>\w{3} [ \d]\d \d\d:\d\d:\d\d pc01 ltsp-agent\[\d+\]: over tcp\n$/);
    dest.end();
  } finally {
    server.close();
  }
});
