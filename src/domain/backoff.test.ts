import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, nextAttemptDelay, parseRetryAfter, type RetrySchedule } from './backoff.js';

const start = new Date('2026-11-29T10:00:00.000Z');
const schedule: RetrySchedule = {
  baseMs: 1_000,
  capMs: 60_000,
  jitter: 'equal',
  floorMs: 100,
  retryAfterCapMs: 120_000,
  budgetMs: 3_600_000,
};
const fixed = (value: number) => () => value;

function delayOf(result: ReturnType<typeof nextAttemptDelay>): number {
  if (result.exhausted) throw new Error(`unexpectedly exhausted (${result.reason})`);
  return result.delayMs;
}

describe('nextAttemptDelay: exponential steps', () => {
  it.each([
    { attempt: 1, jitter: 'equal' as const, random: 0, delay: 500 },
    { attempt: 1, jitter: 'equal' as const, random: 0.5, delay: 750 },
    { attempt: 2, jitter: 'equal' as const, random: 0, delay: 1_000 },
    { attempt: 3, jitter: 'equal' as const, random: 0.999_999, delay: 4_000 },
    { attempt: 7, jitter: 'equal' as const, random: 0, delay: 30_000 }, // 64 s step capped at 60 s
    { attempt: 1, jitter: 'full' as const, random: 0, delay: 100 }, // the floor
    { attempt: 4, jitter: 'full' as const, random: 0.25, delay: 2_000 },
    { attempt: 50, jitter: 'full' as const, random: 0.5, delay: 30_000 },
  ])('attempt $attempt, $jitter jitter, random $random → $delay ms', ({ attempt, jitter, random, delay }) => {
    const result = nextAttemptDelay({ attempt, firstAttemptAt: start, now: start, random: fixed(random), schedule: { ...schedule, jitter } });
    expect(delayOf(result)).toBe(delay);
  });

  it('stays within [floor, cap] and within the jitter band for every attempt and draw', () => {
    for (const jitter of ['full', 'equal'] as const) {
      for (let attempt = 1; attempt <= 40; attempt += 1) {
        const step = Math.min(schedule.capMs, schedule.baseMs * 2 ** (attempt - 1));
        for (const draw of [0, 0.1, 0.5, 0.9, 0.999]) {
          const delay = delayOf(nextAttemptDelay({ attempt, firstAttemptAt: start, now: start, random: fixed(draw), schedule: { ...schedule, jitter } }));
          const lower = Math.max(schedule.floorMs, jitter === 'full' ? 0 : step / 2);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(lower));
          expect(delay).toBeLessThanOrEqual(Math.max(schedule.floorMs, step));
        }
      }
    }
  });

  it('keeps a finite delay for an absurd attempt count and a misbehaving random source', () => {
    for (const draw of [Number.NaN, -1, 7]) {
      const delay = delayOf(nextAttemptDelay({ attempt: 5_000, firstAttemptAt: start, now: start, random: fixed(draw), schedule }));
      expect(delay).toBeGreaterThanOrEqual(schedule.capMs / 2);
      expect(delay).toBeLessThanOrEqual(schedule.capMs);
    }
  });

  it('returns the absolute time of the next attempt', () => {
    const now = new Date(start.getTime() + 10_000);
    const result = nextAttemptDelay({ attempt: 2, firstAttemptAt: start, now, random: fixed(0), schedule });
    expect(result).toEqual({ exhausted: false, delayMs: 1_000, at: new Date(start.getTime() + 11_000) });
  });
});

describe('nextAttemptDelay: Retry-After', () => {
  const at = (retryAfterMs: number | null) =>
    delayOf(nextAttemptDelay({ attempt: 2, firstAttemptAt: start, now: start, retryAfterMs, random: fixed(0), schedule }));

  it('waits at least as long as the destination asks', () => {
    expect(at(45_000)).toBe(45_000);
  });
  it('does not hurry the backoff for a shorter Retry-After', () => {
    expect(at(10)).toBe(1_000);
    expect(at(0)).toBe(1_000);
  });
  it('caps an excessive Retry-After', () => {
    expect(at(30 * 24 * 3_600_000)).toBe(120_000);
  });
  it('ignores null and negative values', () => {
    expect(at(null)).toBe(1_000);
    expect(at(-5_000)).toBe(1_000);
  });
});

describe('nextAttemptDelay: budget', () => {
  it('is exhausted when the next attempt would fall after the budget', () => {
    const now = new Date(start.getTime() + schedule.budgetMs - 400);
    expect(nextAttemptDelay({ attempt: 1, firstAttemptAt: start, now, random: fixed(0), schedule })).toEqual({ exhausted: true, reason: 'budget' });
  });

  it('still schedules an attempt that lands exactly at the end of the budget', () => {
    const now = new Date(start.getTime() + schedule.budgetMs - 500);
    const result = nextAttemptDelay({ attempt: 1, firstAttemptAt: start, now, random: fixed(0), schedule });
    expect(result).toMatchObject({ exhausted: false, delayMs: 500 });
  });

  it('is exhausted when a Retry-After reaches past the budget', () => {
    const now = new Date(start.getTime() + schedule.budgetMs - 60_000);
    const result = nextAttemptDelay({ attempt: 1, firstAttemptAt: start, now, retryAfterMs: 90_000, random: fixed(0), schedule });
    expect(result).toEqual({ exhausted: true, reason: 'budget' });
  });

  it('honours an optional attempt cap', () => {
    const capped = { ...schedule, maxAttempts: 3 };
    expect(nextAttemptDelay({ attempt: 2, firstAttemptAt: start, now: start, random: fixed(0), schedule: capped }).exhausted).toBe(false);
    expect(nextAttemptDelay({ attempt: 3, firstAttemptAt: start, now: start, random: fixed(0), schedule: capped })).toEqual({
      exhausted: true,
      reason: 'max_attempts',
    });
  });

  it('the default schedule runs about three days', () => {
    let attempts = 1;
    let now = start;
    for (;;) {
      const next = nextAttemptDelay({ attempt: attempts, firstAttemptAt: start, now, random: fixed(0.5) });
      if (next.exhausted) break;
      now = next.at;
      attempts += 1;
    }
    const spanHours = (now.getTime() - start.getTime()) / 3_600_000;
    expect(spanHours).toBeGreaterThan(66);
    expect(spanHours).toBeLessThanOrEqual(72);
    expect(attempts).toBeGreaterThanOrEqual(15);
    expect(attempts).toBeLessThanOrEqual(35);
    expect(DEFAULT_RETRY_SCHEDULE.budgetMs).toBe(72 * 3_600_000);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2026-11-29T10:00:00.000Z');
  it.each([
    { header: '120', expected: 120_000 },
    { header: ' 0 ', expected: 0 },
    { header: ['30', '60'], expected: 30_000 },
    { header: 'Sun, 29 Nov 2026 10:01:00 GMT', expected: 60_000 },
    { header: 'Sunday, 29-Nov-26 10:02:00 GMT', expected: 120_000 },
    { header: 'Sun Nov 29 10:00:30 2026', expected: 30_000 },
    { header: 'Sat, 28 Nov 2026 10:00:00 GMT', expected: 0 },
    { header: '-5', expected: null },
    { header: '1.5', expected: null },
    { header: 'soon 5', expected: null },
    { header: 'Sun, 99 Nov 2026 10:01:00 GMT', expected: null },
    { header: '', expected: null },
    { header: undefined, expected: null },
    { header: null, expected: null },
    { header: '99999999999999999999', expected: null },
  ])('$header → $expected', ({ header, expected }) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
