/**
 * What a referral carries (contract §3): the classification partners need and nothing more —
 * the vocabulary ICCAM uses. Reporter identity never enters this service.
 */
import { z } from 'zod';

export const classificationSchema = z
  .strictObject({
    category: z.enum(['baseline', 'national']),
    ageGroup: z.enum(['infant', 'prepubescent', 'pubescent', 'unknown']),
    gender: z.enum(['female', 'male', 'both', 'unknown']).optional(),
    siteType: z.enum(['website', 'image-host', 'file-host', 'forum', 'social', 'other']).optional(),
    commercial: z.boolean().optional(),
  })
  .meta({ id: 'Classification', description: 'What partners need to act on the report (ICCAM vocabulary).' });

export type Classification = z.infer<typeof classificationSchema>;

export const contentTypeSchema = z.enum(['image', 'video', 'other']);
export type ContentType = z.infer<typeof contentTypeSchema>;

export const MAX_URLS_PER_REFERRAL = 100;
export const MAX_URL_LENGTH = 2048;
