// `ltsp-agent fetch tftp://HOST[:PORT]/PATH`: one TFTP download with the client the agent
// boots with, for admins who debug their TFTP server. Prints what the server negotiated.

import { writeSync } from 'node:fs';
import * as path from 'node:path';
import { errorMessage, LtspError } from '../core/errors.ts';
import { MAX_BLKSIZE, MAX_WINDOWSIZE, MIN_BLKSIZE } from '../net/tftp/packet.ts';
import { DEFAULTS, tftpGet, type GetOptions } from '../net/tftp/client.ts';
import { forwardSink, tftpDownload } from '../net/tftp/download.ts';
import { parseTftpUrl } from '../net/tftp/url.ts';
import { parseOptions } from './args.ts';

export const FETCH_HELP = `Usage: ltsp-agent fetch tftp://HOST[:PORT]/PATH [options]

Downloads one file over TFTP with the client the agent uses for lts.conf at boot, and
reports what the server negotiated. For checking a TFTP server: the path under its root,
file permissions, which options it accepts, how it copes with a lossy link.

Options:
  -o, --output FILE   write the file here; "-" for stdout. Default: the last path
                      component, in the current directory. Written as it arrives to a
                      temporary file renamed into place at the end: a failed fetch leaves
                      no file and never a half one, and memory stays small.
  --blksize N|frame   block size to ask for (${MIN_BLKSIZE}..${MAX_BLKSIZE}). Default: six frames of the
                      path MTU (8868 on Ethernet; IP fragments), and one-frame blocks if
                      no fragment gets through. "frame": one frame (1468 on Ethernet).
  --windowsize N      blocks per ACK to ask for (1..${MAX_WINDOWSIZE}, RFC 7440; default ${DEFAULTS.windowsize})
  --timeout S         give up after S seconds in all (default 30)
  --no-options        plain RFC 1350, no option negotiation (512-byte blocks)
  --max-size BYTES    refuse a larger file (default 1 GiB); checked block by block, so a
                      server that never ends the file is stopped at this size
  -q, --quiet         no progress line and no summary
  -h, --help

Exit status: 0 fetched; 1 failed (the message has an LTSP_TFTP_* code, see docs/tftp.md);
64 usage error.
`;

