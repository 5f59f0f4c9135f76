// A TFTP read into a file, all or nothing: the bytes go to a temp file next to the target and
// are renamed over it only after the last block, so a failed fetch never leaves a half file.

import * as path from 'node:path';
import { FileSystem } from '../../exec/files.ts';
import { tftpGet, type GetOptions, type GetResult } from './client.ts';

export async function tftpDownload(opts: GetOptions, dest: string, mode = 0o644): Promise<GetResult> {
  const r = await tftpGet(opts);
  await new FileSystem('/').writeAtomic(path.resolve(dest), r.data, mode);
  return r;
}
