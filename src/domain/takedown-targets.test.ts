import { describe, expect, it } from 'vitest';
import { lastMark, parseTakedownTargets } from './takedown-targets.js';

describe('TAKEDOWN_TARGETS', () => {
  it('reads marks in minutes, hours, days and weeks, keeping the label as written', () => {
    expect(parseTakedownTargets('24h,60h,7d')).toEqual([
      { label: '24h', ms: 86_400_000 },
      { label: '60h', ms: 216_000_000 },
      { label: '7d', ms: 604_800_000 },
    ]);
    expect(parseTakedownTargets(' 90m , 2W ')).toEqual([
      { label: '90m', ms: 5_400_000 },
      { label: '2w', ms: 1_209_600_000 },
    ]);
    expect(lastMark(parseTakedownTargets('24h,60h,7d')).label).toBe('7d');
  });

  it.each([
    ['', /one to six/],
    ['24h,1d', /shortest to the longest/],
    ['7d,24h', /shortest to the longest/],
    ['24 hours', /not a mark/],
    ['0h', /not a mark/],
    ['1h,2h,3h,4h,5h,6h,7h', /one to six/],
  ])('refuses %j', (raw, problem) => {
    expect(() => parseTakedownTargets(raw)).toThrow(problem);
  });
});
