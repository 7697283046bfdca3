/** GET /v1/stats: counts per state and destination, and the time figures hotlines publish. */
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { computeHandoverStats } from '../../domain/handover-stats.js';
import { computeUrlRepeatStats } from '../../domain/url-repeat-stats.js';
import { allowRoles } from '../middleware/authenticate.js';
import { parseQuery } from '../middleware/validate.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { statsSchema } from '../response-schemas.js';
import { errorSchema, READ_ROLES } from './shared-schemas.js';

const statsQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export function statsRoutes(ctx: Context, openapi: OpenApiRegistry): Router {
  const router = Router();
  openapi.register({
    method: 'get',
    path: '/v1/stats',
    operationId: 'getStats',
    summary:
      'Handovers per state and destination; time to delivery, acknowledgement and removal (median, p90) per destination and country; URLs referred again (duplicates, reappearances) in total and per month',
    tags: ['statistics'],
    roles: READ_ROLES,
    query: statsQuery,
    responses: { 200: { description: 'Figures; durations in milliseconds', schema: statsSchema }, 400: { description: 'Invalid range', schema: errorSchema } },
  });
  router.get('/v1/stats', allowRoles(READ_ROLES), async (req, res) => {
    const q = parseQuery(statsQuery, req);
    const range = { ...(q.from ? { from: Date.parse(q.from) } : {}), ...(q.to ? { to: Date.parse(q.to) } : {}) };
    const [rows, repeats] = await Promise.all([ctx.store.listTimings(range), ctx.store.listUrlRepeats(range)]);
    res.json({ generatedAt: ctx.clock.now().toISOString(), ...computeHandoverStats(rows), urlRepeats: computeUrlRepeatStats(repeats) });
  });
  return router;
}
