/**
 * What a referral carries (contract §3): the classification partners need and nothing more —
 * the vocabulary ICCAM uses. Reporter identity never enters this service.
 */
import { z } from 'zod';

/** ICCAM's site types, in our spelling (contract §3). */
export const SITE_TYPES = [
  'website',
  'file-host',
  'image-store',
  'image-board',
  'forum',
  'banner',
  'link-site',
  'social-network',
  'redirector',
  'web-archive',
  'search-provider',
  'image-host',
  'blog',
  'not-applicable',
] as const;
export type SiteType = (typeof SITE_TYPES)[number];

/** Earlier spellings, still accepted at intake and stored as their current names. */
const LEGACY_SITE_TYPES = ['social', 'other'] as const;
const LEGACY_SITE_TYPE_NAMES: Record<(typeof LEGACY_SITE_TYPES)[number], SiteType> = { social: 'social-network', other: 'not-applicable' };

export const classificationSchema = z
  .strictObject({
    category: z.enum(['baseline', 'national']),
    ageGroup: z.enum(['infant', 'prepubescent', 'pubescent', 'unknown']),
    gender: z.enum(['female', 'male', 'both', 'unknown']).optional(),
    siteType: z.enum([...SITE_TYPES, ...LEGACY_SITE_TYPES]).optional(),
    /** Absent: not determined (ICCAM's third state). */
    commercial: z.boolean().optional(),
  })
  .meta({ id: 'Classification', description: 'What partners need to act on the report (ICCAM vocabulary).' });

export type Classification = z.infer<typeof classificationSchema>;

export const contentTypeSchema = z.enum(['image', 'video', 'other']);
export type ContentType = z.infer<typeof contentTypeSchema>;

export const MAX_URLS_PER_REFERRAL = 100;
export const MAX_URL_LENGTH = 2048;

/** The current name of a site type (earlier spellings mapped); referrals stored before keep theirs. */
export function currentSiteType(siteType: NonNullable<Classification['siteType']>): SiteType {
  return siteType in LEGACY_SITE_TYPE_NAMES ? LEGACY_SITE_TYPE_NAMES[siteType as keyof typeof LEGACY_SITE_TYPE_NAMES] : (siteType as SiteType);
}

/** The classification as stored: site types in their current names. */
export function normaliseClassification(c: Classification): Classification {
  return c.siteType === undefined ? c : { ...c, siteType: currentSiteType(c.siteType) };
}

/**
 * `reportedAt` must be plausible: within ten years before the intake (older reports are no
 * longer actionable) and at most five minutes after it (clock skew), never year 0000 or 9999.
 */
const REPORTED_AT_WINDOW = { beforeMs: 3_652 * 24 * 3_600_000, afterMs: 5 * 60_000 } as const;

/** Why `reportedAt` (ms) is implausible at `now` (ms), or null when it is plausible. */
export function reportedAtProblem(reportedAt: number, now: number): string | null {
  if (!Number.isFinite(reportedAt)) return 'is not a date';
  if (reportedAt < now - REPORTED_AT_WINDOW.beforeMs) return 'is more than ten years before now';
  if (reportedAt > now + REPORTED_AT_WINDOW.afterMs) return 'is in the future';
  return null;
}

/** `referredBy`: the analyst's name as the back office knows it (no reporter identity). */
export const MAX_REFERRED_BY_LENGTH = 200;
