import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { ReadSession, checkOack, type Effect, type Peer, type Result, type SessionConfig } from '../../agent/net/tftp/session.ts';
import { decode, encodeData, encodeError, encodeOack } from '../../agent/net/tftp/packet.ts';

const SERVER: Peer = { address: '10.0.0.1', port: 69 };
const TID: Peer = { address: '10.0.0.1', port: 40000 };

function config(over: Partial<SessionConfig> = {}): SessionConfig {
  return {
    server: SERVER,
    file: 'lts.conf',
    ask: {},
    maxBytes: 1 << 30,
    retryMs: { initial: 100, max: 800 },
    deadline: 10_000,
    dallyMs: 500,
    random: () => 0.5, // jitter factor exactly 1
    ...over,
  };
}

/** What the session sent, decoded, and what it wrote. */
function split(effects: Effect[]) {
  const sent = effects.filter((e) => e.kind === 'send').map((e) => ({ to: (e as { to: Peer }).to, p: decode((e as { packet: Buffer }).packet) }));
  const data = effects.filter((e) => e.kind === 'data').map((e) => (e as { chunk: Buffer }).chunk);
  const done = effects.find((e) => e.kind === 'done') as { result: Result } | undefined;
  return { sent, data, result: done?.result };
}

/**
 * A well-behaved server: sends `file` from TID in windows, moving its window to each ACK.
 * `mangle` can drop/duplicate/reorder each window before delivery.
 */
function serve(s: ReadSession, file: Buffer, opts: { blksize: number; windowsize: number; oack?: Map<string, string>; mangle?: (pkts: Buffer[]) => Buffer[] }) {
  let now = 0;
  const out: Buffer[] = [];
  let result: Result | undefined;
  const take = (effects: Effect[]) => {
    const r = split(effects);
    out.push(...r.data);
    if (r.result) result = r.result;
    return r.sent;
  };
  let sent = take(s.start(now));
  assert.equal(sent[0]?.p.op, 'RRQ');
  const blocks = Math.floor(file.length / opts.blksize) + 1;
  let acked = 0;
  if (opts.oack) {
    sent = take(s.receive(TID, encodeOack(opts.oack), now));
    assert.deepEqual(sent.map((x) => x.p), [{ op: 'ACK', block: 0 }]);
  }
  let guard = 0;
  while (!result && guard++ < 1_000_000) {
    const window: Buffer[] = [];
    for (let b = acked + 1; b <= Math.min(blocks, acked + opts.windowsize); b++) {
      window.push(encodeData(b, file.subarray((b - 1) * opts.blksize, b * opts.blksize)));
    }
    const delivered = opts.mangle ? opts.mangle(window) : window;
    let ack: number | undefined;
    for (const pkt of delivered) {
      for (const x of take(s.receive(TID, pkt, now))) if (x.p.op === 'ACK') ack = x.p.block;
    }
    if (ack === undefined) {
      // Nothing acknowledged: let the client's timer fire.
      now = s.nextTimer() ?? now;
      for (const x of take(s.tick(now))) if (x.p.op === 'ACK') ack = x.p.block;
    }
    if (ack !== undefined) {
      // Unwrap the 16-bit ACK next to our absolute window base.
      const base = acked - (acked & 0xffff);
      let abs = base + ack;
      if (abs < acked - 0x8000) abs += 0x10000;
      if (abs > acked + 0x8000) abs -= 0x10000;
      if (abs > acked) acked = abs;
    }
    now += 1;
  }
  return { data: Buffer.concat(out), result };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const size of [0, 511, 512, 513, 4096, 100_000]) {
  test(`plain RFC 1350 transfer of ${size} bytes (final empty block when a multiple of 512)`, () => {
    const file = randomBytes(size);
    const s = new ReadSession(config());
    const { data, result } = serve(s, file, { blksize: 512, windowsize: 1 });
    assert.ok(result?.ok);
    assert.equal(sha(data), sha(file));
  });
}

test('options negotiated by OACK: blksize, windowsize, tsize, timeout', () => {
  const file = randomBytes(50_000);
  const s = new ReadSession(config({ ask: { blksize: 1468, windowsize: 8, tsize: true, timeoutS: 1 } }));
  const oack = new Map([['blksize', '1024'], ['windowsize', '4'], ['tsize', String(file.length)], ['timeout', '1']]);
  const { data, result } = serve(s, file, { blksize: 1024, windowsize: 4, oack });
  assert.ok(result?.ok);
  if (result?.ok) assert.deepEqual(result.negotiated, { blksize: 1024, windowsize: 4, tsize: 50_000, timeoutS: 1 });
  assert.equal(sha(data), sha(file));
});

