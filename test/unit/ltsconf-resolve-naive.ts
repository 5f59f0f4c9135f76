// The resolver as it was before it was made linear: it builds getltscfg's chain literally,
// appending a section again each time a LIKE path reaches it (exponential on LIKE diamonds).
// Kept only as the reference the linear resolver is checked against on small acyclic graphs
// (test/unit/ltsconf-resolve.test.ts). On acyclic graphs it is getltscfg.c's algorithm.

import type { Problem } from '../../agent/core/errors.ts';
import { asciiLower, asciiUpper, byteString, fnmatchCasefold } from '../../agent/config/fnmatch.ts';
import type { Declaration, ParsedConf, Section } from '../../agent/config/ltsconf-parse.ts';

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

/** The LIKE path that led to `entry`, from the root of its chain to the entry itself. */
function likePath(entry: ChainEntry): Section[] {
  const path: Section[] = [];
  for (let e: ChainEntry | undefined = entry; e; e = e.parent) path.push(e.section);
  return path.reverse();
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

/** A chain longer than this means a pathological LIKE/glob web; stop and report it. */
const MAX_CHAIN = 1 << 18;

type IdName = 'hostname' | 'ip' | 'mac';

export function resolveNaive(conf: ParsedConf, id: Identity): Resolution {
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

  const chain: ChainEntry[] = [];
  let overflow = false;
  const reportedCycles = new Set<string>();
  const reportedMissing = new Set<Declaration>();
  const append = (e: ChainEntry) => {
    if (chain.length >= MAX_CHAIN) {
      if (!overflow)
        problems.push({
          code: 'LTSP_CONF_LIKE_CYCLE',
          message: `more than ${MAX_CHAIN} sections chained through LIKE; the rest is ignored`,
          where: { file: conf.file },
        });
      overflow = true;
      return;
    }
    chain.push(e);
  };

  const expandLikes = () => {
    for (let c = 0; c < chain.length && !overflow; c++) {
      const entry = chain[c]!;
      for (const d of entry.section.declarations) {
        if (asciiUpper(d.key) !== 'LIKE') continue;
        const target = byName.get(nameKey(d.value));
        if (!target) {
          if (!reportedMissing.has(d)) {
            reportedMissing.add(d);
            problems.push({
              code: 'LTSP_CONF_LIKE_MISSING',
              severity: 'warning',
              message: `LIKE=${d.value}: there is no section [${d.value}]; ignored`,
              where: { file: d.file, line: d.line, key: 'LIKE' },
            });
          }
          continue;
        }
        let closesCycle = false;
        for (let e: ChainEntry | undefined = entry; e && !closesCycle; e = e.parent) closesCycle = e.section === target;
        if (closesCycle) {
          const path = likePath(entry);
          const cycle = [...path.slice(path.indexOf(target)), target].map((s) => `[${s.name}]`).join(' -> ');
          if (!reportedCycles.has(cycle)) {
            reportedCycles.add(cycle);
            problems.push({
              code: 'LTSP_CONF_LIKE_CYCLE',
              message: `LIKE cycle ${cycle}; the LIKE that closes it is ignored (LTSP 5's getltscfg would loop forever)`,
              where: { file: d.file, line: d.line, key: 'LIKE' },
              hint: 'remove one of the LIKE lines in the cycle',
            });
          }
          continue;
        }
        append({ section: target, reason: { kind: 'like', from: entry.section.name }, parent: entry });
      }
    }
  };

  for (const [name, value] of ids) {
    const s = byName.get(idKey(value));
    if (s) {
      append({ section: s, reason: { kind: 'exact', identity: name }, parent: undefined });
      break;
    }
  }
  expandLikes();
  for (const [name, value] of ids) {
    const lower = idKey(value);
    const s = sections.find((sec) => nameKey(sec.name) !== lower && fnmatchCasefold(nameBytes(sec.name), byteString(value)));
    if (s) {
      append({ section: s, reason: { kind: 'glob', identity: name }, parent: undefined });
      expandLikes();
    }
  }
  const def = byName.get('default');
  if (def) append({ section: def, reason: { kind: 'default' }, parent: undefined });

  // Walk from the end: the first time a key is met fixes its output position, later
  // (higher-precedence) entries replace the value in place.
  const order: string[] = [];
  const current = new Map<string, { from: Declaration; section: Section; overridden: Declaration[] }>();
  for (let c = chain.length - 1; c >= 0; c--) {
    const { section } = chain[c]!;
    for (const d of section.declarations) {
      const key = asciiUpper(d.key);
      if (key === 'LIKE') continue;
      const prev = current.get(key);
      if (prev) current.set(key, { from: d, section, overridden: [...prev.overridden, prev.from] });
      else {
        order.push(key);
        current.set(key, { from: d, section, overridden: [] });
      }
    }
  }
  const values: ResolvedValue[] = [];
  const removed: ResolvedValue[] = [];
  for (const key of order) {
    const v = current.get(key)!;
    const rv: ResolvedValue = { key, value: v.from.value, from: v.from, section: v.section, overridden: v.overridden };
    if (asciiUpper(v.from.value) === 'NONE') removed.push(rv);
    else values.push(rv);
  }
  return { chain, values, removed, problems };
}
