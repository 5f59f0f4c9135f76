// A client path looked up beneath a root directory as if that directory were "/" (what a chroot
// does, and what the client's kernel does once the root is its "/"): every symlink on the way
// is followed inside the root, an absolute link target starts again at the root, and ".."
// stops at the root. The result never names anything outside it. One walk for every reader
// and writer of client paths: the executor's files (agent/exec/files.ts) and the lts.conf
// loader (agent/config/ltsconf-load.ts).

import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { LtspError } from './errors.ts';

/** As Linux's MAXSYMLINKS. */
export const MAX_LINKS = 40;

const lstatOrUndefined = (p: string): Stats | undefined => {
  try {
    return lstatSync(p);
  } catch {
    return undefined; // missing (to be created) or not a directory: the operation itself will say
  }
};

/**
 * The kernel's fs.protected_symlinks rule, which a walk by hand would otherwise bypass: a link
 * in a sticky world-writable directory (/tmp) is followed only when it belongs to us or to
 * the directory's owner, so another user's planted link cannot redirect a write as root.
 */
function refuseForeignLink(link: string, st: Stats, dir: string): void {
  const d = lstatOrUndefined(dir);
  if (d === undefined || (d.mode & 0o1002) !== 0o1002) return;
  const me = process.geteuid?.();
  if (st.uid === me || st.uid === d.uid) return;
  throw new LtspError('LTSP_ROOT_PATH', `${link}: a symbolic link of another user (uid ${st.uid}) in the world-writable ${dir}; not followed`, {}, 'write to a path of your own');
}

/**
 * The real path of `clientPath` beneath `root`, symlinks resolved inside the root. The last
 * component is resolved too unless `followFinal` is false (making or removing a link) or it
 * does not exist (then its name is kept). Throws LTSP_ROOT_PATH on a link loop (more than 40
 * links) and on another user's link in a sticky world-writable directory.
 */
export function resolveBeneath(root: string, clientPath: string, opts: { followFinal?: boolean } = {}): string {
  const top = path.resolve(root);
  const followFinal = opts.followFinal ?? true;
  const todo = clientPath.split('/').reverse(); // a stack: the next component is at the end
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const c = todo.pop()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      done.pop(); // at the root already: stays there
      continue;
    }
    const here = path.join(top, ...done, c);
    const st = todo.some((x) => x !== '' && x !== '.') || followFinal ? lstatOrUndefined(here) : undefined;
    if (st?.isSymbolicLink()) {
      if (++links > MAX_LINKS) {
        throw new LtspError('LTSP_ROOT_PATH', `${clientPath}: too many levels of symbolic links (more than ${MAX_LINKS}, a loop?)${top === '/' ? '' : ` beneath ${top}`}`, {}, 'fix the symbolic links in the tree');
      }
      refuseForeignLink(here, st, path.join(top, ...done));
      const target = readlinkSync(here);
      if (target.startsWith('/')) done.length = 0;
      const parts = target.split('/');
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
      continue;
    }
    done.push(c);
  }
  return path.join(top, ...done);
}
