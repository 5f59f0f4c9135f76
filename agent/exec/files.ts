// Every file the agent writes goes through here: atomic (temp file + rename in the same
// directory), with an explicit mode, and mapped under --root when one is given.

import { closeSync, fchmodSync, fsyncSync, ftruncateSync, openSync, promises as fs, writeSync } from 'node:fs';
import * as path from 'node:path';

let tmpCounter = 0;
/** Unique enough for a temp name next to the target: files are created with O_EXCL anyway. */
const uniqueSuffix = () => `${process.pid.toString(36)}${(tmpCounter++).toString(36)}${Date.now().toString(36)}`;

export class FileSystem {
  /** Apply everything under this directory instead of "/". */
  readonly root: string;

  constructor(root = '/') {
    this.root = path.resolve(root);
  }

  /** The real path of a client path. Refuses paths that would leave the root. */
  map(clientPath: string): string {
    if (!path.isAbsolute(clientPath)) throw new Error(`not an absolute client path: ${clientPath}`);
    const normal = path.posix.normalize(clientPath);
    if (normal.split('/').includes('..')) throw new Error(`path leaves the root: ${clientPath}`);
    return this.root === '/' ? normal : path.join(this.root, normal);
  }

  /**
   * Writes through a temp file renamed into place, so no reader ever sees half a file.
   * `durable: false` skips the fsync: for files the boot writes afresh every time (the plan's
   * files, on a thin client a tmpfs anyway), where surviving a power cut is worth nothing and
   * the fsync, on a disk-backed --root, costs more than the write.
   */
  async writeAtomic(clientPath: string, content: string | Buffer, mode = 0o644, opts: { durable?: boolean } = {}): Promise<void> {
    const real = this.map(clientPath);
    await fs.mkdir(path.dirname(real), { recursive: true });
    const tmp = path.join(path.dirname(real), `.${path.basename(real)}.${uniqueSuffix()}.tmp`);
    try {
      const fh = await fs.open(tmp, 'wx', mode);
      try {
        await fh.writeFile(content);
        await fh.chmod(mode); // umask must not weaken or widen what the plan asked for
        if (opts.durable !== false) await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, real);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  }

  async appendLines(clientPath: string, lines: readonly string[], header?: string, mode = 0o644, opts: { durable?: boolean } = {}): Promise<void> {
    const old = await this.readText(clientPath);
    let body = old ?? (header !== undefined ? header + '\n' : '');
    if (body.length > 0 && !body.endsWith('\n')) body += '\n';
    await this.writeAtomic(clientPath, body + lines.map((l) => l + '\n').join(''), mode, opts);
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

  async symlink(clientPath: string, target: string): Promise<void> {
    const real = this.map(clientPath);
    await fs.mkdir(path.dirname(real), { recursive: true });
    const tmp = `${real}.${uniqueSuffix()}.tmp`;
    await fs.symlink(target, tmp);
    await fs.rename(tmp, real);
  }

  async remove(clientPath: string): Promise<void> {
    await fs.rm(this.map(clientPath), { force: true, recursive: true });
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