export async function fetchCommand(args: string[]): Promise<number> {
  let opts: GetOptions;
  let output: string;
  let quiet: boolean;
  try {
    const a = parseOptions(args, {
      values: ['-o', '--output', '--blksize', '--windowsize', '--timeout', '--max-size'],
      flags: ['--no-options', '-q', '--quiet', '-h', '--help'],
    });
    if (a.flags.has('-h') || a.flags.has('--help')) {
      process.stdout.write(FETCH_HELP);
      return 0;
    }
    if (a.positional.length !== 1) throw new LtspError('LTSP_USAGE', 'give exactly one tftp://HOST[:PORT]/PATH URL', {}, 'see ltsp-agent fetch --help');
    const url = parseTftpUrl(a.positional[0]!);
    if (typeof url === 'string') throw new LtspError('LTSP_USAGE', url, {}, 'for example tftp://192.168.67.1/ltsp/i386/lts.conf');
    const int = (name: string, min: number, max: number): number | undefined => {
      const raw = a.values.get(name);
      if (raw === undefined) return undefined;
      const v = Number(raw);
      if (!/^[0-9]+(\.[0-9]+)?$/.test(raw) || !(v >= min && v <= max)) throw new LtspError('LTSP_USAGE', `${name} must be a number from ${min} to ${max}, not "${raw}"`);
      return v;
    };
    const blksize = a.values.get('--blksize') === 'frame' ? 'frame' : int('--blksize', MIN_BLKSIZE, MAX_BLKSIZE);
    const windowsize = int('--windowsize', 1, MAX_WINDOWSIZE);
    const timeoutS = int('--timeout', 0.1, 3600) ?? 30;
    const maxBytes = int('--max-size', 0, 4 * 1024 ** 3) ?? DEFAULTS.maxBytes;
    if (a.flags.has('--no-options') && (blksize !== undefined || windowsize !== undefined)) {
      throw new LtspError('LTSP_USAGE', '--no-options cannot be combined with --blksize or --windowsize');
    }
    quiet = a.flags.has('-q') || a.flags.has('--quiet');
    output = a.values.get('-o') ?? a.values.get('--output') ?? path.posix.basename(url.path);
    if (output === '' || output === '.' || output === '..') throw new LtspError('LTSP_USAGE', `cannot name the output after "${url.path}"`, {}, 'give -o FILE');
    opts = {
      host: url.host,
      port: url.port,
      path: url.path,
      deadlineMs: timeoutS * 1000,
      maxBytes: Math.floor(maxBytes),
      ...(blksize !== undefined ? { blksize: blksize === 'frame' ? blksize : Math.floor(blksize) } : {}),
      ...(windowsize !== undefined ? { windowsize: Math.floor(windowsize) } : {}),
      ...(a.flags.has('--no-options') ? { noOptions: true } : {}),
      ...(!quiet && process.stderr.isTTY ? { onProgress: progressLine() } : {}),
    };
  } catch (e) {
    process.stderr.write(`ltsp-agent fetch: ${errorMessage(e)}\n`);
    return 64;
  }

  try {
    let r;
    if (output === '-') {
      // Streamed to stdout as it comes (blocking writes: a slow reader slows the transfer, memory stays small).
      const out = forwardSink((chunk) => {
        for (let done = 0; done < chunk.length; ) done += writeSync(1, chunk, done, chunk.length - done);
      }, DEFAULTS.restart.belowBytes);
      r = await tftpGet({ ...opts, sink: out });
      out.flush();
    } else r = await tftpDownload(opts, output);
    if (!quiet) {
      const s = r.ms / 1000;
      const n = r.negotiated;
      const notes = [
        `blksize ${n.blksize}`,
        `windowsize ${n.windowsize}`,
        ...(n.tsize !== undefined ? [`tsize ${n.tsize}`] : []),
        ...(r.stats.fellBack ? ['server refused options'] : []),
        ...(r.stats.smallerBlocks ? ['IP fragments did not arrive: fell back to one-frame blocks'] : []),
        ...(r.stats.retransmits ? [`${r.stats.retransmits} retransmissions`] : []),
        ...(r.stats.restarts ? [`started again ${r.stats.restarts} times after a stall`] : []),
        ...(r.stats.duplicates ? [`${r.stats.duplicates} duplicate blocks`] : []),
        ...(r.stats.foreign ? [`${r.stats.foreign} foreign packets`] : []),
      ];
      clearLine();
      process.stderr.write(`${output === '-' ? 'fetched' : `${output}:`} ${r.bytes} bytes in ${s.toFixed(3)} s (${rate(r.bytes, s)}), ${notes.join(', ')}\n`);
    }
    return 0;
  } catch (e) {
    clearLine();
    process.stderr.write(`ltsp-agent fetch: ${errorMessage(e)}\n`);
    return 1;
  }
}

/** A progress line on a terminal, at most ten updates a second, only for files over 1 MiB. */
function progressLine(): (bytes: number, total: number | undefined) => void {
  const t0 = Date.now();
  let last = 0;
  return (bytes, total) => {
    const now = Date.now();
    if (now - last < 100 || (total !== undefined && total < 1024 * 1024) || bytes < 1024 * 1024) return;
    last = now;
    const pct = total ? `  ${Math.floor((bytes / total) * 100)}%` : '';
    process.stderr.write(`\r  ${mib(bytes)}${total !== undefined ? ` / ${mib(total)}` : ''}${pct}  ${rate(bytes, (now - t0) / 1000)}   `);
    shown = true;
  };
}

let shown = false;
function clearLine(): void {
  if (shown) process.stderr.write('\r\x1b[K');
  shown = false;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
const rate = (bytes: number, s: number) => (s > 0 ? `${(bytes / 1024 / 1024 / s).toFixed(1)} MiB/s` : '-');
