import { describe, expect, it } from 'vitest';
import { IccamVocabulary } from './iccam-vocabulary.js';

describe('ICCAM vocabulary', () => {
  it('says the seed is in use, and its date, until ICCAM has served the lists', async () => {
    const vocabulary = new IccamVocabulary();
    expect(vocabulary.source).toBe('seed');
    expect(vocabulary.asOf).toBe('2023-03-17');
    await vocabulary.replace({}, Date.parse('2026-11-29T10:00:00Z'));
    expect(vocabulary.source).toBe('iccam');
    expect(vocabulary.asOf).toBe('2026-11-29T10:00:00.000Z');
  });
});
