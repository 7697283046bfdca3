/**
 * Pacing as ICCAM's operators ask for it (contract §4 "Pacing"): one call at a time, each
 * starting at least `minIntervalMs` after the previous one started. The meter counts a call
 * that arrives while another is in flight (`parallel`) or too soon after the previous start
 * (`too-soon`); it never refuses anything, it only tells.
 */
import type { IccamPacingViolation } from '../iccam-standin.js';

export class PacingMeter {
  private inFlight = 0;
  private lastStart: number | null = null;
  calls = 0;
  readonly violations: IccamPacingViolation[] = [];

  /**
   * `toleranceMs`: the gap may fall short of `minIntervalMs` by this much before it counts, for
   * a client that paces start-to-start on its side while arrivals jitter by a few ms on
   * loopback. Calls in parallel are counted exactly.
   */
  constructor(
    private readonly minIntervalMs: number,
    private readonly toleranceMs: number,
    private readonly pacingNow: () => number,
    private readonly now: () => Date,
  ) {}

  /** A call arrived; returns the function to call once its answer is over (sent, dropped or abandoned). */
  start(method: string, path: string): () => void {
    const at = this.pacingNow();
    this.calls += 1;
    if (this.inFlight > 0) {
      this.violations.push({ kind: 'parallel', method, path, gapMs: this.lastStart === null ? null : at - this.lastStart, at: this.now().toISOString() });
    } else if (this.lastStart !== null && at - this.lastStart < this.minIntervalMs - this.toleranceMs) {
      this.violations.push({ kind: 'too-soon', method, path, gapMs: at - this.lastStart, at: this.now().toISOString() });
    }
    this.lastStart = at;
    this.inFlight += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight -= 1;
    };
  }

  reset(): void {
    this.calls = 0;
    this.violations.length = 0;
  }
}