test('server that ignores options: DATA 1 at 512 bytes, lock-step', () => {
  const file = randomBytes(3000);
  const s = new ReadSession(config({ ask: { blksize: 1468, windowsize: 8, tsize: true } }));
  const { data, result } = serve(s, file, { blksize: 512, windowsize: 1 });
  assert.ok(result?.ok);
  if (result?.ok) assert.equal(result.negotiated.blksize, 512);
  assert.equal(sha(data), sha(file));
});

test('ERROR 8 (options refused): one new RRQ without options', () => {
  const s = new ReadSession(config({ ask: { blksize: 1468, tsize: true } }));
  split(s.start(0));
  const r = split(s.receive(TID, encodeError(8, 'no options'), 1));
  assert.equal(r.sent.length, 1);
  const rrq = r.sent[0]!.p;
  assert.ok(rrq.op === 'RRQ' && rrq.options.size === 0);
  assert.deepEqual(r.sent[0]!.to, SERVER);
  assert.ok(s.stats.fellBack);
});

test('bad OACK (unasked or out-of-range option) is refused with ERROR 8, then a plain RRQ', () => {
  for (const bad of [new Map([['windowsize', '4']]), new Map([['blksize', '9000']]), new Map([['blksize', 'x']]), new Map([['color', 'red']])]) {
    const s = new ReadSession(config({ ask: { blksize: 1468 } }));
    split(s.start(0));
    const r = split(s.receive(TID, encodeOack(bad), 1));
    assert.deepEqual(r.sent.map((x) => x.p.op), ['ERROR', 'RRQ']);
    assert.ok(r.sent[0]!.p.op === 'ERROR' && r.sent[0]!.p.code === 8);
  }
  assert.equal(typeof checkOack(new Map([['blksize', '7']]), { blksize: 1468 }), 'string');
});

test('block number rollover: 70,000 blocks of 8 bytes arrive whole', () => {
  const file = randomBytes(70_000 * 8 + 3);
  const s = new ReadSession(config({ ask: { blksize: 8 } }));
  const { data, result } = serve(s, file, { blksize: 8, windowsize: 1, oack: new Map([['blksize', '8']]) });
  assert.ok(result?.ok);
  assert.equal(data.length, file.length);
  assert.equal(sha(data), sha(file));
});

test('rollover with windows, drops, duplicates and reordering', () => {
  const file = randomBytes(66_000 * 8);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
  const mangle = (w: Buffer[]) => {
    const out: Buffer[] = [];
    for (const p of w) {
      const r = rnd();
      if (r < 0.05) continue; // lost
      out.push(p);
      if (r > 0.95) out.push(p); // duplicated
    }
    if (out.length > 1 && rnd() < 0.1) [out[0], out[1]] = [out[1]!, out[0]!]; // reordered
    return out;
  };
  const s = new ReadSession(config({ ask: { blksize: 8, windowsize: 16 }, deadline: Infinity }));
  const { data, result } = serve(s, file, { blksize: 8, windowsize: 16, oack: new Map([['blksize', '8'], ['windowsize', '16']]), mangle });
  assert.ok(result?.ok, JSON.stringify(result));
  assert.equal(sha(data), sha(file));
  assert.ok(s.stats.duplicates > 0);
});

test('duplicates get one ACK per stall (no Sorcerer\'s Apprentice)', () => {
  const s = new ReadSession(config());
  split(s.start(0));
  const d1 = encodeData(1, Buffer.alloc(512, 1));
  assert.deepEqual(split(s.receive(TID, d1, 1)).sent.map((x) => x.p), [{ op: 'ACK', block: 1 }]);
  assert.deepEqual(split(s.receive(TID, d1, 2)).sent.map((x) => x.p), [{ op: 'ACK', block: 1 }]);
  assert.deepEqual(split(s.receive(TID, d1, 3)).sent, []);
  assert.deepEqual(split(s.receive(TID, d1, 4)).sent, []);
  const r = split(s.receive(TID, encodeData(2, Buffer.alloc(10, 2)), 5));
  assert.equal(r.data.length, 1);
  assert.ok(r.result?.ok);
  assert.equal(s.stats.duplicates, 3);
});

