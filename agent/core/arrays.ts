// `to.push(...items)` and `Math.max(...xs)` pass every element as an argument on the stack:
// past some 100,000 elements (a step with that many actions, that many lts.conf problems)
// they throw "Maximum call stack size exceeded". For data whose size the input decides, these.

/** Appends every item to `to`, one at a time; returns `to`. */
export function pushAll<T>(to: T[], items: Iterable<T>): T[] {
  for (const x of items) to.push(x);
  return to;
}

/** The largest of `xs`, or `empty` when there is none. */
export function maxOf(xs: Iterable<number>, empty = -Infinity): number {
  let m = empty;
  let any = false;
  for (const x of xs) {
    m = any ? Math.max(m, x) : x;
    any = true;
  }
  return any ? m : empty;
}
