// The one way lts.conf is read, for every command (boot, the TFTP fetch, --dry-run, config
// explain, login, getltscfg), with one include rule:
//
//   * `include PATH`: a relative PATH is relative to the directory of the including file, as LTSP
//     5's getltscfg did; an absolute PATH is taken as it is.
//   * Where the file lives decides whose paths these are. A file given by path on this machine
//     (--lts-conf, getltscfg -c) includes files of this machine. The client's own copy
//     (/etc/lts.conf, which is also where a copy fetched over TFTP is saved) includes CLIENT
//     paths: relative to /etc, looked up beneath --root as if it were "/", symlinks followed
//     inside the root and never out of it. So `boot --root DIR` and `--dry-run` read the same
//     files for the same lts.conf.
//   * Bounded as parseLtsConf bounds it (ltsconf-parse.ts): at most 10 included files, 4 deep,
//     16 MiB for all files together, each file once; an included file's text is never quoted.
//
// Every read is bounded without trusting the size first: only regular files are read (a FIFO, a
// device or a directory is refused at once, opened non-blocking so that nothing waits for a
// writer), and reading stops one byte past the limit whatever stat said.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { LtspError } from '../core/errors.ts';
import { resolveBeneath } from '../core/beneath.ts';
import { MAX_LTSCONF_BYTES, parseLtsConf, tooLarge, type IncludeReader, type ParsedConf } from './ltsconf-parse.ts';

/** Where an lts.conf lives, which decides how its includes are found. */
export type LtsConfPlace =
  /** A file of this machine, e.g. given with --lts-conf or getltscfg -c. */
  | { readonly kind: 'host'; readonly path: string }
  /** A client path (normally /etc/lts.conf) beneath the client's root ("/" on the client itself). */
  | { readonly kind: 'client'; readonly root: string; readonly path: string };

/** The client's own lts.conf; a copy fetched over TFTP is saved here. */
export const CLIENT_LTSCONF = '/etc/lts.conf';

/** A bounded read of one file that must be a regular file. */
export interface BoundedRead {
  readonly bytes: Buffer;
  /** device:inode, to read each file once. */
  readonly id: string;
}

const CHUNK = 64 * 1024;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads the regular file at the real path `real` (named `name` in messages), at most `maxBytes`
 * bytes. `noFollow`: refuse a symlink as the last component (the caller resolved links itself).
 * Throws LtspError: LTSP_CONF_UNREADABLE (missing, not a regular file, unreadable) or
 * LTSP_CONF_TOO_LARGE.
 */
export function readBounded(real: string, name: string, maxBytes = MAX_LTSCONF_BYTES, noFollow = false): BoundedRead {
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    throw new LtspError('LTSP_CONF_UNREADABLE', `cannot read ${name}: ${(e as Error).message}`, { file: name }, 'check the path and that the file is readable', { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new LtspError('LTSP_CONF_UNREADABLE', `${name} is ${kindOf(st)}, not a regular file; refused`, { file: name }, 'give the path of the lts.conf file itself');
    }
    if (st.size > maxBytes) throw tooLarge(name, st.size);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // One byte past the limit tells "over" from "exactly at it"; the file may grow while read.
      const want = Math.min(CHUNK, maxBytes + 1 - total);
      const buf = Buffer.allocUnsafe(want);
      const n = readSync(fd, buf, 0, want, null);
      if (n === 0) break;
      chunks.push(n === want ? buf : buf.subarray(0, n));
      total += n;
      if (total > maxBytes) throw tooLarge(name, maxBytes, true);
    }
    return { bytes: Buffer.concat(chunks, total), id: `${st.dev}:${st.ino}` };
  } catch (e) {
    if (e instanceof LtspError) throw e;
    throw new LtspError('LTSP_CONF_UNREADABLE', `cannot read ${name}: ${(e as Error).message}`, { file: name }, 'check that the file is readable');
  } finally {
    closeSync(fd);
  }
}

/** The real path of a file in `place`'s namespace (client paths beneath the root). */
function realPath(place: LtsConfPlace, file: string): string {
  return place.kind === 'host' ? file : resolveBeneath(place.root, file);
}

/** Reads the file `place` names, bounded. */
export function readLtsConfFile(place: LtsConfPlace): BoundedRead {
  let real: string;
  try {
    real = realPath(place, place.path);
  } catch (e) {
    throw new LtspError('LTSP_CONF_UNREADABLE', `cannot read ${place.path}: ${(e as Error).message}`, { file: place.path }, 'check the symbolic links on the way to it', { cause: e });
  }
  return readBounded(real, place.path, MAX_LTSCONF_BYTES, place.kind === 'client');
}

/** The include reader of `place`: relative to the including file, in its namespace. */
export function includeReader(place: LtsConfPlace): IncludeReader {
  return (target, from, maxBytes) => {
    if (target === '') return { ok: false, why: 'no file named' };
    if (target.includes('\0')) return { ok: false, why: 'the path contains a NUL byte' };
    const name = path.posix.resolve(path.posix.dirname(from), target);
    try {
      const got = readBounded(realPath(place, name), name, maxBytes, place.kind === 'client');
      return { ok: true, bytes: got.bytes, name, id: got.id };
    } catch (e) {
      // Say what is wrong, never what is in the file.
      const err = e as LtspError & NodeJS.ErrnoException;
      const why = err.code === 'LTSP_CONF_TOO_LARGE' ? `all lts.conf files together are over the ${MAX_LTSCONF_BYTES / 1024 / 1024} MiB limit` : err.message;
      return { ok: false, why };
    }
  };
}

/**
 * Parses `bytes`, which are the content of the file `place` names (e.g. a copy fetched over
 * TFTP that is saved as the client's /etc/lts.conf), shown as `name`, with its includes.
 */
export function parseLtsConfAt(bytes: Buffer, place: LtsConfPlace, name = place.path, id?: string): ParsedConf {
  return parseLtsConf(bytes, { file: name, includeFrom: place.path, readInclude: includeReader(place), ...(id !== undefined ? { id } : {}) });
}

/** The file does not exist (as opposed to existing and being unusable). */
export function isMissing(e: unknown): boolean {
  return e instanceof LtspError && (e.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/** Reads and parses the lts.conf `place` names, with its includes. Throws LtspError when the file itself cannot be read. */
export function loadLtsConf(place: LtsConfPlace): ParsedConf {
  const got = readLtsConfFile(place);
  return parseLtsConfAt(got.bytes, place, place.path, got.id);
}
