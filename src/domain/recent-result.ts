/**
 * The result of a read that outsiders may ask for as often as they like (a readiness probe, a
 * metrics scrape), kept for a short while: however many callers come within `maxAgeMs`, the
 * read runs once. Callers that arrive while it runs share it; a failed read is not kept.
 */
import type { Clock } from './clock.js';

export class RecentResult<T> {
  private current: { startedAt: number; result: Promise<T>; settled: boolean } | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    private readonly read: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = this.clock.now().getTime();
    const current = this.current;
    if (current && (!current.settled || now - current.startedAt < this.maxAgeMs)) return current.result;
    const entry = { startedAt: now, result: this.read(), settled: false };
    this.current = entry;
    entry.result.then(
      () => {
        entry.settled = true;
      },
      () => {
        if (this.current === entry) this.current = null;
      },
    );
    return entry.result;
  }
}
