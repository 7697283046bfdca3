import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitBreakers } from './circuit-breaker.js';
import { ManualClock } from './clock.js';

function setup(options: ConstructorParameters<typeof CircuitBreaker>[1] = {}) {
  const clock = new ManualClock('2026-11-29T10:00:00.000Z');
  const breaker = new CircuitBreaker(clock, { failureThreshold: 3, coolDownMs: 10_000, maxCoolDownMs: 35_000, trialTimeoutMs: 5_000, ...options });
  const fail = (times: number) => {
    for (let i = 0; i < times; i += 1) breaker.recordFailure();
  };
  return { clock, breaker, fail };
}

describe('CircuitBreaker', () => {
  it('stays closed below the consecutive-failure threshold', () => {
    const { breaker, fail } = setup();
    fail(2);
    expect(breaker.state()).toMatchObject({ state: 'closed', consecutiveFailures: 2, trips: 0 });
    expect(breaker.tryAcquire()).toEqual({ allowed: true, trial: false });
  });

  it('a success resets the consecutive count', () => {
    const { breaker, fail } = setup();
    fail(2);
    breaker.recordSuccess();
    fail(2);
    expect(breaker.state().state).toBe('closed');
  });

  it('opens after N consecutive failures and refuses until the cool-down has passed', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    expect(breaker.state()).toMatchObject({
      state: 'open',
      trips: 1,
      openedAt: '2026-11-29T10:00:00.000Z',
      retryAt: '2026-11-29T10:00:10.000Z',
    });
    clock.advance(9_999);
    expect(breaker.tryAcquire()).toEqual({ allowed: false, retryAt: new Date('2026-11-29T10:00:10.000Z') });
  });

  it('half-open after the cool-down lets exactly one trial through', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    clock.advance(10_000);
    expect(breaker.state().state).toBe('half-open');
    expect(breaker.tryAcquire()).toEqual({ allowed: true, trial: true });
    expect(breaker.tryAcquire()).toEqual({ allowed: false, retryAt: new Date('2026-11-29T10:00:15.000Z') });
  });

  it('a successful trial closes the circuit', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    clock.advance(10_000);
    breaker.tryAcquire();
    breaker.recordSuccess();
    expect(breaker.state()).toMatchObject({ state: 'closed', consecutiveFailures: 0, openedAt: null, retryAt: null, trips: 1 });
    expect(breaker.tryAcquire()).toEqual({ allowed: true, trial: false });
  });

  it('a failed trial re-opens with a doubled cool-down, up to the maximum', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    const coolDowns: number[] = [];
    for (let round = 0; round < 4; round += 1) {
      const retryAt = Date.parse(breaker.state().retryAt ?? '');
      coolDowns.push(retryAt - clock.now().getTime());
      clock.set(retryAt);
      expect(breaker.tryAcquire()).toMatchObject({ allowed: true, trial: true });
      breaker.recordFailure();
      expect(breaker.state().state).toBe('open');
    }
    expect(coolDowns).toEqual([10_000, 20_000, 35_000, 35_000]);
    expect(breaker.state().trips).toBe(5);
  });

  it('a closed circuit after a successful trial starts again from the base cool-down', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    clock.advance(10_000);
    breaker.tryAcquire();
    breaker.recordFailure(); // cool-down now 20 s
    clock.advance(20_000);
    breaker.tryAcquire();
    breaker.recordSuccess();
    fail(3);
    expect(Date.parse(breaker.state().retryAt ?? '') - clock.now().getTime()).toBe(10_000);
  });

  it('a trial that never reports frees the slot after the trial timeout', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    clock.advance(10_000);
    expect(breaker.tryAcquire()).toMatchObject({ allowed: true, trial: true });
    clock.advance(4_999);
    expect(breaker.tryAcquire().allowed).toBe(false);
    clock.advance(1);
    expect(breaker.tryAcquire()).toEqual({ allowed: true, trial: true });
  });

  it('a straggling failure while open does not extend the cool-down', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    clock.advance(5_000);
    breaker.recordFailure();
    expect(breaker.state()).toMatchObject({ retryAt: '2026-11-29T10:00:10.000Z', trips: 1 });
  });

  it('a local error during a trial counts as neither outcome and frees the trial slot', () => {
    const { clock, breaker, fail } = setup();
    fail(3);
    clock.advance(10_000);
    expect(breaker.tryAcquire()).toEqual({ allowed: true, trial: true });
    expect(breaker.tryAcquire().allowed).toBe(false); // one trial at a time
    breaker.recordNeither();
    expect(breaker.state()).toMatchObject({ state: 'half-open', trips: 1 });
    expect(breaker.tryAcquire()).toEqual({ allowed: true, trial: true });
  });

  it('rejects a threshold below one', () => {
    expect(() => new CircuitBreaker(new ManualClock(), { failureThreshold: 0 })).toThrow(RangeError);
  });
});

describe('CircuitBreakers', () => {
  it('keeps one independent breaker per destination', () => {
    const clock = new ManualClock('2026-11-29T10:00:00.000Z');
    const breakers = new CircuitBreakers<'police' | 'inhope'>(clock, { failureThreshold: 1 });
    breakers.for('police').recordFailure();
    expect(breakers.for('police')).toBe(breakers.for('police'));
    expect(breakers.for('inhope').tryAcquire().allowed).toBe(true);
    const states = breakers.states();
    expect(states.police.state).toBe('open');
    expect(states.inhope.state).toBe('closed');
  });
});
