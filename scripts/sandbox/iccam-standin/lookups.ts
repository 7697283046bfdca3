/**
 * ICCAM's lookup lists as the stand-in serves them under `rest/<name>`, seeded with the 2023
 * values of contract §4. Two lists name their id `type` on the wire (action-types, site-types:
 * the fields that carry them are `actionType` and `sourceUrlSiteType`); which lists do so is
 * open in the sources, so a client must accept either. A country entry also carries its ISO
 * 3166-1 alpha-2 `code`, since every country field of the API (`hostingCountryCode`,
 * `newCountryCode`, `assignedCountryCode`) carries a code (the exact shape is open).
 */
import type { IccamActionName, IccamLookupEntry, IccamLookupName } from '../iccam-standin.js';

export const LOOKUP_NAMES: readonly IccamLookupName[] = [
  'classifications',
  'age-categories',
  'gender-categories',
  'site-types',
  'commercialities',
  'payment-methods',
  'action-types',
  'countries',
];

/** Lists whose id is called `type` in ICCAM's answer. */
const ID_CALLED_TYPE: ReadonlySet<IccamLookupName> = new Set(['action-types', 'site-types']);

/** Action type ids; Moved's is open in the contract (7 here). */
export const ACTION_TYPE_IDS: Record<IccamActionName, number> = {
  ReportedToLEA: 1,
  ReportedToISP: 2,
  Removed: 3,
  Unavailable: 4,
  NotIllegal: 6,
  Moved: 7,
};

/** Region codes Intl knows that are not current countries (deprecated, groupings, private use). */
const NOT_COUNTRIES = new Set('AC AN BU CP CQ CS DD DG DY EA EU EZ FX HV IC NH QO RH SU TA TP UK UN VD XA XB YD YU ZR ZZ'.split(' '));

function countries(): IccamLookupEntry[] {
  const names = new Intl.DisplayNames(['en'], { type: 'region' });
  const out: IccamLookupEntry[] = [];
  for (let a = 65; a <= 90; a += 1) {
    for (let b = 65; b <= 90; b += 1) {
      const code = String.fromCharCode(a, b);
      if (NOT_COUNTRIES.has(code)) continue;
      const name = names.of(code);
      if (name !== undefined && name !== code) out.push({ id: out.length + 1, name, code });
    }
  }
  return out;
}

const entries = (pairs: [number, string][]): IccamLookupEntry[] => pairs.map(([id, name]) => ({ id, name }));

/** A fresh copy of the seed, so each stand-in can rename its own entries. */
export function seedLookups(): Record<IccamLookupName, IccamLookupEntry[]> {
  return {
    classifications: entries([
      [1, 'Baseline'],
      [2, 'National'],
    ]),
    'age-categories': entries([
      [1, 'Not categorised'],
      [2, 'Infant'],
      [3, 'Pre-pubescent'],
      [4, 'Pubescent'],
    ]),
    'gender-categories': entries([
      [1, 'Not determined'],
      [2, 'Female'],
      [3, 'Male'],
      [4, 'Both'],
    ]),
    commercialities: entries([
      [1, 'Not determined'],
      [2, 'Commercial'],
      [3, 'Non-Commercial'],
    ]),
    'site-types': entries([
      [2, 'Website'],
      [3, 'File host'],
      [4, 'Image store'],
      [5, 'Image board'],
      [6, 'Forum'],
      [7, 'Banner'],
      [8, 'Link site'],
      [9, 'Social Networking'],
      [10, 'Redirector'],
      [11, 'Web archive'],
      [18, 'Search provider'],
      [20, 'Image host'],
      [22, 'Blog'],
      [24, 'Not Applicable'],
    ]),
    // Not in the contract's seed; names as SCARt's v2 table has them. The contract sends [1].
    'payment-methods': entries([
      [1, 'Not Determined'],
      [2, 'AMEX'],
      [3, 'Diners'],
      [4, 'Mastercard'],
      [5, 'Paypal'],
      [6, 'Visa'],
      [7, 'Western Union'],
      [8, 'Other'],
      [9, 'None'],
      [10, 'SMS'],
      [11, 'EMAIL'],
      [12, 'Liberty Reserve'],
      [13, 'Bitcoin'],
    ]),
    'action-types': entries(Object.entries(ACTION_TYPE_IDS).map(([name, id]) => [id, name])),
    countries: countries(),
  };
}

/** The list as ICCAM answers it. */
export function lookupWire(name: IccamLookupName, list: readonly IccamLookupEntry[]): Record<string, unknown>[] {
  const idKey = ID_CALLED_TYPE.has(name) ? 'type' : 'id';
  return list.map((entry) => ({ [idKey]: entry.id, name: entry.name, ...(entry.code === undefined ? {} : { code: entry.code }) }));
}

export function hasId(list: readonly IccamLookupEntry[], id: number): boolean {
  return list.some((entry) => entry.id === id);
}

export function hasCountryCode(countries: readonly IccamLookupEntry[], code: string): boolean {
  return countries.some((entry) => entry.code === code);
}

export function isLookupName(value: string): value is IccamLookupName {
  return (LOOKUP_NAMES as readonly string[]).includes(value);
}