test('windowsize: one ACK per window; a gap is answered once with the last in-order block', () => {
  const s = new ReadSession(config({ ask: { blksize: 8, windowsize: 4 } }));
  split(s.start(0));
  split(s.receive(TID, encodeOack(new Map([['blksize', '8'], ['windowsize', '4']])), 0));
  const blk = (n: number) => encodeData(n, Buffer.alloc(8, n));
  const acks = (n: number) => split(s.receive(TID, blk(n), n)).sent.map((x) => x.p);
  assert.deepEqual([1, 2, 3].map(acks), [[], [], []]);
  assert.deepEqual(acks(4), [{ op: 'ACK', block: 4 }]);
  assert.deepEqual(acks(5), []);
  assert.deepEqual(acks(7), [{ op: 'ACK', block: 5 }]); // 6 lost
  assert.deepEqual(acks(8), []); // same stall: no second ACK
  assert.deepEqual([6, 7, 8].map(acks), [[], [], []]);
  assert.deepEqual(acks(9), [{ op: 'ACK', block: 9 }]); // window restarted after 5
});

test('foreign TID gets ERROR 5 and the transfer goes on', () => {
  const s = new ReadSession(config());
  split(s.start(0));
  split(s.receive(TID, encodeData(1, Buffer.alloc(512)), 1));
  const stranger = { address: '10.0.0.1', port: 40001 };
  const r = split(s.receive(stranger, encodeData(2, Buffer.alloc(3)), 2));
  assert.deepEqual(r.sent, [{ to: stranger, p: { op: 'ERROR', code: 5, message: 'unknown transfer ID' } }]);
  assert.equal(r.data.length, 0);
  // an ERROR from a stranger is not answered and does not end the transfer
  assert.deepEqual(split(s.receive({ address: '10.9.9.9', port: 69 }, encodeError(1, 'x'), 3)).sent, []);
  const end = split(s.receive(TID, encodeData(2, Buffer.alloc(3)), 4));
  assert.ok(end.result?.ok);
  assert.equal(s.stats.foreign, 2);
});

test('a reply from another host is foreign even before the TID is known', () => {
  const s = new ReadSession(config());
  split(s.start(0));
  const r = split(s.receive({ address: '10.0.0.66', port: 5000 }, encodeData(1, Buffer.alloc(5)), 1));
  assert.equal(r.sent[0]?.p.op, 'ERROR');
  assert.equal(r.result, undefined);
});

test('server ERROR ends the transfer with its code and message', () => {
  const s = new ReadSession(config({ ask: { blksize: 1468 } }));
  split(s.start(0));
  const r = split(s.receive(TID, encodeError(1, 'File not found'), 1));
  assert.deepEqual(r.result, { ok: false, failure: { kind: 'server-error', code: 1, message: 'File not found' }, stats: s.stats });
  assert.equal(s.over, true);
});

test('silent server: exponential backoff, then the deadline, never later', () => {
  const s = new ReadSession(config({ deadline: 5000 }));
  split(s.start(0));
  const times: number[] = [];
  let result: Result | undefined;
  let guard = 0;
  while (!result && guard++ < 100) {
    const at = s.nextTimer()!;
    assert.ok(at <= 5000);
    const r = split(s.tick(at));
    if (r.sent.length) times.push(at);
    for (const x of r.sent) assert.equal(x.p.op, 'RRQ');
    result = r.result;
  }
  assert.deepEqual(times, [100, 300, 700, 1500, 2300, 3100, 3900, 4700]);
  assert.ok(result && !result.ok && result.failure.kind === 'timeout');
  assert.equal(s.over, true);
});

test('jitter spreads retries between 0.5x and 1.5x the interval', () => {
  for (const r of [0, 0.999]) {
    const s = new ReadSession(config({ random: () => r }));
    s.start(0);
    assert.equal(Math.round(s.nextTimer()!), r === 0 ? 50 : 150);
  }
});

