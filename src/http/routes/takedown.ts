/**
 * The takedown clock's endpoints (contract §3): what the back office saw of the content
 * (`POST /v1/handovers/:id/observations`), a supervisor's note that a case past the last mark
 * was chased (`POST /v1/handovers/:id/chase`), and the clock itself (`GET /v1/stats/takedown`).
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { OBSERVATION_KINDS } from '../../domain/observation.js';
import { TAKEDOWN_GROUPINGS, takedownFigures } from '../../domain/takedown-clock.js';
import { recordObservation } from '../../services/record-observation.js';
import { handoverSummary } from '../../services/record-views.js';
import { noteRemovalChase } from '../../services/removal-chase.js';
import { allowRoles } from '../middleware/authenticate.js';
import { parseBody, parseParams, parseQuery } from '../middleware/validate.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { actorOf, requireCaller } from '../request-context.js';
import { handoverSummarySchema } from '../response-schemas.js';
import { errorSchema, READ_ROLES, SUPERVISOR_ONLY } from './shared-schemas.js';
import { nameText, noteText } from '../../domain/plain-text.js';

const idParams = z.object({ id: z.uuid() });
const isoTime = z.iso.datetime({ offset: true });

const observationBody = z
  .strictObject({
    kind: z.enum(OBSERVATION_KINDS).describe('What the back office saw: the content removed, unavailable, or still online'),
    observedAt: isoTime.describe('When it was seen (not in the future)'),
    note: noteText(0).optional(),
    observedBy: nameText().optional().describe('Who saw it, as the back office names them (default: the API key’s name)'),
  })
  .meta({ id: 'Observation' });

const observationResult = z
  .object({
    effect: z
      .enum(['closed', 'removal_recorded', 'recorded', 'unchanged'])
      .describe(
        'closed: a removal closed the delivered or acknowledged case and stopped its clock; removal_recorded: a case closed earlier got its removal time; recorded: noted only; unchanged: the same observation was recorded before',
      ),
    handover: handoverSummarySchema,
  })
  .meta({ id: 'ObservationResult' });

const chaseBody = z.strictObject({ note: noteText(3).describe('What was done, e.g. "asked the partner hotline again"') }).meta({ id: 'RemovalChase' });

const takedownQuery = z.strictObject({
  groupBy: z.enum(TAKEDOWN_GROUPINGS).default('destination'),
  from: isoTime.optional(),
  to: isoTime.optional(),
});

const stepFigures = z
  .object({
    count: z.number().int().describe('How many reached the step'),
    medianMs: z.number().nullable(),
    p90Ms: z.number().nullable(),
    within: z.record(z.string(), z.number()).describe('Per mark: the share (0 to 1) of `referred` that reached the step within it'),
    openPast: z.record(z.string(), z.number().int()).describe('Per mark: how many have not reached the step, are still open, and started longer ago'),
  })
  .meta({ id: 'TakedownStep' });

const takedownSchema = z
  .object({
    groupBy: z.enum(TAKEDOWN_GROUPINGS),
    targets: z.array(z.string()).describe('The marks (TAKEDOWN_TARGETS), shortest first'),
    groups: z.array(
      z.object({
        key: z.string().nullable().describe('The destination, country, network (AS number) or source; null: not known (e.g. not routed yet)'),
        referred: z.number().int(),
        delivered: stepFigures,
        acknowledged: stepFigures,
        removed: stepFigures,
      }),
    ),
  })
  .meta({ id: 'TakedownClock', description: 'Durations in milliseconds, timed from the referral (or ICCAM’s assignment)' });

const TAKEDOWN_EXAMPLE = {
  groupBy: 'destination',
  targets: ['24h', '60h', '7d'],
  groups: [
    {
      key: 'police',
      referred: 4,
      delivered: { count: 4, medianMs: 600_000, p90Ms: 1_800_000, within: { '24h': 1, '60h': 1, '7d': 1 }, openPast: { '24h': 0, '60h': 0, '7d': 0 } },
      acknowledged: {
        count: 3,
        medianMs: 7_200_000,
        p90Ms: 10_800_000,
        within: { '24h': 0.75, '60h': 0.75, '7d': 0.75 },
        openPast: { '24h': 1, '60h': 0, '7d': 0 },
      },
      removed: {
        count: 2,
        medianMs: 86_400_000,
        p90Ms: 172_800_000,
        within: { '24h': 0.25, '60h': 0.5, '7d': 0.5 },
        openPast: { '24h': 2, '60h': 1, '7d': 0 },
      },
    },
  ],
};

export function takedownRoutes(ctx: Context, openapi: OpenApiRegistry): Router {
  const router = Router();

  openapi.register({
    method: 'post',
    path: '/v1/handovers/:id/observations',
    operationId: 'recordObservation',
    summary:
      'What the back office saw of the content (this service never looks): removed or unavailable closes a delivered or acknowledged case and stops its takedown clock; online is recorded; the same observation twice changes nothing',
    tags: ['handovers'],
    roles: READ_ROLES,
    params: idParams,
    body: observationBody,
    bodyExample: { kind: 'removed', observedAt: '2026-03-02T08:30:00Z', note: 'checked from the back office', observedBy: 'Analyst 7' },
    responses: {
      200: { description: 'Recorded (or already recorded), and what it did', schema: observationResult },
      400: { description: 'Invalid body, or observedAt in the future', schema: errorSchema },
      404: { description: 'Unknown handover', schema: errorSchema },
    },
  });
  router.post('/v1/handovers/:id/observations', allowRoles(READ_ROLES), async (req, res) => {
    const { id } = parseParams(idParams, req);
    const body = parseBody(observationBody, req);
    const { handover, effect } = await recordObservation(
      { store: ctx.store, now: ctx.clock.now().getTime() },
      id,
      { kind: body.kind, observedAt: Date.parse(body.observedAt), note: body.note ?? null, observedBy: body.observedBy ?? null },
      actorOf(requireCaller(req)),
    );
    res.json({ effect, handover: handoverSummary(handover) });
  });

  openapi.register({
    method: 'post',
    path: '/v1/handovers/:id/chase',
    operationId: 'noteRemovalChase',
    summary: 'Note that a case the destination holds was chased (e.g. past the last takedown mark): an audit event; nothing is sent',
    tags: ['supervisor'],
    roles: SUPERVISOR_ONLY,
    params: idParams,
    body: chaseBody,
    responses: {
      200: { description: 'The handover, with the chase in its trail', schema: handoverSummarySchema },
      400: { description: 'Invalid body', schema: errorSchema },
      404: { description: 'Unknown handover', schema: errorSchema },
      409: { description: 'The destination does not hold it (not delivered or acknowledged)', schema: errorSchema },
    },
  });
  router.post('/v1/handovers/:id/chase', allowRoles(SUPERVISOR_ONLY), async (req, res) => {
    const { id } = parseParams(idParams, req);
    const { note } = parseBody(chaseBody, req);
    res.json(handoverSummary(await noteRemovalChase({ store: ctx.store, now: ctx.clock.now().getTime() }, id, note, actorOf(requireCaller(req)))));
  });

  openapi.register({
    method: 'get',
    path: '/v1/stats/takedown',
    operationId: 'getTakedownClock',
    summary:
      'The takedown clock: per destination, country, network or source, the time from referral (or ICCAM assignment) to delivery, acknowledgement and removal — count, median, p90, the share within each TAKEDOWN_TARGETS mark, and how many are open past each',
    tags: ['statistics'],
    roles: READ_ROLES,
    query: takedownQuery,
    responses: {
      200: { description: 'The clock, one group per key (handovers whose clock started in [from, to))', schema: takedownSchema, example: TAKEDOWN_EXAMPLE },
      400: { description: 'Invalid grouping or range', schema: errorSchema },
    },
  });
  router.get('/v1/stats/takedown', allowRoles(READ_ROLES), async (req, res) => {
    const q = parseQuery(takedownQuery, req);
    const marks = ctx.config.takedownTargets;
    const counts = await ctx.store.takedownCounts({
      groupBy: q.groupBy,
      ...(q.from ? { from: Date.parse(q.from) } : {}),
      ...(q.to ? { to: Date.parse(q.to) } : {}),
      marksMs: marks.map((m) => m.ms),
      now: ctx.clock.now().getTime(),
    });
    // A group holding only duplicates of cases referred earlier has nothing of its own to time.
    res.json(
      takedownFigures(
        q.groupBy,
        counts.filter((g) => g.referred > 0),
        marks,
      ),
    );
  });
  return router;
}
