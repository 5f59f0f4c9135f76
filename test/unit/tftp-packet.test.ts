import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decode, encodeAck, encodeData, encodeError, encodeOack, encodeRequest } from '../../agent/net/tftp/packet.ts';
import { parseTftpUrl } from '../../agent/net/tftp/url.ts';

test('RRQ with options round-trips, option names lowercased', () => {
  const b = encodeRequest('RRQ', 'ltsp/i386/lts.conf', 'octet', new Map([['BLKSIZE', '1468'], ['tsize', '0']]));
  assert.deepEqual(b.subarray(0, 2), Buffer.from([0, 1]));
  const p = decode(b);
  assert.equal(p.op, 'RRQ');
  if (p.op !== 'RRQ') return;
  assert.equal(p.file, 'ltsp/i386/lts.conf');
  assert.equal(p.mode, 'octet');
  assert.deepEqual([...p.options], [['blksize', '1468'], ['tsize', '0']]);
});

test('DATA, ACK, ERROR, OACK decode', () => {
  const d = decode(encodeData(65535, Buffer.from('abc')));
  assert.equal(d.op, 'DATA');
  if (d.op === 'DATA') {
    assert.equal(d.block, 65535);
    assert.equal(d.data.toString(), 'abc');
  }
  assert.deepEqual(decode(encodeAck(65536)), { op: 'ACK', block: 0 });
  assert.deepEqual(decode(encodeError(1, 'File not found')), { op: 'ERROR', code: 1, message: 'File not found' });
  const o = decode(encodeOack(new Map([['blksize', '1024']])));
  assert.equal(o.op, 'OACK');
  if (o.op === 'OACK') assert.equal(o.options.get('blksize'), '1024');
});

test('ERROR messages: missing NUL tolerated, control characters neutralised', () => {
  const raw = Buffer.concat([Buffer.from([0, 5, 0, 2]), Buffer.from('no\x1b[31m access')]);
  assert.deepEqual(decode(raw), { op: 'ERROR', code: 2, message: 'no?[31m access' });
});

test('malformed datagrams are reported, never thrown', () => {
  for (const b of [Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 3, 0]), Buffer.from([0, 4]), Buffer.from([0, 9, 0, 1]), Buffer.from([0, 6, 0x61]), Buffer.from([0, 6, 0x61, 0])]) {
    assert.equal(decode(b).op, 'malformed', b.toString('hex'));
  }
  const big = Buffer.alloc(4 + 65465);
  big.writeUInt16BE(3, 0);
  assert.equal(decode(big).op, 'malformed');
  for (let i = 0; i < 5000; i++) decode(randomBytes(i % 70));
});

test('tftp URLs', () => {
  assert.deepEqual(parseTftpUrl('tftp://10.0.0.1/ltsp/i386/lts.conf'), { host: '10.0.0.1', port: 69, path: 'ltsp/i386/lts.conf' });
  assert.deepEqual(parseTftpUrl('tftp://server:6969//abs%20x'), { host: 'server', port: 6969, path: '/abs x' });
  assert.deepEqual(parseTftpUrl('tftp://[fe80::1]:69/a;mode=octet'), { host: 'fe80::1', port: 69, path: 'a' });
  assert.equal(typeof parseTftpUrl('http://x/a'), 'string');
  assert.equal(typeof parseTftpUrl('tftp://x/'), 'string');
  assert.equal(typeof parseTftpUrl('tftp://x:99999/a'), 'string');
});
