// The cases of the lts.conf fuzz test (ltsconf-fuzz.test.ts), run in a child process that the
// test watches: it reports each case's start and end over IPC, and the test kills it when a case
// runs past its time bound (the child's heap is bounded by --max-old-space-size).
//   node --import tsx test/unit/ltsconf-fuzz-runner.ts SEED FIRST COUNT
// Case i uses the seed SEED + i alone, so one case can be run again by itself.

import assert from 'node:assert/strict';
import { parseLtsConf, type IncludeReader, type ParsedConf } from '../../agent/config/ltsconf-parse.ts';
import { resolveLtsConf, type Identity } from '../../agent/config/ltsconf-resolve.ts';
import { checkResolvedValues } from '../../agent/config/key-check.ts';
import { asciiUpper } from '../../agent/config/fnmatch.ts';
import { mulberry32 } from '../lab/random.ts';
export { mulberry32 };


interface Case {
  kind: string;
  main: string | Buffer;
  /** In-memory files for `include`. */
  files: Map<string, string | Buffer>;
  ids: Identity[];
}

const KEYS = ['SERVER', 'LDM_SERVER', 'SOUND', 'X_COLOR_DEPTH', 'XKBLAYOUT', 'SCREEN_07', 'SCREEN_02_LDM_SEVER', 'MODULE_01', 'CRONTAB_01', 'LDM_PASWORD', 'PCM_VOLUM', 'X_MONTOR_OPTION_01', 'HOSTNAME', 'UNKNOWN_KEY', 'ldm_autologin', 'LIKE', 'like'];
const NAMES = ['default', 'Default', 'pc01', 'pc*', 'PC0?', '10.0.0.*', '52:54:*', '*', '[a-z]*', '*a*a*a*a*a*a*a*a*b', '[!x]*', '\\*', 'lab', 'base', 'room-b', 'ÄÖ', 'x'];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}
const int = (r: () => number, n: number) => Math.floor(r() * n);

function randomIdentity(r: () => number): Identity {
  const host = r() < 0.2 ? 'a'.repeat(40 + int(r, 60)) : pick(r, ['pc01', 'pc02', 'lab', 'x', '', 'ÄÖ', 'ltsp20']);
  return r() < 0.3 ? { hostname: host } : { hostname: host, ip: pick(r, ['10.0.0.7', '', '192.168.67.20']), mac: pick(r, ['52:54:00:00:00:07', '', '00:11:22:33:44:55']) };
}

/** Random sections with LIKE webs: diamonds, cycles, self LIKEs, missing targets. */
function webCase(r: () => number, sections: number): string {
  const names: string[] = [];
  for (let i = 0; i < sections; i++) names.push(r() < 0.3 ? pick(r, NAMES) : `s${i}`);
  const parts: string[] = [];
  for (let i = 0; i < sections; i++) {
    parts.push(`[${names[i]}]\n`);
    const n = 1 + int(r, 6);
    for (let d = 0; d < n; d++) {
      if (r() < 0.4) parts.push(`LIKE=${r() < 0.05 ? 'nothere' : pick(r, names)}\n`);
      else parts.push(`${pick(r, KEYS)}=${r() < 0.1 ? 'NONE' : r() < 0.2 ? `"${'v '.repeat(int(r, 5))}"` : `v${int(r, 100)}`}\n`);
    }
  }
  return parts.join('');
}

/** Levels of two sections each LIKE-ing both of the next level, plus random back and cross LIKEs. */
function diamondCase(r: () => number, depth: number): string {
  const parts = ['[pc01]\nLIKE=a0\nLIKE=b0\nTOP=1\n'];
  for (let i = 0; i < depth; i++) {
    for (const s of ['a', 'b']) {
      parts.push(`[${s}${i}]\nK${i}=${s}\n`);
      if (i + 1 < depth) parts.push(`LIKE=a${i + 1}\nLIKE=b${i + 1}\n`);
      if (r() < 0.1) parts.push(`LIKE=${pick(r, ['a', 'b'])}${int(r, depth)}\n`);
    }
  }
  return parts.join('') + '[default]\nD=1\n';
}

function chainCase(r: () => number, n: number): string {
  const parts = ['[pc01]\nLIKE=c0\n'];
  for (let i = 0; i < n; i++) parts.push(`[c${i}]\nK${i % 13}=${i}\n${i + 1 < n ? `LIKE=c${i + 1}\n` : r() < 0.5 ? 'LIKE=c0\n' : ''}`);
  return parts.join('');
}

/** Bytes shells and lexers care about, CR/LF/NUL, 0xFF, and the occasional very long line. */
function oddBytesCase(r: () => number): Buffer {
  const alphabet = Buffer.from('[]="\'#\n\r\t \0\x01\x7f\xff\xc3\xa4abcAB_=01:.*?!\\$`(){}include LIKE=', 'latin1');
  const len = int(r, 4000);
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i++) out[i] = alphabet[int(r, alphabet.length)]!;
  if (r() < 0.3) {
    const long = Buffer.alloc(int(r, 1 << 20), r() < 0.5 ? 0x61 : 0x3d);
    return Buffer.concat([Buffer.from('[default]\nA="'), long, Buffer.from('"\n'), out]);
  }
  return out;
}

