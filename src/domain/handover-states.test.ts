import { describe, expect, it } from 'vitest';
import {
  HANDOVER_STATES,
  LIVE_STATES,
  OUTSTANDING_STATES,
  OVER_STATES,
  allowedNextStates,
  canTransition,
  isFinalState,
  type HandoverState,
} from './handover-states.js';

// The contract's table, written out again independently so a slip in either copy shows.
const CONTRACT: Record<HandoverState, HandoverState[]> = {
  locating: ['routed', 'needs_review', 'cancelled'],
  needs_review: ['routed', 'locating', 'delivered', 'cancelled'],
  routed: ['delivering', 'locating', 'cancelled'],
  delivering: ['delivered', 'routed', 'failed', 'needs_review'],
  // needs_review: contract §4, ICCAM refused to reassign the report three times (§1's table lacks it).
  delivered: ['acknowledged', 'closed', 'failed', 'needs_review'],
  acknowledged: ['closed'],
  closed: [],
  failed: ['routed', 'cancelled'],
  cancelled: [],
  duplicate: ['locating'],
  awaiting_assessment: ['locating', 'closed', 'cancelled'],
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

  it('a partner item waiting for its assessment is live (a referral of its URL is a duplicate of it) and outstanding', () => {
    expect(LIVE_STATES).toContain('awaiting_assessment');
    expect(OUTSTANDING_STATES).toContain('awaiting_assessment');
  });

  it('no state may move to itself', () => {
    for (const s of HANDOVER_STATES) expect(allowedNextStates(s)).not.toContain(s);
  });
});