test('size cap: tsize over the cap is refused before any data; without tsize, at the first block over', () => {
  const s = new ReadSession(config({ ask: { tsize: true }, maxBytes: 1000 }));
  split(s.start(0));
  const r = split(s.receive(TID, encodeOack(new Map([['tsize', '5000']])), 1));
  assert.ok(r.sent[0]!.p.op === 'ERROR' && r.sent[0]!.p.code === 3);
  assert.ok(r.result && !r.result.ok && r.result.failure.kind === 'too-large');

  const s2 = new ReadSession(config({ maxBytes: 1000 }));
  split(s2.start(0));
  split(s2.receive(TID, encodeData(1, Buffer.alloc(512)), 1));
  const r2 = split(s2.receive(TID, encodeData(2, Buffer.alloc(512)), 2));
  assert.equal(r2.data.length, 0);
  assert.ok(r2.result && !r2.result.ok && r2.result.failure.kind === 'too-large');
});

test('tsize that does not match what was sent fails the transfer', () => {
  const s = new ReadSession(config({ ask: { tsize: true } }));
  split(s.start(0));
  split(s.receive(TID, encodeOack(new Map([['tsize', '600']])), 1));
  const r = split(s.receive(TID, encodeData(1, Buffer.alloc(100)), 2));
  assert.ok(r.result && !r.result.ok && r.result.failure.kind === 'protocol');
});

test('after the last block the session dallies: a repeated last block is ACKed again', () => {
  const s = new ReadSession(config());
  split(s.start(0));
  const last = encodeData(1, Buffer.alloc(3));
  assert.ok(split(s.receive(TID, last, 1)).result?.ok);
  assert.deepEqual(split(s.receive(TID, last, 2)).sent.map((x) => x.p), [{ op: 'ACK', block: 1 }]);
  assert.equal(s.over, false);
  s.tick(501);
  assert.equal(s.over, true);
});

test('a lost OACK-ACK: the repeated OACK is answered with ACK 0', () => {
  const s = new ReadSession(config({ ask: { blksize: 1024 } }));
  split(s.start(0));
  const oack = encodeOack(new Map([['blksize', '1024']]));
  split(s.receive(TID, oack, 1));
  assert.deepEqual(split(s.receive(TID, oack, 2)).sent.map((x) => x.p), [{ op: 'ACK', block: 0 }]);
});

test('hostile datagrams (short, oversized, wrong opcode, wrong block, garbage) never throw or end a transfer', () => {
  const file = randomBytes(20_000);
  const s = new ReadSession(config({ ask: { blksize: 512 } }));
  split(s.start(0));
  split(s.receive(TID, encodeOack(new Map([['blksize', '512']])), 0));
  const hostile = [
    Buffer.alloc(0),
    Buffer.from([0]),
    Buffer.from([0, 3]),
    Buffer.from([0, 3, 0]),
    Buffer.from([0, 99, 0, 1]),
    Buffer.from([0, 1, 0x61, 0, 0x62, 0]), // RRQ to a client
    Buffer.from([0, 4, 0, 1]), // ACK to a receiver
    encodeData(1, Buffer.alloc(600)), // larger than blksize
    encodeData(1000, Buffer.alloc(512)), // far ahead
    encodeData(40000, Buffer.alloc(512)), // far behind (old duplicate)
    encodeOack(new Map([['blksize', '8']])),
  ];
  const out: Buffer[] = [];
  for (let b = 1; ; b++) {
    for (const h of hostile) {
      const r = split(s.receive(TID, h, b));
      assert.equal(r.result, undefined);
      assert.equal(r.data.length, 0);
    }
    for (let i = 0; i < 50; i++) {
      // Random bytes under an opcode no server sends (a random ERROR from the TID would end it).
      const g = randomBytes((i * 37) % 700);
      if (g.length > 0) g[0] = 0x80 | g[0]!;
      split(s.receive(TID, g, b));
    }
    const chunk = file.subarray((b - 1) * 512, b * 512);
    const r = split(s.receive(TID, encodeData(b, chunk), b));
    out.push(...r.data);
    if (r.result) {
      assert.ok(r.result.ok);
      break;
    }
  }
  assert.equal(sha(Buffer.concat(out)), sha(file));
});

