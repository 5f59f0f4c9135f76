// A TFTP read into a file, all or nothing, streamed: each block goes to a temp file next to the
// target as it arrives (memory stays a few blocks whatever the size; the size cap is enforced
// block by block), and the temp file is renamed over the target only after the last block, so a
// failed fetch never leaves a half file.

import * as path from 'node:path';
import { FileSystem } from '../../exec/files.ts';
import { tftpGet, type GetOptions, type GetResult } from './client.ts';

export async function tftpDownload(opts: GetOptions, dest: string, mode = 0o644): Promise<GetResult> {
  const file = await new FileSystem('/').openAtomic(path.resolve(dest), mode);
  let r: GetResult;
  try {
    r = await tftpGet({ ...opts, sink: file });
  } catch (e) {
    await file.abort();
    throw e;
  }
  await file.commit();
  return r;
}

/**
 * A sink for a stream that cannot be rewound (stdout): the first `holdBytes` are held back, as
 * the transfer may start again while it is below that size (see DEFAULTS.restart); after that,
 * bytes are written as they come.
 */
export function forwardSink(write: (chunk: Buffer) => void, holdBytes: number): { write(chunk: Buffer): void; reset(): void; flush(): void } {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let flushed = false;
  const flush = () => {
    if (flushed) return;
    flushed = true;
    for (const c of held) write(c);
    held = [];
  };
  return {
    write: (chunk) => {
      if (flushed) return write(chunk);
      held.push(chunk);
      heldBytes += chunk.length;
      if (heldBytes > holdBytes) flush();
    },
    reset: () => {
      if (flushed) throw new Error('the transfer started again after data was already written out');
      held = [];
      heldBytes = 0;
    },
    flush,
  };
}
