// One guest TCP connection <-> one host loopback connection. QEMU runs this per connection
// (`guestfwd=tcp:10.0.2.100:PORT-cmd:node relay.mjs 127.0.0.1 PORT`) with the guest's bytes
// on stdin/stdout; a plain `-tcp:` guestfwd would open a single connection at QEMU start-up
// that servers time out (qemu-boot.md pitfall 6). Plain JS: started per connection, it must
// load fast and needs no tsx.
import { connect } from 'node:net';

const [host, port] = process.argv.slice(2);
const sock = connect(Number(port), host);
process.stdin.pipe(sock);
sock.pipe(process.stdout);
// Either side closing ends the relay; a half-close from the guest is passed on.
process.stdin.on('end', () => sock.end());
sock.on('close', () => process.exit(0));
sock.on('error', (e) => {
  process.stderr.write(`relay ${host}:${port}: ${e.message}\n`);
  process.exit(1);
});