/** Files that include each other (cycles, nesting, missing ones), each with a few sections. */
function includeCase(r: () => number): { main: string; files: Map<string, string> } {
  const files = new Map<string, string>();
  const n = 2 + int(r, 14);
  const body = (i: number) => {
    let t = '';
    for (let k = 0; k < 1 + int(r, 4); k++) {
      if (r() < 0.4) t += `include ${r() < 0.1 ? 'missing.conf' : `f${int(r, n)}.conf`}\n`;
      else t += webCase(r, 1 + int(r, 3));
    }
    return t || `[f${i}]\nA=1\n`;
  };
  for (let i = 0; i < n; i++) files.set(`/etc/f${i}.conf`, body(i));
  return { main: `[default]\nM=1\ninclude f0.conf\n${body(-1)}`, files };
}

function manyUnknownKeys(r: () => number, n: number): string {
  const parts = ['[default]\n'];
  for (let i = 0; i < n; i++) {
    const k = r() < 0.5 ? `K${int(r, 1e9).toString(36)}${'Q'.repeat(int(r, 20))}` : `${pick(r, KEYS)}${int(r, 100)}`;
    parts.push(`${k}=1\n`);
  }
  return parts.join('');
}

export function makeCase(seed: number): Case {
  const r = mulberry32(seed);
  const ids = [randomIdentity(r), randomIdentity(r), { hostname: 'pc01', ip: '10.0.0.7', mac: '52:54:00:00:00:07' }];
  const big = r() < 0.05;
  const k = r();
  if (k < 0.3) return { kind: 'web', main: webCase(r, 1 + int(r, big ? 3000 : 60)), files: new Map(), ids };
  if (k < 0.42) return { kind: 'diamond', main: diamondCase(r, 1 + int(r, 30)), files: new Map(), ids };
  if (k < 0.5) return { kind: 'chain', main: chainCase(r, 1 + int(r, big ? 20_000 : 500)), files: new Map(), ids };
  if (k < 0.75) return { kind: 'odd bytes', main: oddBytesCase(r), files: new Map(), ids };
  if (k < 0.92) {
    const c = includeCase(r);
    return { kind: 'includes', main: c.main, files: c.files, ids };
  }
  return { kind: 'unknown keys', main: manyUnknownKeys(r, big ? 10_000 : 1 + int(r, 1000)), files: new Map(), ids };
}

/** Parses, resolves and checks one case, and asserts what must hold whatever the input. */
export function runCase(c: Case): void {
  const readInclude: IncludeReader = (path, from, maxBytes) => {
    const name = path.startsWith('/') ? path : `/etc/${path}`;
    const f = c.files.get(name);
    if (f === undefined) return { ok: false, why: 'no such file' };
    const bytes = Buffer.from(f as string);
    if (bytes.length > maxBytes) return { ok: false, why: 'over the limit' };
    void from;
    return { ok: true, bytes, name, id: name };
  };
  const conf: ParsedConf = parseLtsConf(typeof c.main === 'string' ? Buffer.from(c.main) : c.main, { file: '/etc/lts.conf', readInclude, id: '/etc/lts.conf' });
  for (const p of conf.problems) {
    assert.match(p.code, /^LTSP_[A-Z_]+$/);
    assert.equal(typeof p.message, 'string');
  }
  for (const id of c.ids) {
    const res = resolveLtsConf(conf, id);
    // Each section once; every value from a chained section, each key once.
    const inChain = new Set(res.chain.map((e) => e.section));
    assert.equal(inChain.size, res.chain.length, 'a section entered the chain twice');
    const keys = new Set<string>();
    for (const v of [...res.values, ...res.removed]) {
      assert.ok(!keys.has(v.key), `key ${v.key} resolved twice`);
      keys.add(v.key);
      assert.ok(inChain.has(v.section), 'a value from a section outside the chain');
      assert.ok(v.section.declarations.includes(v.from));
      assert.equal(asciiUpper(v.from.key), v.key);
    }
    // Every key of every chained section is resolved (LIKE aside).
    for (const s of inChain) for (const d of s.declarations) if (asciiUpper(d.key) !== 'LIKE') assert.ok(keys.has(asciiUpper(d.key)), `key ${d.key} lost`);
    // The key checks (with their typo hints) depend on the keys only: once per case.
    if (id === c.ids[0]) for (const p of checkResolvedValues(res.values)) assert.match(p.code, /^LTSP_[A-Z_]+$/);
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const [seed, first, count] = process.argv.slice(2).map(Number) as [number, number, number];
  for (let i = first; i < first + count; i++) {
    process.send!({ case: i, phase: 'start' });
    const c = makeCase(seed + i);
    process.send!({ case: i, phase: 'made', kind: c.kind });
    try {
      runCase(c);
    } catch (e) {
      process.send!({ case: i, phase: 'failed', kind: c.kind, error: (e as Error).stack ?? String(e) });
      process.exit(1);
    }
    process.send!({ case: i, phase: 'done', kind: c.kind, rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024) });
  }
  process.disconnect?.();
}
