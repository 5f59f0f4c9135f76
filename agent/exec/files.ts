// Every file the agent writes goes through here: atomic (temp file + rename in the same
// directory), with an explicit mode, and mapped under --root when one is given.
//
// Under --root DIR every client path is resolved beneath DIR one component at a time, as the
// client's kernel would resolve it once DIR is its "/": a symlink's absolute target starts
// again at DIR, ".." never climbs above DIR, and a link loop is an error. So a chroot's own
// absolute links (/etc/resolv.conf -> /run/...) lead where they lead on the client, and a link
// planted to point outside (/etc/cron.d -> /etc of the build host) cannot take a write out of
// DIR. Under "/" the same walk is the kernel's own. A file is written, appended to, read or
// made a directory through a final link; `symlink` and `remove` act on the link itself.
//
// Modes never widen behind the plan's back: an append keeps the mode of the file it appends
// to (narrowed further if the action asks for less), and a file once written without access
// for group and others (a secret: ltsp_config_env with LDM_PASSWORD, an Xauthority) stays so
// for every later write or append by this FileSystem.

import { lstatSync, promises as fs, readlinkSync, type Stats } from 'node:fs';
import * as path from 'node:path';
import { pushAll } from '../core/arrays.ts';
import { LtspError } from '../core/errors.ts';

let tmpCounter = 0;
/** Unique enough for a temp name next to the target: files are created with O_EXCL anyway. */
const uniqueSuffix = () => `${process.pid.toString(36)}${(tmpCounter++).toString(36)}${Date.now().toString(36)}`;

/** Links followed while resolving one path before it counts as a loop (Linux's MAXSYMLINKS). */
export const MAX_LINKS = 40;

/** Mode bits for group and others. */
const GROUP_OTHER = 0o077;

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

export class FileSystem {
  /** Apply everything under this directory instead of "/". */
  readonly root: string;
  /** Real paths written without group/other access: they keep none for the rest of the run. */
  readonly #private = new Set<string>();

  constructor(root = '/') {
    this.root = path.resolve(root);
  }

  /**
   * The real path of a client path, every link in it resolved beneath the root (see the top
   * of this file). `followFinal: false` resolves the directories only and keeps the last
   * name as it is (for making or removing a link). Refuses ".." in the client path itself.
   */
  map(clientPath: string, opts: { followFinal?: boolean } = {}): string {
    if (!path.isAbsolute(clientPath)) throw new Error(`not an absolute client path: ${clientPath}`);
    const given = clientPath.split('/').filter((c) => c !== '' && c !== '.');
    if (given.includes('..')) throw new LtspError('LTSP_ROOT_PATH', `path leaves the root: ${clientPath}`);
    const followFinal = opts.followFinal ?? true;
    const todo = given.reverse(); // a stack: the next component is at the end
    const done: string[] = [];
    let links = 0;
    while (todo.length > 0) {
      const c = todo.pop()!;
      if (c === '' || c === '.') continue;
      if (c === '..') {
        done.pop(); // at the root already: stays there
        continue;
      }
      const here = path.join(this.root, done.join('/'), c);
      const st = todo.length > 0 || followFinal ? lstatOrUndefined(here) : undefined;
      if (st?.isSymbolicLink()) {
        if (++links > MAX_LINKS) {
          throw new LtspError('LTSP_ROOT_PATH', `${clientPath}: more than ${MAX_LINKS} symbolic links (a loop?)${this.root === '/' ? '' : ` under ${this.root}`}`, {}, 'fix the symbolic links in the tree');
        }
        refuseForeignLink(here, st, path.join(this.root, done.join('/')));
        const target = readlinkSync(here);
        if (target.startsWith('/')) done.length = 0;
        pushAll(todo, target.split('/').reverse());
        continue;
      }
      done.push(c);
    }
    return path.join(this.root, done.join('/'));
  }

  /** The mode a write gets: never group/other access on a file that holds a secret. */
  #modeFor(real: string, mode: number, secret: boolean): number {
    if (secret) mode &= ~GROUP_OTHER;
    if (this.#private.has(real)) mode &= ~GROUP_OTHER;
    if ((mode & GROUP_OTHER) === 0) this.#private.add(real);
    return mode;
  }

