// Which sections apply to a client and in what order, exactly as getltscfg.c builds its
// "chain", then the values walked from the chain's end to its start:
//
//   1. exact: the first section whose name equals hostname, else IP, else MAC (case-insensitive)
//   2. LIKE:  walk the chain; each LIKE=<name> appends the first section of that exact name
//   3. globs: for hostname, IP, MAC in turn, the first section that matches as a glob but is not
//             equal to the identity; after each such append the WHOLE chain's LIKEs are expanded
//             again (getltscfg's quirk: the exact section's LIKE targets then override the glob)
//   4. the first [default] section
//   5. apply from the end: later (higher) chain entries override; NONE removes a key
//
// getltscfg's chain holds a section again each time a LIKE path reaches it: a "diamond" of
// LIKEs doubles it at each level (2^18 entries at depth 18). Here each section enters the
// chain once: its FIRST copy decides its values' precedence and its LAST copy where its keys
// stand in the output, and both are computed from the LIKE graph in linear time (see
// lastOccurrences), so the result is getltscfg's, byte for byte, whatever the graph.
//
// Unlike getltscfg, a LIKE cycle is reported with its members and broken instead of looping
// forever, and a LIKE naming no section is reported.

import type { Problem } from '../core/errors.ts';
import { asciiLower, asciiUpper, byteString, fnmatchCasefold } from './fnmatch.ts';
import type { Declaration, ParsedConf, Section } from './ltsconf-parse.ts';

export interface Identity {
  hostname?: string | undefined;
  ip?: string | undefined;
  mac?: string | undefined;
}

/** How a section came into the chain, for `config explain`. */
export type ChainReason =
  | { kind: 'exact'; identity: 'hostname' | 'ip' | 'mac' }
  | { kind: 'like'; from: string }
  | { kind: 'glob'; identity: 'hostname' | 'ip' | 'mac' }
  | { kind: 'default' };

export interface ChainEntry {
  readonly section: Section;
  readonly reason: ChainReason;
  /** The entry whose LIKE pulled this one in (cycle detection walks these links). */
  readonly parent: ChainEntry | undefined;
}

export interface ResolvedValue {
  /** Uppercased, as getltscfg prints it. */
  readonly key: string;
  readonly value: string;
  /** The declaration that set the final value. */
  readonly from: Declaration;
  readonly section: Section;
  /** Declarations this one overrode, lowest precedence first. */
  readonly overridden: readonly Declaration[];
}

export interface Resolution {
  readonly chain: readonly ChainEntry[];
  /** In getltscfg's output order (first appearance from the lowest precedence), NONE removed. */
  readonly values: readonly ResolvedValue[];
  /** Keys set to NONE: removed from the output, listed so `explain` can say why. */
  readonly removed: readonly ResolvedValue[];
  readonly problems: readonly Problem[];
}

type IdName = 'hostname' | 'ip' | 'mac';

/** Cycles reported one by one up to this many, then counted. */
const MAX_CYCLE_REPORTS = 20;

interface Edge {
  readonly target: Section;
  readonly decl: Declaration;
}

