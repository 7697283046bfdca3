/**
 * ICCAM's lookup lists (contract §4): ICCAM names things with numeric ids that it serves as
 * `[{ id, name }]` lists (some lists call the id `type`). We map our vocabulary to those ids
 * **by name**, so a renumbering on ICCAM's side follows by itself, and a name that disappears
 * is noticed (the destination is then not ready, naming it) rather than sent wrong. Pure.
 */
import { type Classification, type SiteType } from '../../domain/referral.js';

export const ICCAM_LOOKUP_LISTS = [
  'classifications',
  'age-categories',
  'gender-categories',
  'site-types',
  'commercialities',
  'payment-methods',
  'action-types',
  'countries',
] as const;
export type IccamLookupList = (typeof ICCAM_LOOKUP_LISTS)[number];

export interface IccamLookupEntry {
  id: number;
  name: string;
}

export type IccamLookupLists = Partial<Record<IccamLookupList, IccamLookupEntry[]>>;

/** When the seed's values were current (contract §4: the 2023 values SCARt carries). */
export const ICCAM_SEED_AS_OF = '2023-01-01';

/** The dated seed, used for any list ICCAM has not yet been asked for (or could not be). */
const ICCAM_SEED_LISTS: IccamLookupLists = {
  classifications: [
    { id: 1, name: 'Baseline' },
    { id: 2, name: 'National' },
  ],
  'age-categories': [
    { id: 1, name: 'Not categorised' },
    { id: 2, name: 'Infant' },
    { id: 3, name: 'Pre-pubescent' },
    { id: 4, name: 'Pubescent' },
  ],
  'gender-categories': [
    { id: 1, name: 'Not determined' },
    { id: 2, name: 'Female' },
    { id: 3, name: 'Male' },
    { id: 4, name: 'Both' },
  ],
  commercialities: [
    { id: 1, name: 'Not determined' },
    { id: 2, name: 'Commercial' },
    { id: 3, name: 'Non-Commercial' },
  ],
  'site-types': [
    { id: 2, name: 'Website' },
    { id: 3, name: 'File host' },
    { id: 4, name: 'Image store' },
    { id: 5, name: 'Image board' },
    { id: 6, name: 'Forum' },
    { id: 7, name: 'Banner' },
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
    // Moved's id is not known from the sources (contract §4: open); only its name is used.
  ],
};

/** Our vocabulary → ICCAM's names (contract §3 and §4). */
const CLASSIFICATION_NAMES: Record<Classification['category'], string> = { baseline: 'Baseline', national: 'National' };
const AGE_NAMES: Record<Classification['ageGroup'], string> = {
  infant: 'Infant',
  prepubescent: 'Pre-pubescent',
  pubescent: 'Pubescent',
  unknown: 'Not categorised',
};
type GenderKey = NonNullable<Classification['gender']>;
const GENDER_NAMES: Record<GenderKey, string> = { female: 'Female', male: 'Male', both: 'Both', unknown: 'Not determined' };
export type CommercialityKey = 'commercial' | 'non-commercial' | 'not-determined';
const COMMERCIALITY_NAMES: Record<CommercialityKey, string> = {
  commercial: 'Commercial',
  'non-commercial': 'Non-Commercial',
  'not-determined': 'Not determined',
};
const SITE_TYPE_NAMES: Record<SiteType, string> = {
  website: 'Website',
  'file-host': 'File host',
  'image-store': 'Image store',
  'image-board': 'Image board',
  forum: 'Forum',
  banner: 'Banner',
  'link-site': 'Link site',
  'social-network': 'Social Networking',
  redirector: 'Redirector',
  'web-archive': 'Web archive',
  'search-provider': 'Search provider',
  'image-host': 'Image host',
  blog: 'Blog',
  'not-applicable': 'Not Applicable',
};
/** Action names and what they mean for the handover (contract §4, Status). */
const ACTION_NAMES = ['ReportedToLEA', 'ReportedToISP', 'Removed', 'Unavailable', 'NotIllegal', 'Moved'] as const;
export type IccamActionName = (typeof ACTION_NAMES)[number];

/** The numeric ids the report body needs, resolved from the lists by name. */
export interface IccamVocabularyIds {
  classification: Record<Classification['category'], number>;
  age: Record<Classification['ageGroup'], number>;
  gender: Record<GenderKey, number>;
  commerciality: Record<CommercialityKey, number>;
  siteType: Record<SiteType, number>;
  /** action-type id → our action name (ids ICCAM lists under a name we do not use are absent). */
  actionById: Map<number, IccamActionName>;
}

export interface ResolvedVocabulary {
  ids: IccamVocabularyIds;
  /** Names we need that the lists do not have, as `list: name` (empty when all are there). */
  missing: string[];
}

/** One list as ICCAM answered it: `[{ id | type, name }]`; null when the answer is not such a list. */
export function parseLookupList(json: unknown): IccamLookupEntry[] | null {
  if (!Array.isArray(json)) return null;
  const out: IccamLookupEntry[] = [];
  for (const item of json) {
    if (item === null || typeof item !== 'object') return null;
    const record = item as Record<string, unknown>;
    const id = typeof record.id === 'number' ? record.id : typeof record.type === 'number' ? record.type : null;
    if (id === null || typeof record.name !== 'string') return null;
    out.push({ id, name: record.name });
  }
  return out;
}

/** Names are compared without regard to case, spaces, hyphens or underscores. */
function nameKey(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}

/**
 * Resolves every name we use against the lists (those not given fall back to the seed). A name
 * that cannot be found keeps the seed's id (so a body can still be built for the stand-in of a
 * review) but is reported as missing: the destination is then not ready.
 */
export function resolveVocabulary(lists: IccamLookupLists): ResolvedVocabulary {
  const missing: string[] = [];
  const lookup = <K extends string>(list: IccamLookupList, names: Record<K, string>, required = true): Record<K, number> => {
    const entries = lists[list] ?? ICCAM_SEED_LISTS[list] ?? [];
    const seed = ICCAM_SEED_LISTS[list] ?? [];
    const out = {} as Record<K, number>;
    for (const [key, name] of Object.entries(names) as [K, string][]) {
      const found = entries.find((e) => nameKey(e.name) === nameKey(name));
      if (found) {
        out[key] = found.id;
        continue;
      }
      if (required) missing.push(`${list}: ${name}`);
      out[key] = seed.find((e) => nameKey(e.name) === nameKey(name))?.id ?? -1;
    }
    return out;
  };
  const ids: IccamVocabularyIds = {
    classification: lookup('classifications', CLASSIFICATION_NAMES),
    age: lookup('age-categories', AGE_NAMES),
    gender: lookup('gender-categories', GENDER_NAMES),
    commerciality: lookup('commercialities', COMMERCIALITY_NAMES),
    siteType: lookup('site-types', SITE_TYPE_NAMES),
    actionById: new Map(),
  };
  const actions = lists['action-types'] ?? ICCAM_SEED_LISTS['action-types'] ?? [];
  for (const name of ACTION_NAMES) {
    const found = actions.find((e) => nameKey(e.name) === nameKey(name));
    if (found) ids.actionById.set(found.id, name);
    // Moved's id is open in the sources: the seed cannot supply it, so it is only missing
    // when ICCAM itself was asked and does not list it.
    else if (name !== 'Moved' || lists['action-types'] !== undefined) missing.push(`action-types: ${name}`);
  }
  return { ids, missing };
}
