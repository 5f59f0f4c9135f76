// A client path looked up beneath a root directory as if that directory were "/" (what a chroot
// does): every symlink on the way is followed inside the root, an absolute link target starts
// again at the root, and ".." stops at the root. The result never names anything outside it.

import { lstatSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';

/** As Linux's MAXSYMLINKS. */
const MAX_LINKS = 40;

/**
 * The real path of `clientPath` beneath `root`, symlinks resolved inside the root. The last
 * component is resolved too unless it does not exist (then its name is kept). Throws an
 * ELOOP error on too many links and passes on other lstat errors except ENOENT.
 */
export function resolveBeneath(root: string, clientPath: string): string {
  const top = path.resolve(root);
  const todo = clientPath.split('/').filter((c) => c !== '' && c !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === '..') {
      done.pop();
      continue;
    }
    const real = path.join(top, ...done, c);
    let target: string | undefined;
    try {
      if (lstatSync(real).isSymbolicLink()) target = readlinkSync(real);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') throw e;
    }
    if (target === undefined) {
      done.push(c);
      continue;
    }
    if (++links > MAX_LINKS) {
      const err = new Error(`${clientPath}: too many levels of symbolic links beneath ${top}`) as NodeJS.ErrnoException;
      err.code = 'ELOOP';
      throw err;
    }
    if (target.startsWith('/')) done.length = 0;
    todo.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
  }
  return path.join(top, ...done);
}
