import { describe, expect, it } from 'vitest';
import { isSameObservation, planObservation } from './observation.js';
import { removalTime } from './takedown-clock.js';

const NOW = Date.parse('2026-03-05T12:00:00Z');
const SEEN = Date.parse('2026-03-05T08:00:00Z');

describe('what an observation does', () => {
  it.each(['delivered', 'acknowledged'] as const)('a removal on a %s case closes it with that outcome and stops its clock when seen', (state) => {
    for (const kind of ['removed', 'unavailable'] as const) {
      expect(planObservation({ state, contentRemovedAt: null }, kind, SEEN, NOW)).toEqual({
        effect: 'closed',
        to: 'closed',
        set: { closedAt: NOW, outcome: kind, contentRemovedAt: SEEN, overdueAt: null },
      });
    }
  });

  it('gives a case closed without a removal time its time, and changes nothing else', () => {
    expect(planObservation({ state: 'closed', contentRemovedAt: null }, 'removed', SEEN, NOW)).toEqual({
      effect: 'removal_recorded',
      to: 'closed',
      set: { contentRemovedAt: SEEN },
    });
    expect(planObservation({ state: 'closed', contentRemovedAt: SEEN - 1 }, 'removed', SEEN, NOW)).toEqual({ effect: 'recorded', to: 'closed', set: {} });
  });

  it('records "online", and anything seen before delivery or after a failure, without a change', () => {
    expect(planObservation({ state: 'acknowledged', contentRemovedAt: null }, 'online', SEEN, NOW)).toEqual({
      effect: 'recorded',
      to: 'acknowledged',
      set: {},
    });
    for (const state of ['routed', 'needs_review', 'failed', 'cancelled', 'duplicate'] as const) {
      expect(planObservation({ state, contentRemovedAt: null }, 'removed', SEEN, NOW)).toEqual({ effect: 'recorded', to: state, set: {} });
    }
  });

  it('is the same observation when the kind and the moment are', () => {
    const recorded = { kind: 'removed', observedAt: '2026-03-05T08:00:00.000Z', note: 'x', observedBy: 'A', effect: 'closed' };
    expect(isSameObservation(recorded, 'removed', '2026-03-05T08:00:00.000Z')).toBe(true);
    expect(isSameObservation(recorded, 'unavailable', '2026-03-05T08:00:00.000Z')).toBe(false);
    expect(isSameObservation(recorded, 'removed', '2026-03-05T08:00:01.000Z')).toBe(false);
    expect(isSameObservation(null, 'removed', '2026-03-05T08:00:00.000Z')).toBe(false);
  });
});

describe('the time a removal ends the clock', () => {
  it('is the reported time, or now when it cannot be read or lies ahead', () => {
    expect(removalTime('2026-03-05T08:00:00Z', NOW)).toBe(SEEN);
    expect(removalTime(SEEN, NOW)).toBe(SEEN);
    expect(removalTime('soon', NOW)).toBe(NOW);
    expect(removalTime(null, NOW)).toBe(NOW);
    expect(removalTime('2026-03-06T00:00:00Z', NOW)).toBe(NOW);
  });
});
