// When each step started and ended, and what it waited for. Written to the log at the end
// of the boot and to /run/ltsp/timeline.json; `ltsp-agent timeline` draws it.

export type StepOutcome = 'ok' | 'failed' | 'skipped' | 'blocked';

export interface TimelineEntry {
  readonly step: string;
  /** ms since the agent started (process start). */
  readonly queuedAt: number;
  startedAt?: number;
  endedAt?: number;
  outcome?: StepOutcome;
  /** Steps this one waited for. */
  waitedFor: string[];
  detail?: string;
}

export class Timeline {
  readonly origin: number;
  readonly entries: TimelineEntry[] = [];
  readonly marks: Array<{ name: string; at: number }> = [];

  constructor(origin = performance.timeOrigin) {
    this.origin = origin;
  }

  now(): number {
    return Math.round((performance.timeOrigin + performance.now() - this.origin) * 10) / 10;
  }

  mark(name: string): void {
    this.marks.push({ name, at: this.now() });
  }

  queue(step: string, waitedFor: string[]): TimelineEntry {
    const e: TimelineEntry = { step, queuedAt: this.now(), waitedFor };
    this.entries.push(e);
    return e;
  }

  toJSON() {
    return { origin: new Date(this.origin).toISOString(), entries: this.entries, marks: this.marks };
  }
}
