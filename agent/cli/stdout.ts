// Writing a command's output. process.stdout is a stream Node builds on first use (tty, pipe or
// file machinery): a measurable part of a short command such as --dry-run. Writing to fd 1
// directly skips that; a non-blocking pipe that is full (EAGAIN) falls back to the stream.

import { writeSync } from 'node:fs';

export function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(1, bytes, done, bytes.length - done);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    process.stdout.write(bytes.subarray(done));
  }
}
