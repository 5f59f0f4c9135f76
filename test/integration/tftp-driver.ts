// Runs TFTP downloads inside a lab namespace for the integration tests and benches, all in one
// process so node starts once:
//   node --import tsx test/integration/tftp-driver.ts JOBS.json
// JOBS.json: [{ "url": "tftp://...", "out": "/path", "opts": { ...GetOptions } }, ...]
// Prints one JSON line per job: {"ok":true,...negotiated,stats} or {"ok":false,"code","message"}.

import { readFileSync } from 'node:fs';
import { tftpDownload } from '../../agent/net/tftp/download.ts';
import { parseTftpUrl } from '../../agent/net/tftp/url.ts';
import { LtspError } from '../../agent/core/errors.ts';
import type { GetOptions } from '../../agent/net/tftp/client.ts';

export interface Job {
  url: string;
  out: string;
  opts?: Partial<GetOptions>;
}

const jobs = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Job[];
for (const job of jobs) {
  const u = parseTftpUrl(job.url);
  if (typeof u === 'string') {
    console.log(JSON.stringify({ ok: false, code: 'USAGE', message: u }));
    continue;
  }
  const t0 = performance.now();
  try {
    const r = await tftpDownload({ deadlineMs: 20_000, ...job.opts, host: u.host, port: u.port, path: u.path }, job.out);
    console.log(JSON.stringify({ ok: true, bytes: r.bytes, ms: r.ms, ...r.negotiated, ...r.stats }));
  } catch (e) {
    const code = e instanceof LtspError ? e.code : 'EXCEPTION';
    console.log(JSON.stringify({ ok: false, code, message: (e as Error).message, ms: performance.now() - t0 }));
  }
}
// Sockets dallying for a lost final ACK are unref'd; nothing else keeps us.