test('multi-frame blocks that never arrive: after the wait, one new request with one-frame blocks', () => {
  const s = new ReadSession(config({ ask: { blksize: 8868, tsize: true }, frameBlksize: 1468 }));
  split(s.start(0));
  split(s.receive(TID, encodeOack(new Map([['blksize', '8868'], ['tsize', '20000']])), 10));
  let t = 10;
  let sent: ReturnType<typeof split>['sent'] = [];
  while (t < 10 + 5000) {
    t = s.nextTimer()!;
    sent = split(s.tick(t)).sent;
    if (sent.some((x) => x.p.op === 'RRQ')) break;
  }
  assert.ok(t - 10 >= 2500, `fell back after ${t - 10} ms`);
  assert.equal(sent[0]!.p.op, 'ERROR');
  const rrq = sent[1]!.p;
  assert.ok(rrq.op === 'RRQ' && rrq.options.get('blksize') === '1468' && rrq.options.get('tsize') === '0');
  assert.equal(s.stats.smallerBlocks, true);
  // and the transfer then completes normally
  const tid2 = { address: TID.address, port: 40002 };
  split(s.receive(tid2, encodeOack(new Map([['blksize', '1468']])), t + 1));
  const end = split(s.receive(tid2, encodeData(1, Buffer.alloc(100)), t + 2));
  assert.ok(end.result?.ok);
});

test('no fallback when one-frame blocks were agreed anyway', () => {
  const s = new ReadSession(config({ ask: { blksize: 1468 }, frameBlksize: 1468, deadline: 4000 }));
  split(s.start(0));
  split(s.receive(TID, encodeOack(new Map([['blksize', '1468']])), 0));
  let result: Result | undefined;
  while (!result) {
    const r = split(s.tick(s.nextTimer()!));
    assert.ok(!r.sent.some((x) => x.p.op === 'RRQ'));
    result = r.result;
  }
  assert.ok(!result.ok && result.failure.kind === 'timeout');
});

test('a small transfer stalled by the server\'s backoff starts again, and the bytes start over', () => {
  const s = new ReadSession(config({ ask: { blksize: 512 }, restart: { stalledMs: 1500, belowBytes: 4096, max: 1 } }));
  split(s.start(0));
  split(s.receive(TID, encodeOack(new Map([['blksize', '512']])), 10));
  assert.equal(split(s.receive(TID, encodeData(1, Buffer.alloc(512, 1)), 20)).data.length, 1);
  // block 2 never comes; the server ignores our repeated ACKs
  let effects: Effect[] = [];
  while (!effects.some((e) => e.kind === 'reset')) effects = s.tick(s.nextTimer()!);
  const kinds = effects.map((e) => (e.kind === 'send' ? decode(e.packet).op : e.kind));
  assert.deepEqual(kinds, ['ERROR', 'reset', 'RRQ']);
  assert.equal(s.stats.restarts, 1);
  // the new server process sends everything; the old one is now a foreign TID
  const tid2 = { address: TID.address, port: 40009 };
  split(s.receive(tid2, encodeOack(new Map([['blksize', '512']])), 2000));
  assert.equal(split(s.receive(TID, encodeData(2, Buffer.alloc(5)), 2001)).sent[0]?.p.op, 'ERROR');
  const d1 = split(s.receive(tid2, encodeData(1, Buffer.alloc(512, 1)), 2002));
  const d2 = split(s.receive(tid2, encodeData(2, Buffer.alloc(5, 2)), 2003));
  assert.equal(d1.data.length + d2.data.length, 2);
  assert.ok(d2.result?.ok && d2.result.bytes === 517);
  // at most `max` restarts
  const s2 = new ReadSession(config({ ask: { blksize: 512 }, restart: { stalledMs: 100, belowBytes: 4096, max: 0 } }));
  split(s2.start(0));
  split(s2.receive(TID, encodeOack(new Map([['blksize', '512']])), 1));
  for (let i = 0; i < 20; i++) assert.ok(!s2.tick(s2.nextTimer()!).some((e) => e.kind === 'reset'));
});

test('with both fallbacks on, silence after multi-frame blocks were agreed goes to one-frame blocks, not to restarts', () => {
  const s = new ReadSession(config({ ask: { blksize: 8868 }, frameBlksize: 1468, restart: { stalledMs: 1500, belowBytes: 1 << 20, max: 3 } }));
  split(s.start(0));
  split(s.receive(TID, encodeOack(new Map([['blksize', '8868']])), 0));
  let effects: Effect[] = [];
  while (!effects.some((e) => e.kind === 'send' && decode(e.packet).op === 'RRQ')) effects = s.tick(s.nextTimer()!);
  assert.equal(s.stats.restarts, 0);
  assert.equal(s.stats.smallerBlocks, true);
});
