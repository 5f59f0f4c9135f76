// A test ldminfod speaking LTSP 5's protocol (ldminfod's): on every TCP connection to 9571 it
// writes the reply and closes, ignoring whatever the client sends. The reply is built the way
// the real (Python) ldminfod built it: the default language first, the other languages,
// `session:` then `session-with-name:` for every session, `xsession:`, `rating:`.
// Run as a program inside the server namespace: `node --import tsx test/lab/ldminfod.ts
// --listen IP --port N --reply FILE`; from a test: startLdminfod(lab, spec).

import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Lab } from './lab.ts';

export interface LdminfodSpec {
  languages?: string[];
  sessions?: Array<{ name: string; exec: string }>;
  xsession?: string;
  rating?: number;
}

export function ldminfodReply(s: LdminfodSpec): string {
  const lines: string[] = [];
  for (const l of s.languages ?? ['en_US.UTF-8']) lines.push(`language:${l}`);
  for (const x of s.sessions ?? []) lines.push(`session:${x.exec}`);
  for (const x of s.sessions ?? []) lines.push(`session-with-name:${x.name}:${x.exec}`);
  if (s.xsession) lines.push(`xsession:${s.xsession}`);
  if (s.rating !== undefined) lines.push(`rating:${s.rating}`);
  return lines.join('\n') + '\n';
}

export async function startLdminfod(lab: Lab, spec: LdminfodSpec | string, opts: { port?: number; ip?: string } = {}): Promise<{ stop(): void }> {
  const port = opts.port ?? 9571;
  const file = join(lab.dir, `ldminfod-${port}-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(file, typeof spec === 'string' ? spec : ldminfodReply(spec));
  const self = fileURLToPath(import.meta.url);
  const child = lab.spawn(lab.srv, [process.execPath, '--import', 'tsx', self, '--listen', opts.ip ?? lab.serverIp, '--port', String(port), '--reply', file], {
    log: `${file}.log`,
  });
  await lab.waitPort(lab.srv, 'tcp', port);
  return {
    stop() {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
    },
  };
}

function main(argv: string[]): void {
  const arg = (n: string) => argv[argv.indexOf(n) + 1];
  const reply = readFileSync(arg('--reply')!);
  createServer((sock) => {
    sock.on('error', () => undefined);
    sock.end(reply);
  }).listen(Number(arg('--port') ?? 9571), arg('--listen') ?? '0.0.0.0');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
