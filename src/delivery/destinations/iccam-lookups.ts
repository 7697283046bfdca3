/**
 * ICCAM's lookup lists (contract §4): ICCAM names things with numeric ids that it serves as
 * `[{ id, name }]` lists (some lists call the id `type`). We map our words to those ids **by
 * name**, through the names each word accepts (config/iccam-names.json), so a renumbering on
 * ICCAM's side follows by itself and a name that disappears is noticed — the destination is then
 * not ready, naming the word and what ICCAM lists instead — rather than sent wrong. Pure.
 */
import {
  ICCAM_NAMED_LISTS,
  ICCAM_WORDS,
  OPTIONAL_ICCAM_WORDS,
  type IccamAcceptedNames,
  type IccamActionWord,
  type IccamNamedList,
  type IccamWord,
} from '../../domain/iccam-words.js';
import { iccamNameKey } from '../../config/iccam-names-file.js';

export const ICCAM_LOOKUP_LISTS = [
  'classifications',
  'age-categories',
  'gender-categories',
  'site-types',
  'commercialities',
  'payment-methods',
  'action-types',
  // The path is open in the sources (contract §4): a list ICCAM does not serve keeps the seed.
  'action-reasons',
  'countries',
] as const;
export type IccamLookupList = (typeof ICCAM_LOOKUP_LISTS)[number];

export interface IccamLookupEntry {
  id: number;
  name: string;
}

export type IccamLookupLists = Partial<Record<IccamLookupList, IccamLookupEntry[]>>;

/** The date of the seed: SCARt's own table (`updates/seeder6018.php`, 2023-03-17). */
export const ICCAM_SEED_AS_OF = '2023-03-17';

const entries = (pairs: [number, string][]): IccamLookupEntry[] => pairs.map(([id, name]) => ({ id, name }));

/**
 * The dated seed, names exactly as SCARt's table of 2023-03-17 has them (contract §4), used for
 * any list ICCAM has not yet been asked for (or could not be). It has no "Moved": in v3 a move
 * is the two assignment PUTs, and SCARt gives Moved the id 0.
 */
const ICCAM_SEED_LISTS: IccamLookupLists = {
  classifications: entries([
    [1, 'Baseline CSAM'],
    [2, 'National CSAM'],
    [4, 'Ignore'],
  ]),
  'age-categories': entries([
    [1, 'Not categorised'],
    [2, 'Infant'],
    [3, 'Pre-pubescent'],
    [4, 'Pubescent'],
  ]),
  'gender-categories': entries([
    [1, 'Not Determined'],
    [2, 'Female'],
    [3, 'Male'],
    [4, 'Both'],
  ]),
  commercialities: entries([
    [1, 'Not Determined'],
    [2, 'Commercial'],
    [3, 'Non-Commercial'],
  ]),
  'site-types': entries([
    [2, 'Website'],
    [3, 'File host'],
    [4, 'Image store'],
    [5, 'Image board'],
    [6, 'Forum'],
    [7, 'Banner site'],
    [8, 'Link site'],
    [9, 'Social Networking'],
    [10, 'Redirector'],
    [11, 'Web archive'],
    [18, 'Search provider'],
    [20, 'Image host'],
    [22, 'Blog'],
    [24, 'Not Applicable'],
  ]),
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
  'action-types': entries([
    [1, 'ReportedToLEA'],
    [2, 'ReportedToISP'],
    [3, 'Removed'],
    [4, 'Unavailable'],
    [6, 'NotIllegal'],
  ]),
  'action-reasons': entries([
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
  ]),
};

/** One list resolved: each word's id (null when ICCAM has none for it), and each id's word. */
interface ResolvedList<W extends string> {
  id: Record<W, number | null>;
  word: Map<number, W>;
  /** ICCAM's name of each id in the list used (for people: what ICCAM said, in its words). */
  name: Map<number, string>;
}

export type IccamVocabularyIds = { [L in IccamNamedList]: ResolvedList<IccamWord<L>> };

export interface ResolvedVocabulary {
  ids: IccamVocabularyIds;
  /** Words we need whose accepted names the lists do not have, as `list: word` (empty when all are there). */
  missing: string[];
  /** For each list with a missing word: the names ICCAM lists that no word of ours accepts. */
  unmatched: Partial<Record<IccamNamedList, string[]>>;
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

function resolveList<L extends IccamNamedList>(list: L, served: IccamLookupEntry[] | undefined, accepted: IccamAcceptedNames[L], out: ResolvedVocabulary) {
  const seed = ICCAM_SEED_LISTS[list] ?? [];
  const available = served ?? seed;
  const optional = new Set(OPTIONAL_ICCAM_WORDS[list] ?? []);
  const resolved: ResolvedList<IccamWord<L>> = { id: {} as Record<IccamWord<L>, number | null>, word: new Map(), name: new Map() };
  for (const entry of available) resolved.name.set(entry.id, entry.name);
  const matched = new Set<number>();
  let anyMissing = false;
  for (const word of ICCAM_WORDS[list] as readonly IccamWord<L>[]) {
    const keys = new Set((accepted[word] as readonly string[]).map(iccamNameKey));
    const found = available.find((e) => keys.has(iccamNameKey(e.name)));
    if (found) {
      resolved.id[word] = found.id;
      resolved.word.set(found.id, word);
      matched.add(found.id);
      continue;
    }
    // Not listed: the seed's id keeps a body buildable (for a review), but the word is missing.
    resolved.id[word] = seed.find((e) => keys.has(iccamNameKey(e.name)))?.id ?? null;
    if (!optional.has(word)) {
      anyMissing = true;
      out.missing.push(`${list}: ${word}`);
    }
  }
  if (anyMissing) out.unmatched[list] = available.filter((e) => !matched.has(e.id)).map((e) => e.name);
  (out.ids as Record<IccamNamedList, unknown>)[list] = resolved;
}

/**
 * Resolves every word we use against the lists (those not given fall back to the seed), through
 * the names each word accepts. A required word none of whose names is listed is reported as
 * missing, with the names ICCAM lists instead: the destination is then not ready.
 */
export function resolveVocabulary(lists: IccamLookupLists, accepted: IccamAcceptedNames): ResolvedVocabulary {
  const out: ResolvedVocabulary = { ids: {} as IccamVocabularyIds, missing: [], unmatched: {} };
  for (const list of ICCAM_NAMED_LISTS) resolveList(list, lists[list], accepted[list], out);
  return out;
}

/** An id a request needs: the word's id (the seed's when ICCAM lists none; the caller checks `missing` first). */
export function idOf<L extends IccamNamedList>(ids: IccamVocabularyIds, list: L, word: IccamWord<L>): number {
  return (ids[list] as ResolvedList<IccamWord<L>>).id[word] ?? -1;
}

export type { IccamActionWord };
