import { describe, expect, it } from 'vitest';
import { computeUrlRepeatStats } from './url-repeat-stats.js';

const at = (iso: string) => Date.parse(iso);

describe('computeUrlRepeatStats', () => {
  it('is all zeros for no repeats', () => {
    expect(computeUrlRepeatStats([])).toEqual({ duplicates: 0, duplicatesSplit: 0, reappearances: 0, reappearancesAfterRemoval: 0, byMonth: {} });
  });

  it('counts duplicates, splits, reappearances and those after removal, in total and per UTC month', () => {
    const stats = computeUrlRepeatStats([
      { kind: 'duplicate', createdAt: at('2026-03-31T23:30:00Z'), split: false, earlierState: null },
      { kind: 'duplicate', createdAt: at('2026-01-02T10:00:00Z'), split: true, earlierState: null },
      { kind: 'reappearance', createdAt: at('2026-03-01T00:00:00Z'), split: false, earlierState: 'closed' },
      { kind: 'reappearance', createdAt: at('2026-04-01T00:00:00Z'), split: false, earlierState: 'cancelled' },
    ]);
    expect(stats).toMatchObject({ duplicates: 2, duplicatesSplit: 1, reappearances: 2, reappearancesAfterRemoval: 1 });
    expect(Object.keys(stats.byMonth)).toEqual(['2026-01', '2026-03', '2026-04']);
    expect(stats.byMonth['2026-03']).toEqual({ duplicates: 1, duplicatesSplit: 0, reappearances: 1, reappearancesAfterRemoval: 1 });
    expect(stats.byMonth['2026-04']).toEqual({ duplicates: 0, duplicatesSplit: 0, reappearances: 1, reappearancesAfterRemoval: 0 });
  });
});