export function resolveLtsConf(conf: ParsedConf, id: Identity): Resolution {
  const problems: Problem[] = [];
  const sections = conf.sections;
  // getltscfg's identity list: with -n only the hostname; otherwise hostname, IP, MAC
  // (IP and MAC may be empty strings when no interface is up; they then match nothing real).
  const ids: Array<[IdName, string]> = [];
  if (id.hostname !== undefined) ids.push(['hostname', id.hostname]);
  if (id.ip !== undefined) ids.push(['ip', id.ip]);
  if (id.mac !== undefined) ids.push(['mac', id.mac]);

  // getltscfg compares bytes (strcasecmp, fnmatch in the C locale): names and identities are
  // compared as their bytes, ASCII letters folded. Identities are Unicode text (from the OS or
  // argv, i.e. UTF-8); file text is UTF-8, or Latin-1 when it is not valid UTF-8.
  const nameBytes = (s: string) => byteString(s, conf.latin1);
  const nameKey = (s: string) => asciiLower(nameBytes(s));
  const idKey = (s: string) => asciiLower(byteString(s));
  const byName = new Map<string, Section>();
  for (const s of sections) {
    const k = nameKey(s.name);
    if (!byName.has(k)) byName.set(k, s);
    else
      problems.push({
        code: 'LTSP_CONF_SYNTAX',
        severity: 'warning',
        message: `section [${s.name}] appears again (first at line ${byName.get(k)!.line}); LTSP 5 uses only the first one`,
        where: { file: s.file, line: s.line },
      });
  }

  // The roots getltscfg appends, each followed by a walk of the whole chain expanding LIKEs:
  // the exact section, then the glob section of each identity. [default] comes last, unexpanded.
  const roots: ChainEntry[] = [];
  for (const [name, value] of ids) {
    const s = byName.get(idKey(value));
    if (s) {
      roots.push({ section: s, reason: { kind: 'exact', identity: name }, parent: undefined });
      break;
    }
  }
  for (const [name, value] of ids) {
    const lower = idKey(value);
    const s = sections.find((sec) => nameKey(sec.name) !== lower && fnmatchCasefold(nameBytes(sec.name), byteString(value)));
    if (s) roots.push({ section: s, reason: { kind: 'glob', identity: name }, parent: undefined });
  }

  const graph = likeGraph(
    roots.map((r) => r.section),
    (s) => s.declarations,
    (d) => byName.get(nameKey(d.value)),
    problems,
  );

  // First occurrences: a breadth-first walk that lets each section in once. Precedence only
  // depends on where a section FIRST appears in getltscfg's chain (its later copies are
  // applied earlier in the backward walk and overridden), so these entries decide the values.
  const chain: ChainEntry[] = [];
  const inChain = new Set<Section>();
  let walked = 0;
  const enter = (e: ChainEntry) => {
    if (inChain.has(e.section)) return;
    inChain.add(e.section);
    chain.push(e);
  };
  // Last occurrences: where a section appears LAST in getltscfg's chain decides where its keys
  // stand in the output (the backward walk meets them first there). Computed per walk without
  // building the chain: see lastOccurrences().
  const last = new Map<Section, number>();
  const seq = { next: 0 };
  for (const root of roots) {
    enter(root);
    last.set(root.section, seq.next++);
    for (; walked < chain.length; walked++) {
      const entry = chain[walked]!;
      for (const e of graph.edges(entry.section)) enter({ section: e.target, reason: { kind: 'like', from: entry.section.name }, parent: entry });
    }
    lastOccurrences(inChain, graph.edges, last, seq);
  }
  const def = byName.get('default');
  if (def) {
    enter({ section: def, reason: { kind: 'default' }, parent: undefined });
    last.set(def, seq.next++);
  }

  // Each section's keys uppercased once, for both walks below.
  const upper = new Map<Section, string[]>();
  const keysOf = (s: Section) => {
    let k = upper.get(s);
    if (!k) upper.set(s, (k = s.declarations.map((d) => asciiUpper(d.key))));
    return k;
  };
  // Output order: walk the sections from their last occurrence backwards; a key's position is
  // fixed the first time it is met.
  type Entry = { from: Declaration | undefined; section: Section | undefined; overridden: Declaration[] };
  const current = new Map<string, Entry>();
  const order: string[] = [];
  const byLast = [...last.entries()].sort((a, b) => b[1] - a[1]);
  for (const [section] of byLast) {
    for (const key of keysOf(section)) {
      if (key === 'LIKE' || current.has(key)) continue;
      current.set(key, { from: undefined, section: undefined, overridden: [] });
      order.push(key);
    }
  }
  // Values: walk the first occurrences backwards; higher precedence (earlier) replaces.
  for (let c = chain.length - 1; c >= 0; c--) {
    const { section } = chain[c]!;
    const keys = keysOf(section);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (key === 'LIKE') continue;
      const d = section.declarations[i]!;
      const e = current.get(key)!;
      if (e.from) e.overridden.push(e.from);
      e.from = d;
      e.section = section;
    }
  }
  const values: ResolvedValue[] = [];
  const removed: ResolvedValue[] = [];
  for (const key of order) {
    const v = current.get(key)!;
    const rv: ResolvedValue = { key, value: v.from!.value, from: v.from!, section: v.section!, overridden: v.overridden };
    if (asciiUpper(rv.value) === 'NONE') removed.push(rv);
    else values.push(rv);
  }
  return { chain, values, removed, problems };
}

/**
 * The LIKE graph below the roots, made acyclic: a depth-first walk from the roots in order
 * drops each LIKE that points back at a section on the walk's current path (the LIKE that
 * closes a cycle) and reports it; a LIKE naming no section is reported and dropped.
 */
