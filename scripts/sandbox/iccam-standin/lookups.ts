/**
 * ICCAM's lookup lists as the stand-in serves them under `rest/<name>`, named by default as
 * SCARt's table of 2023-03-17 names them (contract §4: "Baseline CSAM", "National CSAM", "Banner
 * site", "Not Determined"); `lookupNames: 'earlier'` serves the names this service's seed used
 * before ("Baseline", "National", "Banner"). ICCAM's real names today are not public: a client
 * must map through names it accepts. Two lists name their id `type` on the wire (action-types, site-types:
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
  'action-reasons',
  'countries',
];

/** Which names the lists carry: SCARt's table of 2023-03-17 (default), or this service's earlier seed. */
export type IccamLookupNaming = 'scart' | 'earlier';

/** Lists whose id is called `type` in ICCAM's answer. */
const ID_CALLED_TYPE: ReadonlySet<IccamLookupName> = new Set(['action-types', 'site-types']);

/**
 * Action type ids. SCARt's table gives Moved no id (0: in v3 a move is the two assignment PUTs);
 * the stand-in still lists it as 7, so a client that reads an action it never needs by name
 * (a partner moving its own report) can be tested.
 */
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

/** Action reasons (SCARt's table; their path, `rest/action-reasons`, is open in the sources). */
const ACTION_REASONS: [number, string][] = [
  [1, 'Other'],
  [2, 'ContentNotFound'],
  [3, 'ReferrerNotKnownOrIncorrect'],
  [4, 'UnableToAccess'],
  [5, 'PasswordProtected'],
  [6, 'AccountDisabled'],
  [7, 'LegallyUnableToAccess'],
  [8, 'LinkExpired'],
  [9, 'Error404NotFoundOrSiteDown'],
  [10, 'Error503OrContentTemporarilyUnavailable'],
  [11, 'PremiumAccountNecessary'],
  [12, 'MissingPartsToOpenFile'],
  [13, 'ContentRemovedBeforeAssessment'],
  [14, 'AdultPornography'],
  [15, 'NudismOrNotSexualized'],
  [16, 'DoesNotMeetThresholdForIllegality'],
  [17, 'ImagesTooSmall'],
  [18, 'VirtualMaterial'],
  [19, 'LinkingOrLinklistsNotIllegal'],
  [20, 'AgeUnclearOrNotAssessable'],
  [21, 'AgeOverNationalThreshold'],
];

/** The names that differ between the two namings, by list and id. */
const NAMING: Record<IccamLookupNaming, Partial<Record<IccamLookupName, Record<number, string>>>> = {
  scart: {
    classifications: { 1: 'Baseline CSAM', 2: 'National CSAM', 4: 'Ignore' },
    'gender-categories': { 1: 'Not Determined' },
    commercialities: { 1: 'Not Determined' },
    'site-types': { 7: 'Banner site' },
  },
  earlier: {
    classifications: { 1: 'Baseline', 2: 'National' },
    'gender-categories': { 1: 'Not determined' },
    commercialities: { 1: 'Not determined' },
    'site-types': { 7: 'Banner' },
  },
};

/** The classification ids by meaning (the same in both namings): what a partner item's assessment carries. */
export const CLASSIFICATION_IDS = { baseline: 1, national: 2, ignore: 4 } as const;

/** A fresh copy of the seed, so each stand-in can rename its own entries. */
export function seedLookups(naming: IccamLookupNaming = 'scart'): Record<IccamLookupName, IccamLookupEntry[]> {
  const named = (list: IccamLookupName, pairs: [number, string][]) => entries(pairs.map(([id, name]) => [id, NAMING[naming][list]?.[id] ?? name]));
  return {
    classifications: named(
      'classifications',
      Object.entries(NAMING[naming].classifications!).map(([id, name]) => [Number(id), name]),
    ),
    'age-categories': entries([
      [1, 'Not categorised'],
      [2, 'Infant'],
      [3, 'Pre-pubescent'],
      [4, 'Pubescent'],
    ]),
    'gender-categories': named('gender-categories', [
      [1, 'Not determined'],
      [2, 'Female'],
      [3, 'Male'],
      [4, 'Both'],
    ]),
    commercialities: named('commercialities', [
      [1, 'Not determined'],
      [2, 'Commercial'],
      [3, 'Non-Commercial'],
    ]),
    'site-types': named('site-types', [
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
    'action-reasons': entries(ACTION_REASONS),
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
