/**
 * ICCAM pacing (contract §4): one ICCAM call at a time for the whole deployment — dispatch,
 * polling, lookups, every replica — at least the pacing interval apart. The gate is a row in
 * the store that only its holder may use (see store/coordination-store.ts); its lease expires, so a
 * holder killed mid-call cannot block the others for longer than one call's deadline.
 *
 * Pacing runs on the wall clock of every process (it is about real calls on a real wire), so it
 * has its own clock and sleep, separate from the business clock a test may be driving.
 */
import { AsyncMutex } from '../../store/async-mutex.js';
import type { Store } from '../../store/store.js';

export interface PacingClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const WALL_CLOCK_PACING: PacingClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface IccamGate {
  /**
   * Runs `call` holding the gate. `pauseAfterMs(result)` can ask for a longer pause before the
   * next call than the pacing interval (ICCAM is not ready at once after a login).
   */
  run<T>(call: () => Promise<T>, pauseAfterMs?: (result: T | undefined) => number): Promise<T>;
}

export interface StoreGateOptions {
  store: Pick<Store, 'acquireIccamGate' | 'releaseIccamGate'>;
  /** Unique per process and adapter. */
  holder: string;
  minIntervalMs: number;
  /** How long a holder may keep the gate: longer than one call can take (its deadline). */
  leaseMs: number;
  clock?: PacingClock;
  /** Longest single wait between two tries while another process holds the gate. */
  maxPollMs?: number;
}

export class StoreIccamGate implements IccamGate {
  private readonly local = new AsyncMutex();
  private readonly clock: PacingClock;
  constructor(private readonly options: StoreGateOptions) {
    this.clock = options.clock ?? WALL_CLOCK_PACING;
  }

  run<T>(call: () => Promise<T>, pauseAfterMs?: (result: T | undefined) => number): Promise<T> {
    // Calls of this process queue here, so only one of them asks the store at a time.
    return this.local.run(async () => {
      await this.acquire();
      let result: T | undefined;
      try {
        result = await call();
        return result;
      } finally {
        const pause = Math.max(this.options.minIntervalMs, pauseAfterMs?.(result) ?? 0);
        // Measured from the end of this call, so the next one starts at least the interval after
        // this one started, whatever the call took. A failed release (store down) lets the lease run out.
        await this.options.store.releaseIccamGate(this.options.holder, this.clock.now() + pause).catch(() => false);
      }
    });
  }

  private async acquire(): Promise<void> {
    const maxPollMs = this.options.maxPollMs ?? 250;
    for (;;) {
      const attempt = await this.options.store.acquireIccamGate(this.options.holder, this.clock.now(), this.options.leaseMs);
      if (attempt.acquired) return;
      await this.clock.sleep(Math.max(1, Math.min(attempt.waitMs, maxPollMs)));
    }
  }
}

/** One process, no store (the CLI's one-off checks, unit tests): the same rules, in memory. */
export class LocalIccamGate implements IccamGate {
  private readonly local = new AsyncMutex();
  private notBefore = 0;
  constructor(
    private readonly minIntervalMs: number,
    private readonly clock: PacingClock = WALL_CLOCK_PACING,
  ) {}

  run<T>(call: () => Promise<T>, pauseAfterMs?: (result: T | undefined) => number): Promise<T> {
    return this.local.run(async () => {
      const wait = this.notBefore - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
      let result: T | undefined;
      try {
        result = await call();
        return result;
      } finally {
        this.notBefore = this.clock.now() + Math.max(this.minIntervalMs, pauseAfterMs?.(result) ?? 0);
      }
    });
  }
}
