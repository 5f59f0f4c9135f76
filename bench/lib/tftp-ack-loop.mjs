// The floor for a Node TFTP client: a bare dgram loop that asks for FILE at blksize 8868 and
// ACKs every DATA block, with no checks, no retries and nothing kept. Prints the transfer time
// in ms. bench/tftp.ts runs it next to our client and curl, to show what the runtime costs.
//
//   node bench/lib/tftp-ack-loop.mjs SERVER-IP PORT FILE

import dgram from 'node:dgram';

const [host, port, file] = process.argv.slice(2);
const BLKSIZE = 8868;
const socket = dgram.createSocket({ type: 'udp4', lookup: (h, _o, cb) => cb(null, h, 4) });
const ack = (block) => Buffer.from([0, 4, (block >> 8) & 0xff, block & 0xff]);
const t0 = performance.now();
setTimeout(() => {
  console.error('tftp-ack-loop: no end after 20 s');
  process.exit(1);
}, 20_000).unref();

socket.on('message', (msg, from) => {
  const op = msg.readUInt16BE(0);
  if (op === 6) return socket.send(ack(0), from.port, from.address); // OACK
  if (op !== 3) {
    console.error(`tftp-ack-loop: opcode ${op}: ${msg.subarray(4).toString()}`);
    process.exit(1);
  }
  socket.send(ack(msg.readUInt16BE(2)), from.port, from.address);
  if (msg.length - 4 < BLKSIZE) {
    console.log((performance.now() - t0).toFixed(2));
    socket.close();
  }
});
socket.bind(0, () => socket.send(Buffer.from(`\0\x01${file}\0octet\0blksize\0${BLKSIZE}\0`, 'latin1'), Number(port), host));
