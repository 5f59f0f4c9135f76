// A lossy UDP relay for TFTP, for kernels without tc netem (this lab's has none): listens on
// LISTEN_IP:PORT, forwards each client's request to the real server, and gives every server
// TID its own relay port so the client sees one consistent TID per transfer. Each datagram,
// both ways, is dropped, duplicated or held back (reordered) with the given probabilities.
//   node --import tsx test/integration/tftp-relay.ts LISTEN_IP PORT SERVER_IP SERVER_PORT LOSS DUP REORDER SEED [MAXSIZE]
// MAXSIZE drops every datagram larger than that many bytes, as a firewall that drops IP
// fragments does.
// Prints "ready" on stdout when listening.

import dgram from 'node:dgram';

const [listenIp, listenPort, serverIp, serverPort, loss, dup, reorder, seedArg, maxSize] = process.argv.slice(2);
const MAX = maxSize ? Number(maxSize) : Infinity;
const P = { loss: Number(loss), dup: Number(dup), reorder: Number(reorder) };
let seed = Number(seedArg ?? 1) >>> 0 || 1;
const rnd = () => {
  // xorshift32: the same seed gives the same faults
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 0x100000000;
};

/** Deliver through the faulty link: drop, duplicate, or hold until the next datagram passes. */
const held = new Map<dgram.Socket, { buf: Buffer; port: number; ip: string; timer: NodeJS.Timeout }>();
function deliver(sock: dgram.Socket, buf: Buffer, port: number, ip: string): void {
  if (buf.length > MAX) return;
  const r = rnd();
  if (r < P.loss) return;
  const send = () => sock.send(buf, port, ip);
  const prev = held.get(sock);
  if (r < P.loss + P.reorder && !prev) {
    // Overtaken by the next datagram on this socket, or sent late if none comes.
    held.set(sock, { buf, port, ip, timer: setTimeout(() => { held.delete(sock); send(); }, 20) });
    return;
  }
  send();
  if (prev) {
    clearTimeout(prev.timer);
    held.delete(sock);
    sock.send(prev.buf, prev.port, prev.ip);
  }
  if (r > 1 - P.dup) send();
}

interface Flow {
  up: dgram.Socket; // relay <-> server
  down?: dgram.Socket; // relay <-> client, one per server TID
  serverTid?: number;
  clientIp: string;
  clientPort: number;
  lastUse: number;
}
const flows = new Map<string, Flow>();
const front = dgram.createSocket('udp4');

front.on('message', (msg, rinfo) => {
  const key = `${rinfo.address}:${rinfo.port}`;
  let f = flows.get(key);
  // Every request is a new transfer to the server (a new server TID); a retransmitted request
  // makes a second server child, exactly as without the relay. Older flows stay routable.
  if (!f || msg.readUInt16BE(0) === 1) {
    const up = dgram.createSocket('udp4');
    const flow: Flow = { up, clientIp: rinfo.address, clientPort: rinfo.port, lastUse: Date.now() };
    f = flow;
    flows.set(`${key}#${nextId++}`, flow);
    flows.set(key, flow);
    up.on('message', (m, r) => {
      flow.lastUse = Date.now();
      if (flow.serverTid === undefined) {
        flow.serverTid = r.port;
        const down = dgram.createSocket('udp4');
        flow.down = down;
        down.on('message', (cm, cr) => {
          flow.lastUse = Date.now();
          if (cr.address === flow.clientIp && cr.port === flow.clientPort) deliver(up, cm, flow.serverTid!, serverIp!);
        });
        down.bind(0, listenIp, () => deliver(down, m, flow.clientPort, flow.clientIp));
        return;
      }
      if (r.port !== flow.serverTid || !flow.down) return;
      deliver(flow.down, m, flow.clientPort, flow.clientIp);
    });
    up.bind(0);
  }
  f.lastUse = Date.now();
  deliver(f.up, msg, Number(serverPort), serverIp!);
});
let nextId = 0;

// Forget idle flows so a long storm does not run out of ports.
setInterval(() => {
  const old = Date.now() - 30_000;
  for (const [k, f] of flows) {
    if (f.lastUse < old) {
      flows.delete(k);
      if (![...flows.values()].includes(f)) {
        f.up.close();
        f.down?.close();
      }
    }
  }
}, 5000).unref();

front.bind(Number(listenPort), listenIp, () => console.log('ready'));
