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

/**
 * Optimal-string-alignment distance (Levenshtein plus swapping two neighbours), or
 * `limit + 1` as soon as the distance is known to exceed `limit`.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev: number[] = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur: number[] = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
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
const SQUASHED = new Map<string, string>();
for (const name of exactKeyNames()) if (!SQUASHED.has(squash(name))) SQUASHED.set(squash(name), name);

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
  const same = SQUASHED.get(squash(upper));
  if (same !== undefined) offer(same, 0);

  if (found.size === 0) {
    const limit = tolerance(upper.length);
    for (const candidate of exactKeyNames()) {
      const d = editDistance(upper, candidate, limit);
      if (d <= limit) offer(candidate, d);
    }
    // Family names: mend the literal part (head or tail) and keep the admin's own index/name.
    for (const { head, tail } of familyShapes()) {
      for (const [literal, atStart] of [
        [head, true],
        [tail, false],
      ] as const) {
        if (literal.length < 3) continue;
        // A tail (_VOLUME, _DEVICE) is short and common; mend it only for a single slip.
        const lim = atStart ? tolerance(literal.length) : Math.min(1, tolerance(literal.length));
        for (let cut = Math.max(1, literal.length - lim); cut <= Math.min(upper.length - 1, literal.length + lim); cut++) {
          const part = atStart ? upper.slice(0, cut) : upper.slice(upper.length - cut);
          const d = editDistance(part, literal, lim);
          if (d > lim) continue;
          offer(atStart ? literal + upper.slice(cut) : upper.slice(0, upper.length - cut) + literal, d);
        }
      }
    }
  }

  const best = Math.min(...found.values());
  return [...found.entries()]
    .filter(([, d]) => d === best)
    .map(([k]) => k)
    .slice(0, MAX_SUGGESTIONS);
}
