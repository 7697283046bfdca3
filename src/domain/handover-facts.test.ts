import { describe, expect, it } from 'vitest';
import { factDifferences, handoverFacts, type HandoverFactSource } from './handover-facts.js';

/** A delivered police handover with every field the facts read, and two they must not. */
const row = {
  id: 'h1',
  referralId: 'r1',
  position: 0,
  url: 'https://a.test/x',
  contentType: 'image',
  state: 'delivered',
  destination: 'police',
  country: 'BE',
  targetHotline: null,
  assignedCountry: null,
  evidence: null,
  decision: { rule: 'x' },
  locatedAt: 1,
  locateAttempts: 0,
  nextAttemptAt: null,
  attemptCount: 1,
  firstAttemptAt: 2,
  leaseToken: null,
  leaseExpiresAt: null,
  reference: 'ref-1',
  secondaryReference: null,
  deliveredAt: 3,
  acknowledgedAt: null,
  closedAt: null,
  lastPolledAt: 9,
  outcome: null,
  failureReason: null,
  overdueAt: null,
  resentAt: null,
  recheckedAt: null,
  parentId: null,
  createdAt: 0,
  updatedAt: 3,
  iccamAssignment: 'assigned',
} as unknown as HandoverFactSource;

describe('handover facts', () => {
  it('digest the same fields as every event recorded so far (ledgers written before keep verifying)', () => {
    // Computed by the facts function as it stood when the first checkpointed ledgers were written.
    expect(handoverFacts(row).digest).toBe('237e4100db76ff4455d18b7eef0a0d46659cfa2a8c30112445039bf1622269dc');
  });

  it('leave out when a destination was last asked (that writes no event)', () => {
    expect(handoverFacts({ ...row, lastPolledAt: 10 } as HandoverFactSource)).toEqual(handoverFacts(row));
  });

  it('hold the ICCAM assignment in the clear, outside the digest, and compare it only where it was recorded', () => {
    const assigned = handoverFacts(row);
    const gaveUp = handoverFacts({ ...row, iccamAssignment: 'gave-up' } as HandoverFactSource);
    expect(gaveUp.digest).toBe(assigned.digest);
    expect(factDifferences(assigned, gaveUp)).toEqual(['iccamAssignment is "gave-up", trail says "assigned"']);
    // Facts recorded before events held the assignment: the row is not compared on it.
    const { iccamAssignment: _, ...recordedBefore } = assigned;
    expect(factDifferences(recordedBefore, gaveUp)).toEqual([]);
  });

  it('hold when the content came down and when the case went past the last mark in the clear, compared only where recorded', () => {
    const open = handoverFacts({ ...row, contentRemovedAt: null, removalOverdueAt: null } as HandoverFactSource);
    const down = handoverFacts({ ...row, contentRemovedAt: 1_000, removalOverdueAt: 900 } as HandoverFactSource);
    // Outside the digest: events recorded before these columns existed keep verifying.
    expect(down.digest).toBe(handoverFacts(row).digest);
    expect(factDifferences(open, down)).toEqual(['contentRemovedAt is 1000, trail says null', 'removalOverdueAt is 900, trail says null']);
    const { contentRemovedAt: _, removalOverdueAt: __, ...recordedBefore } = open;
    expect(factDifferences(recordedBefore, down)).toEqual([]);
  });

  it('hold the columns added since in a digest of their own, compared only where it was recorded', () => {
    const before = handoverFacts(row);
    const told = handoverFacts({ ...row, iccamTold: { reference: { at: 5 } } } as HandoverFactSource);
    expect(told.digest).toBe(before.digest);
    expect(told.laterDigest).not.toBe(before.laterDigest);
    expect(factDifferences(before, told)).toEqual(['other columns differ from what the trail last recorded']);
    // Facts recorded before the later columns existed: the row is not compared on them.
    const { laterDigest: _, ...recordedBefore } = before;
    expect(factDifferences(recordedBefore, told)).toEqual([]);
    // Absent later fields are their defaults, so a row read back compares equal.
    expect(handoverFacts({ ...row, iccamAssignmentTries: 0, sendingToken: null } as HandoverFactSource).laterDigest).toBe(before.laterDigest);
  });

  it('name a clear field that differs, and only "other columns" for a digested one', () => {
    expect(factDifferences(handoverFacts(row), handoverFacts({ ...row, reference: 'ref-2' }))).toEqual(['reference is "ref-2", trail says "ref-1"']);
    expect(factDifferences(handoverFacts(row), handoverFacts({ ...row, attemptCount: 2 }))).toEqual(['other columns differ from what the trail last recorded']);
  });
});
