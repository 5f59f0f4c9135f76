// "Did you mean ...?" for lts.conf keys nobody reads. Admins slip in three ways: a typo
// (SEVER), a missing or extra underscore (LDMAUTOLOGIN, LDM_AUTO_LOGIN), or the wrong shape
// of a family name (SCREEN_7 for SCREEN_07, X_MONTOR_OPTION_01). Each is tried in turn; the
// closest candidates win. A suggestion always names a key that LTSP 5 actually read: an old
// or documented-only name is replaced by the key to use instead.

import {
  exactKeyNames,
  familyShapes,
  findKey,
  matchKey,
  splitScreenOverride,
  type KeySpec,
} from './keys.ts';
import { asciiUpper } from './fnmatch.ts';

/** Names longer than this are garbage, not typos; comparing them would only cost time. */
const MAX_NAME = 120;
const MAX_SUGGESTIONS = 3;

// The distances are computed in a band of width 2 x limit around the diagonal, in reused
// buffers, and exact names are first filtered by the bigrams they share with the name (each
// edit destroys at most three of them), so a file of a million unknown keys costs seconds,
// not hours: most garbage names share no bigram with any real key and need no table at all.

let rowA = new Int32Array(128);
let rowB = new Int32Array(128);
let rowC = new Int32Array(128);

/**
 * The optimal-string-alignment distances from `a` to every prefix of `b` whose length is within
 * `limit` of a's, computed only near the diagonal. Afterwards `lastRow()[j]` holds the distance
 * to b.slice(0, j) for j in [a.length - limit, a.length + limit] (capped at limit + 1). Returns
 * false when every one of them is over `limit` (then lastRow() is meaningless).
 */