function likeGraph(
  roots: readonly Section[],
  declarations: (s: Section) => readonly Declaration[],
  target: (d: Declaration) => Section | undefined,
  problems: Problem[],
): { edges: (s: Section) => readonly Edge[] } {
  const out = new Map<Section, Edge[]>();
  const all = (s: Section): Edge[] => {
    let list = out.get(s);
    if (list) return list;
    list = [];
    for (const d of declarations(s)) {
      if (d.key.length !== 4 || asciiUpper(d.key) !== 'LIKE') continue;
      const t = target(d);
      if (t) list.push({ target: t, decl: d });
      else
        problems.push({
          code: 'LTSP_CONF_LIKE_MISSING',
          severity: 'warning',
          message: `LIKE=${d.value}: there is no section [${d.value}]; ignored`,
          where: { file: d.file, line: d.line, key: 'LIKE' },
        });
    }
    out.set(s, list);
    return list;
  };
  const closing = new Set<Declaration>();
  const done = new Set<Section>();
  const onPath = new Map<Section, number>();
  const path: Section[] = [];
  const next: number[] = [];
  let cycles = 0;
  for (const root of roots) {
    if (done.has(root)) continue;
    path.push(root);
    next.push(0);
    onPath.set(root, 0);
    while (path.length > 0) {
      const top = path.length - 1;
      const s = path[top]!;
      const edges = all(s);
      const i = next[top]!;
      if (i >= edges.length) {
        path.pop();
        next.pop();
        onPath.delete(s);
        done.add(s);
        continue;
      }
      next[top] = i + 1;
      const e = edges[i]!;
      const at = onPath.get(e.target);
      if (at !== undefined) {
        closing.add(e.decl);
        if (++cycles <= MAX_CYCLE_REPORTS) {
          problems.push({
            code: 'LTSP_CONF_LIKE_CYCLE',
            message: `LIKE cycle ${showCycle(path.slice(at))}; the LIKE that closes it is ignored (LTSP 5's getltscfg would loop forever)`,
            where: { file: e.decl.file, line: e.decl.line, key: 'LIKE' },
            hint: 'remove one of the LIKE lines in the cycle',
          });
        }
        continue;
      }
      if (done.has(e.target)) continue;
      onPath.set(e.target, path.length);
      path.push(e.target);
      next.push(0);
    }
  }
  if (cycles > MAX_CYCLE_REPORTS) {
    problems.push({
      code: 'LTSP_CONF_LIKE_CYCLE',
      message: `${cycles - MAX_CYCLE_REPORTS} more LIKE lines close cycles; each is ignored`,
      where: {},
      hint: 'remove the LIKE lines that point back at a section that already LIKEs them',
    });
  }
  const kept = new Map<Section, Edge[]>();
  return {
    edges: (s) => {
      let list = kept.get(s);
      if (!list) {
        list = all(s).filter((e) => !closing.has(e.decl));
        kept.set(s, list);
      }
      return list;
    },
  };
}

function showCycle(members: Section[]): string {
  const names = members.map((s) => `[${s.name}]`);
  const shown = names.length > 8 ? [...names.slice(0, 4), `... ${names.length - 7} more ...`, ...names.slice(-3)] : names;
  return [...shown, names[0]].join(' -> ');
}

/**
 * Where each section of `closure` appears last after getltscfg's walk of the whole chain,
 * as ranks in `last` (higher is later), without building that chain (which doubles at each
 * level of a diamond). The walk appends, for every entry of the chain in order, the sections it
 * LIKEs, and walks what it appended too: a breadth-first walk of the LIKE graph unfolded into a
 * tree, starting from every entry. An entry's position is therefore (its depth below the entry
 * that started it, then the position of that entry, then the LIKE indices along the way), so a
 * section's last copy is at its greatest depth, which is the longest LIKE path reaching it inside
 * the closure; among those, below the latest parent at the level above, by its last LIKE there.
 * Linear in sections + LIKE lines (plus one sort of the top level).
 */
function lastOccurrences(
  closure: ReadonlySet<Section>,
  edges: (s: Section) => readonly Edge[],
  last: Map<Section, number>,
  seq: { next: number },
): void {
  // Sections numbered 0..n-1 in closure order; arrays instead of maps (40,000-section chains).
  const list = [...closure];
  const n = list.length;
  const num = new Map<Section, number>();
  for (let i = 0; i < n; i++) num.set(list[i]!, i);
  const adj: Int32Array[] = list.map((s) => Int32Array.from(edges(s), (e) => num.get(e.target)!));
  // Longest path depth of every section (Kahn's order over the acyclic LIKE graph).
  const indegree = new Int32Array(n);
  for (const a of adj) for (const t of a) indegree[t]!++;
  const depth = new Int32Array(n);
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) if (indegree[i] === 0) queue[tail++] = i;
  let maxDepth = 0;
  for (let q = 0; q < tail; q++) {
    const s = queue[q]!;
    const d = depth[s]!;
    if (d > maxDepth) maxDepth = d;
    for (const t of adj[s]!) {
      if (depth[t]! < d + 1) depth[t] = d + 1;
      if (--indegree[t]! === 0) queue[tail++] = t;
    }
  }
  if (maxDepth === 0) return;
  // Level 0: the sections no LIKE of the closure names, in the order of their last copies.
  let above: number[] = [];
  for (let i = 0; i < n; i++) if (depth[i] === 0) above.push(i);
  above.sort((a, b) => last.get(list[a]!)! - last.get(list[b]!)!);
  const met = new Int32Array(n).fill(-1);
  for (let k = 1; k <= maxDepth; k++) {
    // The latest parent first, its last LIKE first: the first time a section is met is its last copy.
    const level: number[] = [];
    for (let p = above.length - 1; p >= 0; p--) {
      const a = adj[above[p]!]!;
      for (let i = a.length - 1; i >= 0; i--) {
        const t = a[i]!;
        if (depth[t] === k && met[t] !== k) {
          met[t] = k;
          level.push(t);
        }
      }
    }
    level.reverse();
    for (const t of level) last.set(list[t]!, seq.next++);
    above = level;
  }
}
