/**
 * GET /v1/stats against a hand-computed fixture: eight handovers with known timestamps are
 * written through the store, and every figure below was worked out by hand (nearest-rank
 * percentiles: the value at rank ceil(p/100 × n) of the sorted durations).
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Destination } from '../../src/domain/decision.js';
import { createApp } from '../../src/http/app.js';
import { logDailySummary } from '../../src/jobs/daily-summary.js';
import { bearer, createTestService, type TestService } from '../support/test-service.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const T0 = Date.parse('2026-03-01T00:00:00Z');

let svc: TestService;

interface Seed {
  name: string;
  createdAt: number;
  destination?: Destination;
  country?: string;
  /** Minutes after creation. */
  delivered?: number;
  acknowledged?: number;
  closed?: { at: number; outcome: string };
  end?: 'needs_review' | 'failed';
  overdue?: boolean;
}

const FIXTURE: Seed[] = [
  { name: 'P1', createdAt: T0, destination: 'police', country: 'BE', delivered: 10, acknowledged: 60, closed: { at: 120, outcome: 'removed' } },
  { name: 'P2', createdAt: T0, destination: 'police', country: 'BE', delivered: 20, acknowledged: 180 },
  { name: 'P3', createdAt: T0, destination: 'police', country: 'BE', delivered: 30 },
  { name: 'P4', createdAt: T0, end: 'needs_review' },
  { name: 'I1', createdAt: T0, destination: 'inhope', country: 'NL', delivered: 60, acknowledged: 600, closed: { at: 1440, outcome: 'removed' } },
  // Closed as moved: acknowledged, but not a removal.
  { name: 'I2', createdAt: T0, destination: 'inhope', country: 'NL', delivered: 90, acknowledged: 300, closed: { at: 400, outcome: 'moved' } },
  { name: 'I3', createdAt: T0, destination: 'inhope', country: 'DE', end: 'failed' },
  { name: 'I4', createdAt: T0 + DAY, destination: 'inhope', country: 'DE', delivered: 5, overdue: true },
];

async function seed(s: Seed): Promise<void> {
  const store = svc.ctx.store;
  const handoverId = randomUUID();
  await store.createReferral(
    {
      id: randomUUID(),
      reportId: `STATS-${s.name}`,
      bodyHash: s.name,
      classification: { category: 'baseline', ageGroup: 'unknown' },
      reportedAt: null,
      urls: [{ handoverId, url: `https://${s.name.toLowerCase()}.stats.test/`, contentType: null }],
    },
    'key:test',
    s.createdAt,
  );
  const at = (minutes: number) => s.createdAt + minutes * MIN;
  const go = (to: Parameters<typeof store.transition>[1]['to'], now: number, set: object = {}) =>
    store.transition(handoverId, { to, actor: 'system:test', reason: 'fixture', set, now });
  if (s.end === 'needs_review') {
    await go('needs_review', at(1));
    return;
  }
  await go('routed', at(1), { destination: s.destination, country: s.country });
  await go('delivering', at(2));
  if (s.end === 'failed') {
    await go('failed', at(3), { failureReason: 'fixture' });
    return;
  }
  await go('delivered', at(s.delivered!), { deliveredAt: at(s.delivered!) });
  if (s.acknowledged !== undefined) await go('acknowledged', at(s.acknowledged), { acknowledgedAt: at(s.acknowledged) });
  // The service records when content came down with the close that reports it (takedown clock).
  const removal = s.closed && ['removed', 'unavailable'].includes(s.closed.outcome) ? { contentRemovedAt: at(s.closed.at) } : {};
  if (s.closed) await go('closed', at(s.closed.at), { closedAt: at(s.closed.at), outcome: s.closed.outcome, ...removal });
  if (s.overdue)
    await store.annotate(handoverId, {
      actor: 'system:test',
      kind: 'overdue',
      reason: 'fixture',
      set: { overdueAt: at(s.delivered! + 1) },
      now: at(s.delivered! + 1),
    });
}

