// dist/ltsp-agent is a small loader followed by its programs in a comment at the end of the
// file (see build.mjs): "main" (every command but login) and "login" (ssh2, node-ssh, the X
// greeter: two thirds of the code, needed by one command). A program is compiled only when
// it runs, with V8's code cache kept in the cache directory (root: /var/cache/ltsp-agent; a
// user: $XDG_CACHE_HOME/ltsp-agent), keyed by a hash of the code. Node 20 has no compile
// cache of its own for scripts, and start-up is most of a short command's time. A cache that
// cannot be read or written only costs that speed-up.

import { fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { xdgCache } from 'xdg-basedir';

/** Where the loader leaves its `load(name)` for programs that load another one lazily. */
export const LOADER_KEY = Symbol.for('ltsp-agent.load-embedded');

function cacheDir(): string | undefined {
  if (process.env['LTSP_AGENT_CODE_CACHE'] === 'off') return undefined;
  if (process.getuid?.() === 0) return '/var/cache/ltsp-agent';
  return xdgCache ? join(xdgCache, 'ltsp-agent') : undefined;
}

/**
 * The programs in the comment at the end of `file`. Its last line is an index of byte ranges
 * ("#index main:START:LENGTH:HASH login:..."), so only the tail and the program that runs are
 * read, not the whole file again. HASH (of the code, computed by build.mjs) keys the code cache.
 */
/** How a program is stored: b base64, z deflated then base64. */
type Encoding = 'b' | 'z';

function programReader(file: string): (name: string) => { encoded: string; hash: string; how: Encoding } | undefined {
  const fd = openSync(file, 'r');
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(Math.min(512, size));
  readSync(fd, tail, 0, tail.length, size - tail.length);
  const index = /#index ([^\n]*)\n\*\/\s*$/.exec(tail.toString('latin1'))?.[1] ?? '';
  const ranges = new Map(
    index
      .split(' ')
      .map((e) => e.split(':'))
      .filter((p) => p.length === 4 || p.length === 5)
      .map(([n, start, len, hash, how]) => [n!, { start: Number(start), len: Number(len), hash: hash!, how: (how === 'z' ? 'z' : 'b') as Encoding }] as const),
  );
  return (name) => {
    const r = ranges.get(name);
    if (!r) return undefined;
    const buf = Buffer.alloc(r.len);
    readSync(fd, buf, 0, r.len, r.start);
    return { encoded: buf.toString('latin1'), hash: r.hash, how: r.how };
  };
}

type Compiled = Script & { name: string; cacheFile?: string; hadCache: boolean };

function compile(name: string, encoded: string, hash: string, how: Encoding): Compiled {
  // zlib only for a deflated program: loading it is a measurable part of a short command.
  const bytes = Buffer.from(encoded, 'base64');
  const source = (how === 'z' ? (require('node:zlib') as typeof import('node:zlib')).inflateRawSync(bytes) : bytes).toString('utf8');
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const dir = cacheDir();
  const cacheFile = dir ? join(dir, `${name}-${hash}-${process.version}.v8`) : undefined;
  let cachedData: Buffer | undefined;
  try {
    if (cacheFile) cachedData = readFileSync(cacheFile);
  } catch {
    /* first run */
  }
  const script = new Script(wrapper, { filename: `ltsp-agent:${name}`, ...(cachedData ? { cachedData } : {}) });
  return Object.assign(script, { name, ...(cacheFile ? { cacheFile } : {}), hadCache: cachedData !== undefined && !script.cachedDataRejected });
}

function saveCache(script: Compiled): void {
  if (!script.cacheFile || script.hadCache) return;
  try {
    mkdirSync(dirname(script.cacheFile), { recursive: true, mode: 0o755 });
    const tmp = `${script.cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o644 });
    renameSync(tmp, script.cacheFile);
    // Caches of earlier builds of this program are of no use any more.
    const prefix = `${script.name}-`;
    for (const f of readdirSync(dirname(script.cacheFile))) {
      if (f.startsWith(prefix) && f.endsWith('.v8') && f !== basename(script.cacheFile)) rmSync(join(dirname(script.cacheFile), f), { force: true });
    }
  } catch {
    /* read-only or no cache directory: compile each time */
  }
}

/** Loader entry: run program `first`, and let it load the others by name. */
export function runEmbedded(first: string, file: string, req: NodeRequire): void {
  const program = programReader(file);
  const loaded = new Map<string, unknown>();
  const load = (name: string): unknown => {
    if (loaded.has(name)) return loaded.get(name);
    const found = program(name);
    if (found === undefined) throw new Error(`ltsp-agent: this build has no "${name}" program (damaged file?)`);
    const script = compile(name, found.encoded, found.hash, found.how);
    const module = { exports: {} as unknown };
    (script.runInThisContext() as (...a: unknown[]) => void)(module.exports, req, module, file, join(file, '..'));
    loaded.set(name, module.exports);
    // After the program has run a little, so that the functions it compiled lazily are in
    // the cache too: at exit for a short command, after a moment for a long-running one.
    let saved = false;
    const save = () => {
      if (!saved) saveCache(script);
      saved = true;
    };
    process.once('beforeExit', save);
    setTimeout(save, 300).unref();
    return module.exports;
  };
  (globalThis as Record<symbol, unknown>)[LOADER_KEY] = load;
  load(first);
}
