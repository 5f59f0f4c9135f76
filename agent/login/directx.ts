// LDM_DIRECTX: the session's X clients on the server talk to the client's display over plain
// TCP (client-ip:6000+N) instead of through ssh. LTSP 5 made the X server itself listen on TCP,
// open to the whole LAN but for the cookie (CVE-2008-1293 was this door left open). Here X keeps
// `-nolisten tcp` and this relay listens instead, on the client's address only, and closes every
// connection whose peer is not one of the login servers' addresses before a byte is relayed.

import { createServer, connect, type Server } from 'node:net';
import { lookup } from 'node:dns/promises';
import { LtspError } from '../core/errors.ts';
import { silentLogger, type Logger } from '../core/log.ts';
import { displaySocket } from './xauth.ts';

export interface DirectXRelay {
  readonly port: number;
  close(): Promise<void>;
}

function norm(a: string | undefined): string {
  return (a ?? '').replace(/^::ffff:/, '');
}

export async function startDirectXRelay(o: {
  display: number;
  listenIp: string;
  /** Host names or addresses allowed to connect (the login server). */
  allow: readonly string[];
  log?: Logger;
}): Promise<DirectXRelay> {
  const log = o.log ?? silentLogger;
  const allowed = new Set<string>();
  for (const h of o.allow) {
    try {
      for (const a of await lookup(h, { all: true })) allowed.add(norm(a.address));
    } catch {
      log.warn({ host: h }, 'LDM_DIRECTX: cannot resolve server; it will not reach the display');
    }
  }
  const port = 6000 + o.display;
  const open = new Set<{ destroy(): void }>();
  const server: Server = createServer((peer) => {
    const from = norm(peer.remoteAddress);
    if (!allowed.has(from)) {
      log.warn({ from, display: o.display }, 'LDM_DIRECTX: refused an X connection from a host that is not the login server');
      peer.destroy();
      return;
    }
    const x = connect(displaySocket(o.display));
    peer.pipe(x).pipe(peer);
    open.add(peer).add(x);
    const end = () => {
      peer.destroy();
      x.destroy();
      open.delete(peer);
      open.delete(x);
    };
    peer.on('error', end);
    x.on('error', end);
    peer.on('close', end);
    x.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(new LtspError('LTSP_EXEC_FAILED', `LDM_DIRECTX: cannot listen on ${o.listenIp}:${port} (${e.code})`, { key: 'LDM_DIRECTX' }, 'free the port or set LDM_DIRECTX=False')),
    );
    server.listen(port, o.listenIp, () => resolve());
  });
  return {
    port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of open) s.destroy();
      }),
  };
}
