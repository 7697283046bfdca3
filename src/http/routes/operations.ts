/**
 * Open endpoints for operators and orchestrators: liveness, readiness, Prometheus metrics and
 * the OpenAPI document. None needs a key, none shows case data.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { Context } from '../../context.js';
import { RecentResult } from '../../domain/recent-result.js';
import { collectReadiness, type ReadinessProbe } from '../../services/readiness.js';
import type { OpenApiRegistry } from '../openapi-registry.js';
import { openApiDocumentSchema, readinessSchema } from '../response-schemas.js';

const health = z.object({ status: z.literal('ok') });

/**
 * Probes and scrapes may come as often as anyone likes: what they read from the store is
 * kept this long, so a flood costs the store one read a second, not one per request.
 */
const PROBE_RESULT_MAX_AGE_MS = 1_000;

export function operationsRoutes(
  ctx: Context,
  openapi: OpenApiRegistry,
  info: { title: string; version: string },
  readiness: readonly ReadinessProbe[],
): Router {
  const router = Router();
  const open = { tags: ['operations'], roles: [] as const };

  openapi.register({
    ...open,
    method: 'get',
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process answers',
    responses: { 200: { description: 'Alive', schema: health, example: { status: 'ok' } } },
  });
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  openapi.register({
    ...open,
    method: 'get',
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: store reachable, GeoIP loaded, destinations configured, circuit breakers',
    responses: {
      200: { description: 'Ready', schema: readinessSchema, example: { ready: true, checks: { store: { ok: true, critical: true } } } },
      503: { description: 'Not ready; checks say why', schema: readinessSchema },
    },
  });
  const readinessReport = new RecentResult(ctx.clock, PROBE_RESULT_MAX_AGE_MS, () => collectReadiness(readiness));
  router.get('/readyz', async (_req, res) => {
    const report = await readinessReport.get();
    res.status(report.ready ? 200 : 503).json(report);
  });

  openapi.register({
    ...open,
    method: 'get',
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Prometheus text format', schema: z.string(), contentType: 'text/plain' } },
  });
  // Counts per state come from the store (at most a second old), so every replica reports the
  // same truth rather than what it happened to change itself.
  const stateCounts = new RecentResult(ctx.clock, PROBE_RESULT_MAX_AGE_MS, () => ctx.store.countByStateAndDestination());
  router.get('/metrics', async (_req, res) => {
    try {
      const counts = await stateCounts.get();
      ctx.metrics.handoversByState.reset();
      for (const c of counts) ctx.metrics.handoversByState.set({ state: c.state, destination: c.destination ?? 'none' }, c.count);
    } catch {
      // Store down: the other metrics still matter (readiness says what is wrong).
    }
    res.set('Content-Type', ctx.metrics.registry.contentType);
    res.send(await ctx.metrics.registry.metrics());
  });

  openapi.register({
    ...open,
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    responses: { 200: { description: 'OpenAPI 3.1', schema: openApiDocumentSchema } },
  });
  let served: { document: object; text: string } | null = null;
  router.get('/openapi.json', (_req, res) => {
    const document = openapi.document(info);
    if (served?.document !== document) served = { document, text: JSON.stringify(document) };
    res.type('application/json').send(served.text);
  });

  return router;
}
