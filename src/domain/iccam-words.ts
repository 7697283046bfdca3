/**
 * Our side of ICCAM's lookup lists (contract §4): for each list ICCAM maps by numeric id, the
 * words we use. Which name ICCAM gives each word is not ours to fix: the accepted names of every
 * word are kept in `config/iccam-names.json` (src/config/iccam-names-file.ts), so an operator
 * can add the name ICCAM uses today without a release. Pure constants.
 */
import { SITE_TYPES, type Classification } from './referral.js';

/** The lists we map by name (countries and payment methods are sent by code and by id). */
export const ICCAM_NAMED_LISTS = [
  'classifications',
  'age-categories',
  'gender-categories',
  'commercialities',
  'site-types',
  'action-types',
  'action-reasons',
] as const;
export type IccamNamedList = (typeof ICCAM_NAMED_LISTS)[number];

export type CommercialityWord = 'commercial' | 'non-commercial' | 'not-determined';
/** ICCAM's classifications: ours, and "ignore" (ICCAM's word for not illegal), read only. */
export type IccamClassificationWord = Classification['category'] | 'ignore';
/** Action types by the name SCARt knows them (contract §4, Status). */
const ICCAM_ACTION_WORDS = ['ReportedToLEA', 'ReportedToISP', 'Removed', 'Unavailable', 'NotIllegal', 'Moved'] as const;
export type IccamActionWord = (typeof ICCAM_ACTION_WORDS)[number];

/** Why a Belgian analyst found partner content not illegal here (contract §3 assessment). */
export const NOT_ILLEGAL_REASONS = ['adult', 'age_over_threshold', 'below_threshold', 'virtual', 'not_found', 'other'] as const;
export type NotIllegalReason = (typeof NOT_ILLEGAL_REASONS)[number];

/** Every word of every list, in the order the names file lists them. */
export const ICCAM_WORDS = {
  classifications: ['baseline', 'national', 'ignore'],
  'age-categories': ['infant', 'prepubescent', 'pubescent', 'unknown'],
  'gender-categories': ['female', 'male', 'both', 'unknown'],
  commercialities: ['commercial', 'non-commercial', 'not-determined'],
  'site-types': SITE_TYPES,
  'action-types': ICCAM_ACTION_WORDS,
  'action-reasons': NOT_ILLEGAL_REASONS,
} as const satisfies Record<IccamNamedList, readonly string[]>;

/**
 * Words nothing requires ICCAM to list: "ignore" is only read, and "Moved" is no action in v3
 * (a move is the two assignment PUTs), so SCARt's table gives it no id.
 */
export const OPTIONAL_ICCAM_WORDS: Readonly<Partial<Record<IccamNamedList, readonly string[]>>> = {
  classifications: ['ignore'],
  'action-types': ['Moved'],
};

/** Accepted names per word per list, as the names file holds them. */
export type IccamAcceptedNames = { [L in IccamNamedList]: Record<(typeof ICCAM_WORDS)[L][number], readonly string[]> };

export type IccamWord<L extends IccamNamedList> = (typeof ICCAM_WORDS)[L][number];
