/**
 * The handover endpoints (contract §3): list with filters and cursor pagination, the full
 * record of one (with the duplicates and reappearances linked to it), and the supervisor's
 * route / retry / cancel / split.
 */
import { normaliseEvidenceOutcomes } from '../../domain/evidence.js';
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { DESTINATIONS } from '../../domain/decision.js';
import { NotFoundError, ValidationError } from '../../domain/errors.js';
import { HANDOVER_STATES } from '../../domain/handover-states.js';
import { reasonText as plainReasonText } from '../../domain/plain-text.js';
import { splitDuplicate } from '../../services/split-duplicate.js';
import { cancelHandover, retryFailed, routeByHand } from '../../services/supervisor-actions.js';
import { resolveHandover } from '../../services/resolve-handover.js';
import { allowRoles } from '../middleware/authenticate.js';
import { parseBody, parseParams, parseQuery, parseWith } from '../middleware/validate.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { actorOf, requireCaller } from '../request-context.js';
import { ackView, attemptView, auditView, handoverSummary, partnerView, reviewView, urlLinkView } from '../../services/record-views.js';
import { handoverDetailSchema, handoverPageSchema, handoverSummarySchema } from '../response-schemas.js';
import { errorSchema, READ_ROLES, SUPERVISOR_ONLY } from './shared-schemas.js';
import type { HandoverRecord } from '../../store/store.js';

const HANDOVER_EXAMPLE = {
  id: '0b9f5c1e-2d4a-4c8e-9a51-3f6d2b7e8c10',
  referralId: '7d1e2f3a-4b5c-4d6e-8f70-1a2b3c4d5e6f',
  reportId: 'CF-2026-0001',
  url: 'https://images.host.example/gallery/1.jpg',
  contentType: 'image',
  state: 'needs_review',
  destination: null,
  country: null,
  targetHotline: null,
  assignedCountry: null,
  reference: null,
  attempts: 0,
  nextAttemptAt: null,
  overdue: false,
  outcome: null,
  failureReason: null,
  parentId: null,
  createdAt: '2026-03-01T10:00:00.000Z',
  locatedAt: '2026-03-01T10:00:02.000Z',
  deliveredAt: null,
  acknowledgedAt: null,
  closedAt: null,
  contentRemovedAt: null,
  removalOverdue: false,
  removalOverdueAt: null,
  updatedAt: '2026-03-01T10:00:02.000Z',
  review: { reasons: ['behind_cdn'], since: '2026-03-01T10:00:02.000Z', ageSeconds: 5400 },
};

