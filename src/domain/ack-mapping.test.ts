import { describe, it, expect } from 'vitest';
import { isKnownStatus, mapDestinationStatus, mapIccamActions, mapPoliceStatus } from './ack-mapping.js';

describe('mapPoliceStatus', () => {
  it.each([
    ['received', 'none', null],
    ['registered', 'acknowledge', null],
    ['closed', 'close', 'closed'],
    ['rejected', 'fail', 'rejected'],
  ] as const)('%s means %s', (status, effect, outcome) => {
    const observation = mapPoliceStatus(status);
    expect(observation).toMatchObject({ destination: 'police', status, effect, outcome });
  });

  it('carries the case number as the reference and keeps the reason', () => {
    const observation = mapPoliceStatus('rejected', { caseNumber: 'PV-2026-0042', reason: 'outside mandate', at: '2026-01-02T03:04:05Z' });
    expect(observation).toEqual({
      destination: 'police',
      status: 'rejected',
      effect: 'fail',
      reference: 'PV-2026-0042',
      reason: 'outside mandate',
      at: '2026-01-02T03:04:05Z',
      outcome: 'rejected',
      removedAt: null,
    });
  });

  it('content removed closes the case as removed at the time the police give, at any step but a rejection', () => {
    for (const status of ['received', 'registered', 'closed']) {
      expect(mapPoliceStatus(status, { contentRemovedAt: '2026-01-03T10:00:00Z' })).toMatchObject({
        effect: 'close',
        outcome: 'removed',
        removedAt: '2026-01-03T10:00:00Z',
      });
    }
    expect(mapPoliceStatus('rejected', { contentRemovedAt: '2026-01-03T10:00:00Z' })).toMatchObject({ effect: 'fail', removedAt: '2026-01-03T10:00:00Z' });
    expect(mapDestinationStatus('police', 'registered', { contentRemovedAt: '2026-01-03T10:00:00Z' })).toMatchObject({ effect: 'close', outcome: 'removed' });
  });

  it('an unknown police status changes nothing', () => {
    expect(mapPoliceStatus('archived')).toMatchObject({ effect: 'none', outcome: null, reason: 'unknown police status' });
  });
});

describe('mapIccamActions', () => {
  it('no actions means nothing new', () => {
    expect(mapIccamActions([])).toMatchObject({ destination: 'inhope', status: 'no-action', effect: 'none' });
    expect(mapIccamActions(undefined)).toMatchObject({ effect: 'none' });
  });

  it.each([
    ['LEA', 'acknowledge', null],
    ['ISP', 'acknowledge', null],
    ['CR', 'close', 'removed'],
    ['CU', 'close', 'unavailable'],
    ['MO', 'moved', 'moved'],
    ['NI', 'fail', 'not_illegal'],
  ] as const)('a lone %s means %s', (type, effect, outcome) => {
    expect(mapIccamActions([{ type, date: '2026-01-01T00:00:00Z' }])).toMatchObject({ status: type, effect, outcome });
  });

  it('the strongest action wins whatever the order', () => {
    const lea = { type: 'LEA', date: '2026-01-01T00:00:00Z' };
    const cr = { type: 'CR', date: '2026-01-03T00:00:00Z' };
    const mo = { type: 'MO', date: '2026-01-02T00:00:00Z' };
    const ni = { type: 'NI', date: '2026-01-04T00:00:00Z', reason: 'legal in hosting country' };
    expect(mapIccamActions([cr, lea]).effect).toBe('close');
    expect(mapIccamActions([lea, mo, cr]).effect).toBe('moved');
    expect(mapIccamActions([ni, lea, cr, mo])).toMatchObject({ effect: 'fail', reason: 'legal in hosting country', outcome: 'not_illegal' });
  });

  it('the first acknowledgement by date is the one reported', () => {
    const observation = mapIccamActions([
      { type: 'ISP', date: '2026-01-05T00:00:00Z' },
      { type: 'LEA', date: '2026-01-02T00:00:00Z' },
    ]);
    expect(observation).toMatchObject({ status: 'LEA', at: '2026-01-02T00:00:00Z' });
  });

  it('ignores unknown action types and accepts lower case', () => {
    expect(mapIccamActions([{ type: 'XX', date: null }]).effect).toBe('none');
    expect(mapIccamActions([{ type: 'cr', date: null }])).toMatchObject({ status: 'CR', effect: 'close' });
  });

  it('ends the takedown clock at the date of a Removed or Unavailable action, and at no other', () => {
    expect(
      mapIccamActions([
        { type: 'LEA', date: '2026-01-01T00:00:00Z' },
        { type: 'CR', date: '2026-01-04T08:00:00Z' },
      ]).removedAt,
    ).toBe('2026-01-04T08:00:00Z');
    expect(mapIccamActions([{ type: 'CU', date: '2026-01-05T00:00:00Z' }]).removedAt).toBe('2026-01-05T00:00:00Z');
    expect(mapIccamActions([{ type: 'LEA', date: '2026-01-01T00:00:00Z' }]).removedAt).toBeNull();
  });

  it('passes the reference through', () => {
    expect(mapIccamActions([{ type: 'LEA' }], 'R-1').reference).toBe('R-1');
  });
});

describe('mapDestinationStatus (callbacks)', () => {
  it('maps one status word per destination vocabulary', () => {
    expect(mapDestinationStatus('police', 'registered', { reference: 'PV-1' })).toMatchObject({ effect: 'acknowledge', reference: 'PV-1' });
    expect(mapDestinationStatus('inhope', 'CU', { reference: 'R-9' })).toMatchObject({ effect: 'close', outcome: 'unavailable', reference: 'R-9' });
    expect(mapDestinationStatus('inhope', 'NI', { reason: 'not illegal' })).toMatchObject({ effect: 'fail', reason: 'not illegal' });
  });
});

describe('isKnownStatus', () => {
  it('knows each vocabulary and nothing across them', () => {
    expect(isKnownStatus('police', 'registered')).toBe(true);
    expect(isKnownStatus('police', 'LEA')).toBe(false);
    expect(isKnownStatus('inhope', 'LEA')).toBe(true);
    expect(isKnownStatus('inhope', 'registered')).toBe(false);
    expect(isKnownStatus('inhope', 'no-action')).toBe(false);
  });
});
