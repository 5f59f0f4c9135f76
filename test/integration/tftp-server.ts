// A small TFTP read server for tests that Debian's servers cannot do: RFC 7440 windowsize
// (neither tftpd-hpa 5.2 nor dnsmasq 2.90 has it), refusing options, and hostile behaviour.
//   node --import tsx test/integration/tftp-server.ts LISTEN_IP PORT ROOT MODE
// MODE: good | refuse (ERROR 8 to any option) | hostile (junk around every window, plus a
// foreign TID) | junk (never a valid packet) | endless (any file name: full blocks forever, no
// tsize). Prints "ready", and "foreign-error5" each time
// the client answers the foreign TID with ERROR 5.

import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode, encodeData, encodeError, encodeOack, encodeAck } from '../../agent/net/tftp/packet.ts';

const [ip, port, root, mode] = process.argv.slice(2) as [string, string, string, string];
const front = dgram.createSocket('udp4');

front.on('message', (msg, client) => {
  const req = decode(msg);
  if (req.op !== 'RRQ') return;
  const tid = dgram.createSocket('udp4');
  tid.bind(0, ip, () => serve(tid, req.file, req.options, client));
});

function serve(sock: dgram.Socket, file: string, asked: ReadonlyMap<string, string>, client: dgram.RemoteInfo): void {
  const to = (b: Buffer, s = sock) => s.send(b, client.port, client.address);
  if (mode === 'junk') {
    const junk = setInterval(() => {
      for (const b of junkPackets(1)) to(b);
    }, 20);
    setTimeout(() => { clearInterval(junk); sock.close(); }, 30_000).unref();
    return;
  }
  if (mode === 'refuse' && asked.size > 0) {
    // Close only once the datagram has left: close() cancels a pending send.
    sock.send(encodeError(8, 'options are not welcome here'), client.port, client.address, () => sock.close());
    return;
  }
  let data: Buffer;
  try {
    data = mode === 'endless' ? Buffer.alloc(0) : readFileSync(join(root, file.replace(/^\/+/, '')));
  } catch {
    sock.send(encodeError(1, 'File not found'), client.port, client.address, () => sock.close());
    return;
  }
  const oack = new Map<string, string>();
  let blksize = 512;
  let windowsize = 1;
  const bs = Number(asked.get('blksize'));
  if (bs >= 8) oack.set('blksize', String((blksize = Math.min(bs, 65464))));
  const ws = Number(asked.get('windowsize'));
  if (ws >= 1) oack.set('windowsize', String((windowsize = Math.min(ws, 64))));
  if (asked.has('tsize') && mode !== 'endless') oack.set('tsize', String(data.length));
  if (asked.has('timeout')) oack.set('timeout', asked.get('timeout')!);

  const blocks = mode === 'endless' ? Infinity : Math.floor(data.length / blksize) + 1;
  const filler = Buffer.alloc(blksize, 0x78);
  const block = (b: number) => (mode === 'endless' ? filler : data.subarray((b - 1) * blksize, b * blksize));
  let base = oack.size > 0 ? 0 : 1; // first block of the current window (0 = the OACK)
  let timer: NodeJS.Timeout | undefined;
  let foreign: dgram.Socket | undefined;
  if (mode === 'hostile') {
    foreign = dgram.createSocket('udp4');
    foreign.on('message', (m) => {
      const p = decode(m);
      if (p.op === 'ERROR' && p.code === 5) console.log('foreign-error5');
    });
    foreign.bind(0, ip);
  }
  const sendWindow = () => {
    if (mode === 'hostile') {
      for (const b of junkPackets(base)) to(b);
      if (foreign) {
        to(encodeData(base, Buffer.from('not from your server')), foreign);
        to(encodeError(0, 'foreign error must be ignored'), foreign);
      }
    }
    if (base === 0) to(encodeOack(oack));
    else {
      for (let b = base; b < base + windowsize && b <= blocks; b++) to(encodeData(b, block(b)));
    }
    clearTimeout(timer);
    timer = setTimeout(sendWindow, 200);
  };
  let acked = base - 1;
  sock.on('message', (m, r) => {
    if (r.port !== client.port) return;
    const p = decode(m);
    if (p.op === 'ERROR') return finish();
    if (p.op !== 'ACK') return;
    // unwrap the 16-bit ACK near what we have sent
    let abs = acked - (acked & 0xffff) + p.block;
    if (abs < acked - 0x8000) abs += 0x10000;
    if (abs <= acked || abs >= base + windowsize + (base === 0 ? 1 : 0)) return; // stale or impossible
    acked = abs;
    if (acked >= blocks) return finish();
    base = acked + 1;
    sendWindow();
  });
  const finish = () => {
    clearTimeout(timer);
    setTimeout(() => { sock.close(); foreign?.close(); }, 300);
  };
  sendWindow();
}

/** Datagrams no server should send: short, oversized, unknown opcode, wrong block, a request, an ACK. */
function junkPackets(block: number): Buffer[] {
  const big = Buffer.alloc(65000);
  big.writeUInt16BE(3, 0);
  big.writeUInt16BE(block & 0xffff, 2);
  return [
    Buffer.alloc(0),
    Buffer.from([0]),
    Buffer.from([0, 3, 0]),
    big,
    Buffer.from([0, 99, 0, 1]),
    Buffer.from([0, 1, 0x78, 0, 0x6f, 0x63, 0x74, 0x65, 0x74, 0]),
    encodeAck(block),
    encodeData(block + 5000, Buffer.alloc(16)),
    Buffer.from([0, 6, 0x78]),
  ];
}

front.bind(Number(port), ip, () => console.log('ready'));
