import { describe, expect, it } from 'vitest';
import { HANDOVER_STATES, LIVE_STATES, OVER_STATES, allowedNextStates, canTransition, isFinalState, type HandoverState } from './handover-states.js';

// The contract's table, written out again independently so a slip in either copy shows.
const CONTRACT: Record<HandoverState, HandoverState[]> = {
  locating: ['routed', 'needs_review', 'cancelled'],
  needs_review: ['routed', 'locating', 'delivered', 'cancelled'],
  routed: ['delivering', 'locating', 'cancelled'],
  delivering: ['delivered', 'routed', 'failed', 'needs_review'],
  delivered: ['acknowledged', 'closed', 'failed'],
  acknowledged: ['closed'],
  closed: [],
  failed: ['routed', 'cancelled'],
  cancelled: [],
  duplicate: ['locating'],
};

describe('handover state machine', () => {
  for (const from of HANDOVER_STATES) {
    for (const to of HANDOVER_STATES) {
      const allowed = CONTRACT[from].includes(to);
      it(`${from} → ${to} is ${allowed ? 'allowed' : 'refused'}`, () => {
        expect(canTransition(from, to)).toBe(allowed);
      });
    }
  }

  it('closed and cancelled are final, nothing else is', () => {
    expect(HANDOVER_STATES.filter(isFinalState)).toEqual(['closed', 'cancelled']);
  });

  it('every state is live, over, or a duplicate, and only one of them', () => {
    for (const s of HANDOVER_STATES) {
      expect([LIVE_STATES.includes(s), OVER_STATES.includes(s), s === 'duplicate'].filter(Boolean)).toHaveLength(1);
    }
  });

  it('no state may move to itself', () => {
    for (const s of HANDOVER_STATES) expect(allowedNextStates(s)).not.toContain(s);
  });
});