const listQuery = z.strictObject({
  state: z.enum(HANDOVER_STATES).optional(),
  destination: z.enum(DESTINATIONS as ['police', 'inhope']).optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/)
    .transform((c) => c.toUpperCase())
    .optional(),
  overdue: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const idParams = z.object({ id: z.uuid() });
const reasonText = plainReasonText();
const routeBody = z
  .strictObject({
    destination: z.enum(DESTINATIONS as ['police', 'inhope']),
    country: z.string().optional(),
    reason: reasonText,
    resend: z
      .boolean()
      .optional()
      .describe(
        'Required (true) for a handover in needs_review whose delivery outcome is unknown: you looked in ICCAM for hotlineReference <handover id> and found no report. Without it the answer is 409 outcome_unknown.',
      ),
  })
  .meta({ id: 'ManualRoute' });
const retryBody = z.strictObject({ reason: reasonText.optional() }).meta({ id: 'Retry' });
const cancelBody = z.strictObject({ reason: reasonText }).meta({ id: 'Cancel' });
const splitBody = z.strictObject({ reason: reasonText }).meta({ id: 'Split' });
const resolveBody = z
  .strictObject({
    reference: z.string().trim().min(1).max(128).describe("The destination's reference found there (for ICCAM: the report id)"),
    reason: reasonText,
  })
  .meta({ id: 'Resolve' });

/** The cursor is the last seq seen, opaque to callers. */
function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`).toString('base64url');
}
function decodeCursor(cursor: string): number {
  const match = /^s(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match)
    throw new ValidationError('The cursor is not valid.', [{ path: 'cursor', code: 'invalid_cursor', message: 'use nextCursor from a previous page' }]);
  return Number(match[1]);
}

export function handoverRoutes(ctx: Context, openapi: OpenApiRegistry): Router {
  const router = Router();

  openapi.register({
    method: 'get',
    path: '/v1/handovers',
    operationId: 'listHandovers',
    summary: 'Handovers, filtered by state, destination, country or overdue; cursor pagination',
    tags: ['handovers'],
    roles: READ_ROLES,
    query: listQuery,
    responses: {
      200: {
        description: 'One page of handovers, oldest first; those in needs_review carry `review` (reasons and age)',
        schema: handoverPageSchema,
        example: { items: [HANDOVER_EXAMPLE], nextCursor: null },
      },
      400: { description: 'Invalid filter', schema: errorSchema },
    },
  });
  router.get('/v1/handovers', allowRoles(READ_ROLES), async (req, res) => {
    const q = parseQuery(listQuery, req);
    const items = await ctx.store.listHandovers({
      ...(q.state ? { state: q.state } : {}),
      ...(q.destination ? { destination: q.destination } : {}),
      ...(q.country ? { country: q.country } : {}),
      ...(q.overdue ? { overdue: q.overdue === 'true' } : {}),
      afterSeq: q.cursor ? decodeCursor(q.cursor) : 0,
      limit: q.limit + 1,
    });
    const page = items.slice(0, q.limit);
    const now = ctx.clock.now().getTime();
    const withReview = (h: (typeof page)[number]) => {
      const review = reviewView(h, now);
      return { ...handoverSummary(h), ...(review ? { review } : {}) };
    };
    res.json({ items: page.map(withReview), nextCursor: items.length > q.limit ? encodeCursor(page.at(-1)!.seq) : null });
  });

  openapi.register({
    method: 'get',
    path: '/v1/handovers/:id',
    operationId: 'getHandover',
    summary: 'One handover: state, evidence, decision, attempts, acknowledgements, audit trail',
    tags: ['handovers'],
    roles: READ_ROLES,
    params: idParams,
    responses: { 200: { description: 'The handover', schema: handoverDetailSchema }, 404: { description: 'Unknown handover', schema: errorSchema } },
  });
  router.get('/v1/handovers/:id', allowRoles(READ_ROLES), async (req, res) => {
    const { id } = parseParams(idParams, req);
    const handover = await ctx.store.getHandover(id);
    if (!handover) throw new NotFoundError(`Handover ${id}`);
    const [attempts, acks, audit, links] = await Promise.all([
      ctx.store.listAttempts(id),
      ctx.store.listAcks(id),
      ctx.store.listAuditEvents(id),
      ctx.store.listUrlLinks(id),
    ]);
    res.json({
      ...handoverSummary(handover),
      classification: handover.classification,
      partner: partnerView(handover),
      evidence: handover.evidence && normaliseEvidenceOutcomes(handover.evidence),
      decision: handover.decision,
      attempts: attempts.map(attemptView),
      acknowledgements: acks.map(ackView),
      duplicates: links.duplicates.map(urlLinkView),
      reappearances: links.reappearances.map(urlLinkView),
      audit: audit.map(auditView),
    });
  });

  /** A supervisor's action on one handover: documented, checked and answered the same way. */
  const supervisorAction = <S extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    body: S,
    act: (id: string, input: z.output<S>, actor: string) => Promise<HandoverRecord>,
    /** Every field is optional, so the body may be left out (retry). */
    bodyOptional = false,
    conflictWords = 'Not allowed from the handover’s current state',
  ) => {
    openapi.register({
      method: 'post',
      path,
      operationId,
      summary,
      tags: ['supervisor'],
      roles: SUPERVISOR_ONLY,
      params: idParams,
      body,
      responses: {
        200: { description: 'The handover after the change', schema: handoverSummarySchema },
        400: { description: 'Invalid body', schema: errorSchema },
        403: { description: 'Not a supervisor', schema: errorSchema },
        404: { description: 'Unknown handover', schema: errorSchema },
        409: { description: conflictWords, schema: errorSchema },
      },
    });
    router.post(path, allowRoles(SUPERVISOR_ONLY), async (req, res) => {
      const { id } = parseParams(idParams, req);
      const input = bodyOptional ? parseWith(body, req.body ?? {}, 'request body') : parseBody(body, req);
      res.json(handoverSummary(await act(id, input, actorOf(requireCaller(req)))));
    });
  };

  supervisorAction(
    '/v1/handovers/:id/route',
    'routeHandover',
    'Set the destination by hand, with a reason (recorded as an override)',
    routeBody,
    (id, body, actor) => routeByHand(ctx, id, body, actor),
    false,
    'Not allowed from the handover’s current state (`invalid_transition`); its delivery outcome is unknown and `resend` was not true (`outcome_unknown`); or the destination cannot take it as it stands (`incomplete_for_destination`, `details.missing` says what it lacks)',
  );
  supervisorAction(
    '/v1/handovers/:id/retry',
    'retryHandover',
    'Send a failed handover back for delivery',
    retryBody,
    (id, body, actor) => retryFailed(ctx, id, actor, body.reason ?? null),
    true,
  );
  supervisorAction(
    '/v1/handovers/:id/resolve',
    'resolveHandover',
    'Record the reference of a delivery whose outcome was unknown: the handover is delivered',
    resolveBody,
    (id, body, actor) => resolveHandover({ store: ctx.store, now: ctx.clock.now().getTime() }, id, body, actor),
  );
  supervisorAction('/v1/handovers/:id/cancel', 'cancelHandover', 'Withdraw a handover, with a reason', cancelBody, (id, body, actor) =>
    cancelHandover(ctx, id, actor, body.reason),
  );
  supervisorAction(
    '/v1/handovers/:id/split',
    'splitDuplicate',
    'Make a duplicate a case of its own (the reports are about different things at one URL), with a reason',
    splitBody,
    (id, body, actor) => splitDuplicate(ctx, id, actor, body.reason),
  );

  return router;
}
