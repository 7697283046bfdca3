/**
 * When to try a delivery again (contract §4): exponential backoff with jitter, honouring a
 * destination's `Retry-After`, within a total budget measured from the first attempt. Pure:
 * the caller passes the time and the random source, so a schedule can be replayed in a test.
 */
import type { Random } from './clock.js';

/**
 * - `full`: anywhere in [0, step] — spreads a herd of retries best (the AWS analysis).
 * - `equal`: in [step/2, step] — never much sooner than the step, so a destination that is
 *   down is not asked again almost at once. The default, since we have few, precious partners.
 */
type JitterMode = 'full' | 'equal';

export interface RetrySchedule {
  /** The step before the first retry; doubles with every further failure. */
  baseMs: number;
  /** No step grows beyond this. */
  capMs: number;
  jitter: JitterMode;
  /** No retry sooner than this, whatever the jitter drew. */
  floorMs: number;
  /** The longest `Retry-After` we honour; a longer one is cut to this (a typo must not stall us for weeks). */
  retryAfterCapMs: number;
  /** From the first attempt; no attempt is scheduled after firstAttemptAt + budgetMs. */
  budgetMs: number;
  /** Optional cap on the number of attempts, counted with the first. */
  maxAttempts?: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Steps of 30 s, 1 min, 2 min, ... doubling up to 6 h, for three days from the first attempt:
 * 21 to 33 attempts in all depending on the jitter (25 at the mean), ten of them in the first
 * eight hours.
 */
export const DEFAULT_RETRY_SCHEDULE: Readonly<RetrySchedule> = Object.freeze({
  baseMs: 30 * SECOND,
  capMs: 6 * HOUR,
  jitter: 'equal',
  floorMs: SECOND,
  retryAfterCapMs: 6 * HOUR,
  budgetMs: 72 * HOUR,
});

export interface NextAttemptInput {
  /** How many attempts have been made so far, the one that just failed included (1 after the first). */
  attempt: number;
  firstAttemptAt: Date;
  now: Date;
  /** From the failed response's `Retry-After` (see parseRetryAfter), if it had one. */
  retryAfterMs?: number | null;
  random: Random;
  schedule?: RetrySchedule;
}

export type NextAttempt = { exhausted: false; delayMs: number; at: Date } | { exhausted: true; reason: 'budget' | 'max_attempts' };

export function nextAttemptDelay(input: NextAttemptInput): NextAttempt {
  const schedule = input.schedule ?? DEFAULT_RETRY_SCHEDULE;
  const attempt = Math.max(1, Math.floor(input.attempt));
  if (schedule.maxAttempts !== undefined && attempt >= schedule.maxAttempts) {
    return { exhausted: true, reason: 'max_attempts' };
  }

  // 2 ** (attempt - 1) overflows to Infinity for absurd counts; min() with the cap keeps it finite.
  const step = Math.min(schedule.capMs, schedule.baseMs * 2 ** (attempt - 1));
  const draw = clampUnit(input.random());
  const jittered = schedule.jitter === 'full' ? step * draw : step / 2 + (step / 2) * draw;
  let delayMs = Math.max(schedule.floorMs, Math.round(jittered));

  if (input.retryAfterMs !== undefined && input.retryAfterMs !== null && Number.isFinite(input.retryAfterMs)) {
    // Honoured as "not before": a shorter Retry-After never hurries our own backoff.
    delayMs = Math.max(delayMs, Math.min(Math.max(0, input.retryAfterMs), schedule.retryAfterCapMs));
  }

  const at = input.now.getTime() + delayMs;
  if (at > input.firstAttemptAt.getTime() + schedule.budgetMs) {
    return { exhausted: true, reason: 'budget' };
  }
  return { exhausted: false, delayMs, at: new Date(at) };
}

/**
 * `Retry-After` in either form (RFC 9110 §10.2.3): delay-seconds or an HTTP-date. Returns
 * milliseconds from `now` (0 for a date in the past), or null when absent or unreadable.
 */
export function parseRetryAfter(header: string | readonly string[] | null | undefined, now: Date): number | null {
  const value = (typeof header === 'string' ? header : header?.[0])?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+$/.test(value)) {
    const seconds = Number(value);
    return Number.isSafeInteger(seconds * SECOND) ? seconds * SECOND : null;
  }
  const at = parseHttpDate(value);
  if (at === null) return null;
  return Math.max(0, at - now.getTime());
}

const IMF_FIXDATE = /^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Za-z]+, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * The three HTTP-date forms only. Date.parse on its own reads almost anything ("1.5", "soon 5")
 * as some date, and reads asctime in local time although HTTP means GMT.
 */
function parseHttpDate(value: string): number | null {
  let text: string;
  if (IMF_FIXDATE.test(value) || RFC850_DATE.test(value)) text = value;
  else if (ASCTIME_DATE.test(value)) text = `${value} GMT`;
  else return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : at;
}

/** A Random that strays outside [0, 1) must not produce a negative or doubled delay. */
function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