function osaBand(a: string, b: string, limit: number): boolean {
  const m = a.length;
  const n = b.length;
  const big = limit + 1;
  if (rowA.length < n + 2) {
    rowA = new Int32Array(n + 2);
    rowB = new Int32Array(n + 2);
    rowC = new Int32Array(n + 2);
  }
  let prev2 = rowA;
  let prev = rowB;
  let cur = rowC;
  const hi0 = Math.min(n, limit);
  for (let j = 0; j <= hi0; j++) prev[j] = j;
  if (hi0 + 1 <= n) prev[hi0 + 1] = big;
  for (let i = 1; i <= m; i++) {
    const lo = Math.max(1, i - limit);
    const hi = Math.min(n, i + limit);
    if (lo > hi) return false;
    cur[lo - 1] = lo === 1 ? (i <= limit ? i : big) : big;
    let rowMin = lo === 1 ? cur[0]! : big;
    const ca = a.charCodeAt(i - 1);
    for (let j = lo; j <= hi; j++) {
      const cb = b.charCodeAt(j - 1);
      let d = prev[j - 1]! + (ca === cb ? 0 : 1);
      const del = prev[j]! + 1;
      if (del < d) d = del;
      const ins = cur[j - 1]! + 1;
      if (ins < d) d = ins;
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        const t = prev2[j - 2]! + 1;
        if (t < d) d = t;
      }
      if (d > big) d = big;
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    if (hi + 1 <= n) cur[hi + 1] = big;
    if (rowMin > limit) return false;
    const t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  last = prev;
  return true;
}
let last = rowB;

/**
 * Optimal-string-alignment distance (Levenshtein plus swapping two neighbours), or
 * `limit + 1` as soon as the distance is known to exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  const lim = Math.min(limit, Math.max(a.length, b.length));
  if (Math.abs(a.length - b.length) > lim) return limit + 1;
  if (!osaBand(a, b, lim)) return limit + 1;
  const d = last[b.length]!;
  return d > lim ? limit + 1 : d;
}

/** How many edits still count as a slip for a name of this length. */
function tolerance(length: number): number {
  if (length <= 3) return 0;
  if (length <= 5) return 1;
  if (length <= 10) return 2;
  return 3;
}

/** The key an admin should write instead of `spec`, or undefined when there is none. */
function preferred(name: string, spec: KeySpec): string | undefined {
  const d = spec.disposition;
  if (d.status === 'renamed') return d.use;
  if (d.status === 'documented-but-ignored') return d.use;
  return name;
}

const squash = (s: string) => s.replace(/[_\-.\s]/g, '');

interface SuggestIndex {
  /** Every exact name by its letters and digits only (LDMSERVER -> LDM_SERVER). */
  readonly squashed: ReadonlyMap<string, string>;
  /** The distinct literal parts of family names (heads like "X_MONITOR_OPTION_", tails like "_VOLUME"). */
  readonly literals: ReadonlyArray<{ literal: string; atStart: boolean; reversed: string }>;
  readonly names: readonly string[];
  /**
   * Exact names (0..names.length-1) then literals, and for each bigram the entries holding it
   * with how often. A name sharing fewer than (length - 1) - 3 x limit bigrams with an entry is
   * more than `limit` edits from it.
   */
  readonly bigrams: ReadonlyMap<number, Array<[entry: number, count: number]>>;
  readonly shared: Int32Array;
}

let built: SuggestIndex | undefined;

/** Built on the first unknown key, not at load: most lts.conf files have none. */
function suggestIndex(): SuggestIndex {
  if (built) return built;
  const squashed = new Map<string, string>();
  for (const name of exactKeyNames()) if (!squashed.has(squash(name))) squashed.set(squash(name), name);
  const literals: Array<{ literal: string; atStart: boolean; reversed: string }> = [];
  const seen = new Set<string>();
  for (const { head, tail } of familyShapes()) {
    for (const [literal, atStart] of [
      [head, true],
      [tail, false],
    ] as const) {
      if (literal.length < 3 || seen.has(`${atStart}${literal}`)) continue;
      seen.add(`${atStart}${literal}`);
      literals.push({ literal, atStart, reversed: literal.split('').reverse().join('') });
    }
  }
  const names = exactKeyNames();
  const entries = [...names, ...literals.map((l) => l.literal)];
  const index = new Map<number, Array<[entry: number, count: number]>>();
  entries.forEach((name, i) => {
    for (const [g, c] of bigrams(name)) {
      const list = index.get(g) ?? [];
      list.push([i, c]);
      index.set(g, list);
    }
  });
  built = { squashed, literals, names, bigrams: index, shared: new Int32Array(entries.length) };
  return built;
}

function bigrams(s: string): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 0; i + 1 < s.length; i++) {
    const g = s.charCodeAt(i) * 65536 + s.charCodeAt(i + 1);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

/** Obvious spelling fixes: separators, doubled underscores, a one-digit screen number. */
function normalise(upper: string): string {
  return upper
    .replace(/[\s\-.]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '')
    .replace(/^SCREEN_(\d)(?=_|$)/, 'SCREEN_0$1');
}

/**
 * Keys the admin probably meant by `name` (best first, at most three), or [] when nothing is
 * close. `name` itself is never suggested.
 */
export function suggestKeys(name: string): string[] {
  const upper = asciiUpper(name);
  if (upper.length === 0 || upper.length > MAX_NAME) return [];

  // A per-screen override of an unknown key: suggest for the key part.
  const screen = splitScreenOverride(upper);
  if (screen && !matchKey(screen.key)) {
    return suggestKeys(screen.key).map((k) => `SCREEN_${screen.screen}_${k}`);
  }

  const found = new Map<string, number>();
  const offer = (candidate: string, distance: number) => {
    const spec = findKey(candidate);
    if (!spec) return;
    const use = preferred(candidate, spec);
    if (use === undefined || use === upper) return;
    const had = found.get(use);
    if (had === undefined || distance < had) found.set(use, distance);
  };

  const fixed = normalise(upper);
  if (fixed !== upper) offer(fixed, 0);
  const { squashed, literals, names, bigrams: byBigram, shared } = suggestIndex();
  const same = squashed.get(squash(upper));
  if (same !== undefined) offer(same, 0);

  if (found.size === 0) {
    const limit = tolerance(upper.length);
    shared.fill(0);
    for (const [g, c] of bigrams(upper)) for (const [i, n] of byBigram.get(g) ?? []) shared[i]! += Math.min(c, n);
    for (let i = 0; i < names.length; i++) {
      const candidate = names[i]!;
      if (shared[i]! < Math.max(upper.length, candidate.length) - 1 - 3 * limit) continue;
      const d = editDistance(upper, candidate, limit);
      if (d <= limit) offer(candidate, d);
    }
    // Family names: mend the literal part (head or tail) and keep the admin's own index/name.
    // One band per literal gives its distance to every prefix (head) or suffix (tail) of `upper`.
    const reversedUpper = upper.split('').reverse().join('');
    for (let l = 0; l < literals.length; l++) {
      const { literal, atStart, reversed } = literals[l]!;
      // A tail (_VOLUME, _DEVICE) is short and common; mend it only for a single slip.
      const lim = atStart ? tolerance(literal.length) : Math.min(1, tolerance(literal.length));
      // The prefix or suffix of `upper` that is within lim edits shares its bigrams with `upper`.
      if (shared[names.length + l]! < literal.length - 1 - 3 * lim) continue;
      if (!osaBand(atStart ? literal : reversed, atStart ? upper : reversedUpper, lim)) continue;
      const row = last;
      for (let cut = Math.max(1, literal.length - lim); cut <= Math.min(upper.length - 1, literal.length + lim); cut++) {
        const d = row[cut]!;
        if (d > lim) continue;
        offer(atStart ? literal + upper.slice(cut) : upper.slice(0, upper.length - cut) + literal, d);
      }
    }
  }

  const best = Math.min(...found.values());
  return [...found.entries()]
    .filter(([, d]) => d === best)
    .map(([k]) => k)
    .slice(0, MAX_SUGGESTIONS);
}