const m = (minutes: number) => minutes * MIN;
const summary = (count: number, median: number | null, p90: number | null) => ({
  count,
  medianMs: median === null ? null : m(median),
  p90Ms: p90 === null ? null : m(p90),
});

beforeEach(async () => {
  svc = await createTestService();
  for (const s of FIXTURE) await seed(s);
});
afterEach(() => svc.close());

describe('GET /v1/stats', () => {
  it('answers the hand-computed counts and medians/p90 per destination and country', async () => {
    const res = await request(createApp(svc.ctx)).get('/v1/stats').set('Authorization', bearer('analyst'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      total: 8,
      byState: { closed: 3, acknowledged: 1, delivered: 2, needs_review: 1, failed: 1 },
      byDestination: {
        police: { closed: 1, acknowledged: 1, delivered: 1 },
        inhope: { closed: 2, delivered: 1, failed: 1 },
        none: { needs_review: 1 },
      },
      overdue: 1,
      needsReview: 1,
      failed: 1,
    });
    // Delivery 5, 10, 20, 30, 60, 90 → median rank 3 = 20, p90 rank 6 = 90.
    // Acknowledgement 60, 180, 300, 600 → rank 2 = 180, rank 4 = 600.
    // Removal (removed only; I2 moved) 120, 1440 → rank 1 = 120, rank 2 = 1440.
    expect(res.body.timings).toEqual({ toDelivery: summary(6, 20, 90), toAcknowledgement: summary(4, 180, 600), toRemoval: summary(2, 120, 1440) });
    expect(res.body.timingsByDestination).toEqual({
      // 10, 20, 30 | 60, 180 | 120
      police: { toDelivery: summary(3, 20, 30), toAcknowledgement: summary(2, 60, 180), toRemoval: summary(1, 120, 120) },
      // 5, 60, 90 | 300, 600 | 1440
      inhope: { toDelivery: summary(3, 60, 90), toAcknowledgement: summary(2, 300, 600), toRemoval: summary(1, 1440, 1440) },
    });
    expect(res.body.timingsByCountry).toEqual({
      BE: { toDelivery: summary(3, 20, 30), toAcknowledgement: summary(2, 60, 180), toRemoval: summary(1, 120, 120) },
      // I3 failed before delivery: only I4's 5 minutes.
      DE: { toDelivery: summary(1, 5, 5), toAcknowledgement: summary(0, null, null), toRemoval: summary(0, null, null) },
      // 60, 90 | 300, 600 | 1440
      NL: { toDelivery: summary(2, 60, 90), toAcknowledgement: summary(2, 300, 600), toRemoval: summary(1, 1440, 1440) },
    });
  });

  it('limits the figures to handovers referred within from/to', async () => {
    const app = createApp(svc.ctx);
    const secondDay = await request(app)
      .get(`/v1/stats?from=${new Date(T0 + DAY).toISOString()}`)
      .set('Authorization', bearer('analyst'));
    expect(secondDay.body).toMatchObject({ total: 1, overdue: 1, byState: { delivered: 1 }, timings: { toDelivery: summary(1, 5, 5) } });
    const firstDay = await request(app)
      .get(`/v1/stats?to=${new Date(T0 + DAY).toISOString()}`)
      .set('Authorization', bearer('analyst'));
    // 10, 20, 30, 60, 90 → median rank 3 = 30, p90 rank 5 = 90.
    expect(firstDay.body).toMatchObject({ total: 7, overdue: 0, timings: { toDelivery: summary(5, 30, 90) } });
  });

  it('gives the daily summary the same figures', async () => {
    const stats = await logDailySummary(svc.ctx);
    const res = await request(createApp(svc.ctx)).get('/v1/stats').set('Authorization', bearer('analyst'));
    const { generatedAt: _generatedAt, ...figures } = res.body as Record<string, unknown>;
    expect(JSON.parse(JSON.stringify(stats))).toEqual(figures);
  });
});
