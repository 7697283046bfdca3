import { describe, expect, it } from 'vitest';
import { installedIccamNames } from '../../config/iccam-names-file.js';
import { idOf, resolveVocabulary, type IccamLookupLists } from './iccam-lookups.js';

const names = installedIccamNames().names;

/** ICCAM's lists as SCARt's table of 2023-03-17 names them, Moved without an id of its own. */
const SCART_NAMED: IccamLookupLists = {
  classifications: [
    { id: 1, name: 'Baseline CSAM' },
    { id: 2, name: 'National CSAM' },
    { id: 4, name: 'Ignore' },
  ],
  'gender-categories': [
    { id: 1, name: 'Not Determined' },
    { id: 2, name: 'Female' },
    { id: 3, name: 'Male' },
    { id: 4, name: 'Both' },
  ],
  commercialities: [
    { id: 1, name: 'Not Determined' },
    { id: 2, name: 'Commercial' },
    { id: 3, name: 'Non-Commercial' },
  ],
  'site-types': [
    { id: 2, name: 'Website' },
    { id: 7, name: 'Banner site' },
    { id: 3, name: 'File host' },
    { id: 4, name: 'Image store' },
    { id: 5, name: 'Image board' },
    { id: 6, name: 'Forum' },
    { id: 8, name: 'Link site' },
    { id: 9, name: 'Social Networking' },
    { id: 10, name: 'Redirector' },
    { id: 11, name: 'Web archive' },
    { id: 18, name: 'Search provider' },
    { id: 20, name: 'Image host' },
    { id: 22, name: 'Blog' },
    { id: 24, name: 'Not Applicable' },
  ],
  'action-types': [
    { id: 1, name: 'ReportedToLEA' },
    { id: 2, name: 'ReportedToISP' },
    { id: 3, name: 'Removed' },
    { id: 4, name: 'Unavailable' },
    { id: 6, name: 'NotIllegal' },
  ],
};

describe('ICCAM lookup lists, mapped by accepted names (contract §4)', () => {
  it('the seed is SCARt’s table of 2023-03-17: every word resolves, ready', () => {
    const seed = resolveVocabulary({}, names);
    expect(seed.missing).toEqual([]);
    expect(idOf(seed.ids, 'classifications', 'national')).toBe(2);
    expect(idOf(seed.ids, 'site-types', 'banner')).toBe(7);
    expect(idOf(seed.ids, 'action-reasons', 'age_over_threshold')).toBe(21);
    expect(idOf(seed.ids, 'action-reasons', 'not_found')).toBe(2);
    // SCARt lists no Moved action (a move is the two PUTs): nothing requires it.
    expect(seed.ids['action-types'].id.Moved).toBeNull();
  });

  it('stays ready when ICCAM serves the lists as SCARt names them, Moved included or not', () => {
    expect(resolveVocabulary(SCART_NAMED, names).missing).toEqual([]);
    const withMoved = { ...SCART_NAMED, 'action-types': [...SCART_NAMED['action-types']!, { id: 7, name: 'Moved' }] };
    expect(resolveVocabulary(withMoved, names).ids['action-types'].word.get(7)).toBe('Moved');
  });

  it('stays ready with the names this service used before (Baseline, National, Banner)', () => {
    const earlier = {
      ...SCART_NAMED,
      classifications: [
        { id: 1, name: 'Baseline' },
        { id: 2, name: 'National' },
      ],
      'site-types': SCART_NAMED['site-types']!.map((e) => (e.id === 7 ? { id: 7, name: 'Banner' } : e)),
    };
    const resolved = resolveVocabulary(earlier, names);
    expect(resolved.missing).toEqual([]);
    expect(idOf(resolved.ids, 'classifications', 'baseline')).toBe(1);
  });

  it('a word none of whose names ICCAM lists is missing, with what ICCAM lists instead', () => {
    const renamed = { ...SCART_NAMED, 'site-types': SCART_NAMED['site-types']!.map((e) => (e.id === 7 ? { id: 7, name: 'Advertising' } : e)) };
    const resolved = resolveVocabulary(renamed, names);
    expect(resolved.missing).toEqual(['site-types: banner']);
    expect(resolved.unmatched).toEqual({ 'site-types': ['Advertising'] });
  });

  it('reads ids back to words: what ICCAM said in a partner’s assessment', () => {
    const ids = resolveVocabulary(SCART_NAMED, names).ids;
    expect(ids.classifications.word.get(1)).toBe('baseline');
    expect(ids.classifications.word.get(4)).toBe('ignore');
    expect(ids.classifications.name.get(2)).toBe('National CSAM');
    expect(ids['gender-categories'].word.get(1)).toBe('unknown');
  });
});