  /**
   * Writes through a temp file renamed into place, so no reader ever sees half a file.
   * `durable: false` skips the fsync: for files the boot writes afresh every time (the plan's
   * files, on a thin client a tmpfs anyway), where surviving a power cut is worth nothing and
   * the fsync, on a disk-backed --root, costs more than the write. `secret: true` takes group
   * and other access away whatever the mode, now and for every later write of the file.
   */
  async writeAtomic(clientPath: string, content: string | Buffer, mode = 0o644, opts: { durable?: boolean; secret?: boolean } = {}): Promise<void> {
    const real = this.map(clientPath);
    await this.#writeReal(real, content, this.#modeFor(real, mode, opts.secret === true), opts.durable !== false);
  }

  async #writeReal(real: string, content: string | Buffer, mode: number, durable: boolean): Promise<void> {
    await fs.mkdir(path.dirname(real), { recursive: true });
    const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${uniqueSuffix()}.tmp`);
    try {
      const fh = await fs.open(tmp, 'wx', mode);
      try {
        await fh.writeFile(content);
        await fh.chmod(mode); // umask must not weaken or widen what the plan asked for
        if (durable) await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, real);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  /**
   * Adds lines to a file, creating it (with `header` first) in `mode`, default 0644. An
   * existing file keeps its own mode, narrowed by `mode` when one is given: an append never
   * widens who may read what is already there.
   */
  async appendLines(clientPath: string, lines: readonly string[], header?: string, mode?: number, opts: { durable?: boolean } = {}): Promise<void> {
    const real = this.map(clientPath);
    let old: string | undefined;
    let existing: number | undefined;
    try {
      const fh = await fs.open(real, 'r');
      try {
        existing = (await fh.stat()).mode & 0o7777;
        old = await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    let body = old ?? (header !== undefined ? header + '\n' : '');
    if (body.length > 0 && !body.endsWith('\n')) body += '\n';
    const want = existing !== undefined ? existing & (mode ?? 0o7777) : (mode ?? 0o644);
    await this.#writeReal(real, body + lines.map((l) => l + '\n').join(''), this.#modeFor(real, want, false), opts.durable !== false);
  }

  async readText(clientPath: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.map(clientPath), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async readBytes(clientPath: string, maxBytes?: number): Promise<Buffer | undefined> {
    try {
      const real = this.map(clientPath);
      if (maxBytes !== undefined) {
        const st = await fs.stat(real);
        if (st.size > maxBytes) {
          const err = new Error(`${clientPath} is ${st.size} bytes, over ${maxBytes}`) as NodeJS.ErrnoException;
          err.code = 'E2BIG';
          throw err;
        }
      }
      return await fs.readFile(real);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  async exists(clientPath: string): Promise<boolean> {
    try {
      await fs.access(this.map(clientPath));
      return true;
    } catch {
      return false;
    }
  }

  async mkdir(clientPath: string, mode = 0o755): Promise<void> {
    await fs.mkdir(this.map(clientPath), { recursive: true, mode });
  }

  /** Makes (or replaces) the link itself; `target` is stored as given, read on the client. */
  async symlink(clientPath: string, target: string): Promise<void> {
    const real = this.map(clientPath, { followFinal: false });
    await fs.mkdir(path.dirname(real), { recursive: true });
    const tmp = `${real}.${uniqueSuffix()}.tmp`;
    await fs.symlink(target, tmp);
    await fs.rename(tmp, real);
  }

  /** Removes the file, directory or link itself (never what a final link points to). */
  /** Give a file or directory to a user (the kiosk's home and Xauthority). */
  async chown(clientPath: string, uid: number, gid: number): Promise<void> {
    await fs.chown(this.map(clientPath), uid, gid);
  }

  async remove(clientPath: string): Promise<void> {
    await fs.rm(this.map(clientPath, { followFinal: false }), { force: true, recursive: true });
  }
}
