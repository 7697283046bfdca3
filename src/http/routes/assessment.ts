/**
 * POST /v1/handovers/:id/assessment (contract §3, §4 Inbound): a Belgian analyst's assessment of
 * content a partner hotline handed us through ICCAM. Illegal here, with our classification: it is
 * located next. Not illegal here, with the reason: it closes (`not_illegal`). ICCAM hears of it
 * in the next inbound pass.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { NOT_ILLEGAL_REASONS } from '../../domain/iccam-words.js';
import { classificationSchema } from '../../domain/referral.js';
import { assessPartnerItem } from '../../services/assess-partner-item.js';
import { handoverSummary } from '../../services/record-views.js';
import { allowRoles } from '../middleware/authenticate.js';
import { parseBody, parseParams } from '../middleware/validate.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { actorOf, requireCaller } from '../request-context.js';
import { handoverSummarySchema } from '../response-schemas.js';
import { errorSchema, READ_ROLES } from './shared-schemas.js';
import { noteText } from '../../domain/plain-text.js';

const idParams = z.object({ id: z.uuid() });

export const assessmentBody = z
  .discriminatedUnion('illegal', [
    z.strictObject({ illegal: z.literal(true), classification: classificationSchema }),
    z.strictObject({
      illegal: z.literal(false),
      reason: z
        .enum(NOT_ILLEGAL_REASONS)
        .describe(
          'adult: adult pornography; age_over_threshold: over the national age threshold; below_threshold: does not meet the threshold for illegality; virtual: virtual material; not_found: the content was not found (ICCAM is told Unavailable); other',
        ),
      note: noteText().optional().describe('Sent to ICCAM as the reason text (line breaks become spaces; other control characters are refused)'),
    }),
  ])
  .meta({ id: 'Assessment', description: 'Illegal in Belgium with its classification, or not illegal with the reason' });

export function assessmentRoutes(ctx: Context, openapi: OpenApiRegistry): Router {
  const router = Router();
  openapi.register({
    method: 'post',
    path: '/v1/handovers/:id/assessment',
    operationId: 'assessHandover',
    summary: 'Assess content a partner hotline handed us through ICCAM (awaiting_assessment): illegal → locating, not illegal → closed',
    tags: ['handovers'],
    roles: READ_ROLES,
    params: idParams,
    body: assessmentBody,
    bodyExample: { illegal: false, reason: 'age_over_threshold', note: 'Adults, by the national threshold' },
    responses: {
      200: { description: 'The handover after the assessment', schema: handoverSummarySchema },
      400: { description: 'Invalid body', schema: errorSchema },
      404: { description: 'Unknown handover', schema: errorSchema },
      409: { description: 'The handover does not await an assessment', schema: errorSchema },
    },
  });
  router.post('/v1/handovers/:id/assessment', allowRoles(READ_ROLES), async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(assessmentBody, req);
    res.json(handoverSummary(await assessPartnerItem(ctx, id, body, actorOf(requireCaller(req)))));
  });
  return router;
}
