/**
 * A circuit breaker per destination: when the police export or ICCAM keeps failing, stop
 * sending for a while instead of burning every handover's retry budget against a wall, then
 * let a single trial through to see whether it is back. State and an injected clock only: no
 * timers, so the dispatcher asks it before each attempt and tells it the outcome after.
 *
 * What counts as a failure is the caller's call: outages (5xx, 429, timeouts, connection
 * errors) should; a 4xx that rejects one handover says nothing about the destination and
 * should be recorded as neither.
 */
import type { Clock } from './clock.js';

/** `half-open`: the cool-down has passed; one trial may go through. */
type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long the circuit stays open before a trial. */
  coolDownMs: number;
  /** Each failed trial doubles the cool-down, up to this. */
  maxCoolDownMs: number;
  /** A trial whose outcome was never reported (a crashed worker) frees the slot after this. */
  trialTimeoutMs: number;
}

const DEFAULT_CIRCUIT_BREAKER_OPTIONS: Readonly<CircuitBreakerOptions> = Object.freeze({
  failureThreshold: 5,
  coolDownMs: 60_000,
  maxCoolDownMs: 30 * 60_000,
  trialTimeoutMs: 2 * 60_000,
});

export type Admission = { allowed: true; trial: boolean } | { allowed: false; retryAt: Date };

/** What /readyz and the console show (the metrics have only hrr_destination_circuit_open, 1 while open). */
export interface CircuitSnapshot {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: string | null;
  /** When the next trial may go (open), or null. */
  retryAt: string | null;
  /** How many times the circuit has opened since start. */
  trips: number;
}

export class CircuitBreaker {
  private readonly options: CircuitBreakerOptions;
  private open = false;
  private openedAt: number | null = null;
  private openUntil = 0;
  private coolDownMs: number;
  private trialStartedAt: number | null = null;
  private consecutiveFailures = 0;
  private trips = 0;

  constructor(
    private readonly clock: Clock,
    options: Partial<CircuitBreakerOptions> = {},
  ) {
    this.options = { ...DEFAULT_CIRCUIT_BREAKER_OPTIONS, ...options };
    if (!(this.options.failureThreshold >= 1)) throw new RangeError('failureThreshold must be at least 1');
    this.coolDownMs = this.options.coolDownMs;
  }

  /** Ask before an attempt. A granted trial must be followed by recordSuccess or recordFailure. */
  tryAcquire(): Admission {
    if (!this.open) return { allowed: true, trial: false };
    const now = this.clock.now().getTime();
    if (now < this.openUntil) return { allowed: false, retryAt: new Date(this.openUntil) };
    if (this.trialStartedAt !== null && now - this.trialStartedAt < this.options.trialTimeoutMs) {
      return { allowed: false, retryAt: new Date(this.trialStartedAt + this.options.trialTimeoutMs) };
    }
    this.trialStartedAt = now;
    return { allowed: true, trial: true };
  }

  /** Any success shows the destination answers: the circuit closes and forgets past failures. */
  recordSuccess(): void {
    this.open = false;
    this.openedAt = null;
    this.trialStartedAt = null;
    this.coolDownMs = this.options.coolDownMs;
    this.consecutiveFailures = 0;
  }

  /**
   * The granted attempt never reached the destination (a local error): it says nothing about
   * the destination, so it counts as neither outcome, and a trial slot it held is free at once.
   */
  recordNeither(): void {
    this.trialStartedAt = null;
  }

  recordFailure(): void {
    const now = this.clock.now().getTime();
    if (this.open) {
      // Only the trial's failure counts while open; a straggler from before the trip changes nothing.
      if (this.trialStartedAt === null) return;
      this.consecutiveFailures += 1;
      this.coolDownMs = Math.min(this.options.maxCoolDownMs, this.coolDownMs * 2);
      this.trip(now);
      return;
    }
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= this.options.failureThreshold) {
      this.coolDownMs = this.options.coolDownMs;
      this.trip(now);
    }
  }

  state(): CircuitSnapshot {
    const now = this.clock.now().getTime();
    const state: CircuitState = !this.open ? 'closed' : now < this.openUntil ? 'open' : 'half-open';
    return {
      state,
      consecutiveFailures: this.consecutiveFailures,
      openedAt: this.openedAt === null ? null : new Date(this.openedAt).toISOString(),
      retryAt: this.open ? new Date(this.openUntil).toISOString() : null,
      trips: this.trips,
    };
  }

  private trip(now: number): void {
    this.open = true;
    this.openedAt = now;
    this.openUntil = now + this.coolDownMs;
    this.trialStartedAt = null;
    this.trips += 1;
  }
}

/** One breaker per destination, made on first use with the same clock and options. */
export class CircuitBreakers<Key extends string = string> {
  private readonly breakers = new Map<Key, CircuitBreaker>();
  constructor(
    private readonly clock: Clock,
    private readonly options: Partial<CircuitBreakerOptions> = {},
  ) {}

  for(key: Key): CircuitBreaker {
    let breaker = this.breakers.get(key);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.clock, this.options);
      this.breakers.set(key, breaker);
    }
    return breaker;
  }

  /** Every breaker made so far, by key. */
  states(): Record<Key, CircuitSnapshot> {
    const out = {} as Record<Key, CircuitSnapshot>;
    for (const [key, breaker] of this.breakers) out[key] = breaker.state();
    return out;
  }
}
