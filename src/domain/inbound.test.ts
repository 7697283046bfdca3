import { describe, expect, it } from 'vitest';
import { dueIccamMessages, inboundSettled, reasonText, type InboundFacts } from './inbound.js';

const claimed = { reference: { at: 1 } };
const item = (over: Partial<InboundFacts> = {}): InboundFacts => ({
  state: 'awaiting_assessment',
  outcome: null,
  destination: null,
  deliveredAt: null,
  partnerAssessment: { classification: 'national', classificationName: 'National CSAM', ageName: null, genderName: null },
  hotlineAssessment: null,
  iccamTold: claimed,
  ...over,
});
const messages = (own: InboundFacts, carrier: InboundFacts | null = null) => dueIccamMessages(own, carrier).map((d) => d.message);
const illegal = { illegal: true as const, classification: { category: 'national' as const, ageGroup: 'pubescent' as const }, at: 2, by: 'key:a' };

describe('what ICCAM is owed for a partner item, from its state alone (contract §4 Inbound)', () => {
  it('nothing before the claim but the reference, and nothing while it awaits the assessment', () => {
    expect(messages(item({ iccamTold: null }))).toEqual(['reference']);
    expect(messages(item())).toEqual([]);
  });

  it('overrules a National assessment once our analyst found it illegal, never a Baseline one', () => {
    expect(messages(item({ state: 'locating', hotlineAssessment: illegal }))).toEqual(['assessment']);
    expect(messages(item({ state: 'locating', hotlineAssessment: illegal, iccamTold: { ...claimed, assessment: { at: 3 } } }))).toEqual([]);
    const baseline = item({ state: 'locating', partnerAssessment: { classification: 'baseline', classificationName: null, ageName: null, genderName: null } });
    expect(messages(baseline)).toEqual([]);
  });

  it('ReportedToLEA once the police export accepted it; Removed or Unavailable once closed so; each once', () => {
    const delivered = item({
      state: 'delivered',
      destination: 'police',
      deliveredAt: 5,
      hotlineAssessment: illegal,
      iccamTold: { ...claimed, assessment: { at: 3 } },
    });
    expect(messages(delivered)).toEqual(['ReportedToLEA']);
    expect(messages({ ...delivered, state: 'routed' })).toEqual([]);
    expect(messages({ ...delivered, state: 'closed', outcome: 'removed' })).toEqual(['ReportedToLEA', 'Removed']);
    expect(dueIccamMessages({ ...delivered, state: 'closed', outcome: 'unavailable' }).at(-1)).toEqual({ message: 'Unavailable', reason: 'not_found' });
    const told = { ...claimed, assessment: { at: 3 }, actions: { ReportedToLEA: { at: 6, found: false } } };
    expect(messages({ ...delivered, state: 'closed', outcome: 'removed', iccamTold: told })).toEqual(['Removed']);
    // Sent on to another country (moved_on): not ours to report on.
    expect(messages({ ...delivered, destination: 'inhope', state: 'closed', outcome: 'moved_on' })).toEqual([]);
  });

  it('not illegal here: NotIllegal with the reason, or Unavailable (reason not_found) for content not found', () => {
    const closed = (reason: 'adult' | 'not_found') =>
      item({ state: 'closed', outcome: 'not_illegal', hotlineAssessment: { illegal: false, reason, note: null, at: 2, by: 'key:a' } });
    expect(dueIccamMessages(closed('adult'))).toEqual([{ message: 'NotIllegal', reason: 'adult' }]);
    expect(dueIccamMessages(closed('not_found'))).toEqual([{ message: 'Unavailable', reason: 'not_found' }]);
    expect(reasonText('age_over_threshold', null)).toBe('Age over the national threshold');
    expect(reasonText('adult', 'in the analyst’s words')).toBe('in the analyst’s words');
  });

  it('a duplicate entry is owed what its carrier’s case came to', () => {
    const dup = item({ state: 'duplicate' });
    const carrier = item({ state: 'closed', outcome: 'removed', destination: 'police', deliveredAt: 4 });
    expect(messages(dup, carrier)).toEqual(['ReportedToLEA', 'Removed']);
    expect(inboundSettled(dup, item({ state: 'delivered', destination: 'police', deliveredAt: 4 }))).toBe(false);
  });

  it('owes nothing more once its case is over and everything went, or went to a person, or ICCAM moved it elsewhere', () => {
    const closed = item({ state: 'closed', outcome: 'removed', destination: 'police', deliveredAt: 4 });
    expect(inboundSettled(closed)).toBe(false);
    const gaveUp = { at: 9, detail: 'HTTP 400' };
    expect(inboundSettled({ ...closed, iccamTold: { ...claimed, gaveUp: { ReportedToLEA: gaveUp, Removed: gaveUp } } })).toBe(true);
    expect(inboundSettled(item({ state: 'locating', iccamTold: { ...claimed, followed: { country: 'FR', at: 1 } } }))).toBe(true);
    expect(inboundSettled(item({ state: 'cancelled' }))).toBe(true);
    expect(inboundSettled(item({ state: 'cancelled', iccamTold: null }))).toBe(false);
  });
});
