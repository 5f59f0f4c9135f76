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

import { closeSync, fchmodSync, fsyncSync, ftruncateSync, openSync, promises as fs, writeSync } from 'node:fs';
import * as path from 'node:path';
import { resolveBeneath } from '../core/beneath.ts';
import { LtspError } from '../core/errors.ts';

let tmpCounter = 0;
/** Unique enough for a temp name next to the target: files are created with O_EXCL anyway. */
const uniqueSuffix = () => `${process.pid.toString(36)}${(tmpCounter++).toString(36)}${Date.now().toString(36)}`;

/** Links followed while resolving one path before it counts as a loop (Linux's MAXSYMLINKS). */
export { MAX_LINKS } from '../core/beneath.ts';

/** Mode bits for group and others. */
const GROUP_OTHER = 0o077;

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
    return resolveBeneath(this.root, clientPath, opts);
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

  /**
   * A file written as it arrives (a download), atomically: the bytes go to a temp file next to
   * the target, `commit` renames it into place, `abort` removes it. Writes are synchronous so
   * that a stream of chunks keeps nothing in memory; `reset` starts the file again from empty.
   */
  async openAtomic(clientPath: string, mode = 0o644): Promise<AtomicFile> {
    const real = this.map(clientPath);
    await fs.mkdir(path.dirname(real), { recursive: true });
    const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${uniqueSuffix()}.tmp`);
    const fd = openSync(tmp, 'wx', mode);
    let at = 0;
    let open = true;
    const close = () => {
      if (open) closeSync(fd);
      open = false;
    };
    return {
      write: (chunk) => {
        for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done, at + done);
        at += chunk.length;
      },
      reset: () => {
        ftruncateSync(fd, 0);
        at = 0;
      },
      commit: async () => {
        try {
          fchmodSync(fd, mode);
          fsyncSync(fd);
          close();
          await fs.rename(tmp, real);
        } catch (e) {
          close();
          await fs.rm(tmp, { force: true });
          throw e;
        }
      },
      abort: async () => {
        close();
        await fs.rm(tmp, { force: true });
      },
    };
  }
}

/** See FileSystem.openAtomic. */
export interface AtomicFile {
  write(chunk: Buffer): void;
  reset(): void;
  commit(): Promise<void>;
  abort(): Promise<void>;
}
