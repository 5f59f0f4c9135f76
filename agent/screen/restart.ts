// When a screen ends it starts again, as LTSP 5's screen_session loop did. A screen that cannot
// start at all must not spin: LTSP 5's screens ran under init, whose limit is kept here
// (sysvinit: a program started 10 times within 2 minutes is "respawning too fast" and left
// alone for 5 minutes). Pure: the caller passes the clock.

export const FAST_STARTS = 10;
export const FAST_WINDOW_MS = 120_000;
export const FAST_PAUSE_MS = 300_000;

export class RestartPolicy {
  #starts: number[] = [];

  /**
   * Record a start at `now`; returns how long to wait first (0: start at once). After a pause
   * the count begins again.
   */
  beforeStart(now: number): number {
    this.#starts = this.#starts.filter((t) => now - t < FAST_WINDOW_MS);
    if (this.#starts.length >= FAST_STARTS) {
      this.#starts = [now + FAST_PAUSE_MS];
      return FAST_PAUSE_MS;
    }
    this.#starts.push(now);
    return 0;
  }
}
