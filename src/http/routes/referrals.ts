/**
 * POST /v1/referrals and GET /v1/referrals/:reportId (contract §3).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { NotFoundError } from '../../domain/errors.js';
import { hasControlCharacters, NO_CONTROLS } from '../../domain/plain-text.js';
import { INTAKE_URL_MESSAGES, checkIntakeUrl } from '../../domain/intake-url.js';
import { MAX_REFERRED_BY_LENGTH, MAX_URLS_PER_REFERRAL, classificationSchema, contentTypeSchema } from '../../domain/referral.js';
import { submitReferral } from '../../services/intake.js';
import { allowRoles } from '../middleware/authenticate.js';
import { parseBody, parseParams } from '../middleware/validate.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { actorOf, requireCaller } from '../request-context.js';
import { referralViewSchema } from '../response-schemas.js';
import { referralView } from '../../services/record-views.js';
import { errorSchema, READ_ROLES } from './shared-schemas.js';

const reportedUrl = z.string().superRefine((value, check) => {
  const problem = checkIntakeUrl(value);
  if (problem) check.addIssue({ code: 'custom', message: `url ${INTAKE_URL_MESSAGES[problem]}`, params: { reason: problem } });
});

const referralBody = z
  .strictObject({
    reportId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only')
      // Partner reports taken in from ICCAM are `iccam:<ICCAM report id>`: not the back office's to use.
      .refine((id) => !id.toLowerCase().startsWith('iccam:'), 'iccam: is reserved for reports taken in from ICCAM'),
    urls: z
      .array(z.strictObject({ url: reportedUrl, contentType: contentTypeSchema.optional() }))
      .min(1, 'at least one URL is required')
      .max(MAX_URLS_PER_REFERRAL, `at most ${MAX_URLS_PER_REFERRAL} URLs per referral`),
    classification: classificationSchema,
    reportedAt: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        'When the hotline received the report (ICCAM hotlineReceivedDate); the intake time when absent. At most 10 years before the intake and 5 minutes after it',
      ),
    referredBy: z
      .string()
      .trim()
      .min(1)
      .max(MAX_REFERRED_BY_LENGTH)
      .refine((name) => !hasControlCharacters(name), NO_CONTROLS)
      .optional()
      .describe("The analyst's name as the back office knows it; sent to ICCAM as the reporting and assessing analyst"),
  })
  .meta({ id: 'ReferralRequest' });

const accepted = z
  .object({
    referralId: z.string(),
    handovers: z.array(
      z.object({
        id: z.string(),
        url: z.string(),
        state: z.string(),
        duplicateOf: z.string().optional().meta({ description: 'The live handover that already carries this URL; this entry is never sent' }),
        reappearanceOf: z
          .string()
          .optional()
          .meta({ description: 'The earlier case of this URL, over (closed, failed or cancelled) when this one was referred' }),
      }),
    ),
  })
  .meta({ id: 'ReferralAccepted' });

const reportParams = z.object({ reportId: z.string().min(1).max(128) });

export function referralRoutes(ctx: Context, openapi: OpenApiRegistry): Router {
  const router = Router();
  // Contract §3: a supervisor may do everything an analyst may, referring included.
  const submitRoles = ['analyst', 'supervisor', 'service'] as const;

  openapi.register({
    method: 'post',
    path: '/v1/referrals',
    operationId: 'submitReferral',
    summary: 'Refer a confirmed report: one handover per URL, located and routed in the background',
    tags: ['referrals'],
    roles: submitRoles,
    body: referralBody,
    bodyExample: {
      reportId: 'CF-2026-0001',
      urls: [{ url: 'https://images.host.example/gallery/1.jpg', contentType: 'image' }],
      classification: { category: 'baseline', ageGroup: 'prepubescent' },
      reportedAt: '2026-02-28T09:00:00Z',
    },
    responses: {
      202: {
        description: 'Accepted; handovers start in locating',
        schema: accepted,
        example: {
          referralId: '7d1e2f3a-4b5c-4d6e-8f70-1a2b3c4d5e6f',
          handovers: [{ id: '0b9f5c1e-2d4a-4c8e-9a51-3f6d2b7e8c10', url: 'https://images.host.example/gallery/1.jpg', state: 'locating' }],
        },
      },
      200: { description: 'The same report with the same body was referred before: the same answer', schema: accepted },
      400: { description: 'Invalid body', schema: errorSchema },
      409: { description: 'The report was referred before with a different body', schema: errorSchema },
    },
  });
  router.post('/v1/referrals', allowRoles(submitRoles), async (req, res) => {
    const body = parseBody(referralBody, req);
    const result = await submitReferral(ctx, body, actorOf(requireCaller(req)));
    res.status(result.created ? 202 : 200).json({
      referralId: result.referral.id,
      handovers: result.handovers.map((h) => ({
        id: h.id,
        url: h.url,
        state: h.state,
        ...(h.duplicateOf ? { duplicateOf: h.duplicateOf } : {}),
        ...(h.reappearanceOf ? { reappearanceOf: h.reappearanceOf } : {}),
      })),
    });
  });

  openapi.register({
    method: 'get',
    path: '/v1/referrals/:reportId',
    operationId: 'getReferral',
    summary: 'The referral and its handovers',
    tags: ['referrals'],
    roles: READ_ROLES,
    params: reportParams,
    responses: { 200: { description: 'The referral', schema: referralViewSchema }, 404: { description: 'Unknown report', schema: errorSchema } },
  });
  router.get('/v1/referrals/:reportId', allowRoles(READ_ROLES), async (req, res) => {
    const { reportId } = parseParams(reportParams, req);
    const found = await ctx.store.getReferralByReportId(reportId);
    if (!found) throw new NotFoundError(`Referral for report ${reportId}`);
    // A duplicate entry shows where its URL is being handled: the carrying handover's state now.
    const carrierIds = [...new Set(found.handovers.flatMap((h) => (h.duplicateOf ? [h.duplicateOf] : [])))];
    const carriers = new Map((await Promise.all(carrierIds.map((id) => ctx.store.getHandover(id)))).flatMap((h) => (h ? [[h.id, h] as const] : [])));
    const view = referralView(found.referral, found.handovers);
    res.json({
      ...view,
      handovers: view.handovers.map((h) => {
        const carrier = h.duplicateOf ? carriers.get(h.duplicateOf) : undefined;
        return carrier
          ? {
              ...h,
              carriedBy: { id: carrier.id, reportId: carrier.reportId, state: carrier.state, destination: carrier.destination, reference: carrier.reference },
            }
          : h;
      }),
    });
  });

  return router;
}
