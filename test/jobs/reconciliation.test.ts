/**
 * The reconciliation jobs against the real store, the police and ICCAM stand-ins and a table
 * locator, with a ManualClock: each stuck situation is brought to its right state.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { followUpIccam } from '../../src/delivery/iccam-followup.js';
import type { DestinationAdapter } from '../../src/delivery/destinations/destination-adapter.js';
import { checkOverdue } from '../../src/jobs/overdue-check.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { collectReadiness } from '../../src/services/readiness.js';
import { submitReferral } from '../../src/services/intake.js';
import type { IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import type { PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { bearer, createTestService, type TestService } from '../support/test-service.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const classification = { category: 'baseline', ageGroup: 'prepubescent' } as const;

let svc: TestService;
let police: PoliceStandin;
let iccam: IccamStandin;
let locator: TableLocator;
let parts: Composed;
let destinations: StandinDestinations;

beforeEach(async () => {
  svc = await createTestService({ LOCATE_GIVE_UP_AFTER_MS: String(10 * 60_000), GEOIP_MAX_AGE_DAYS: '45' });
  // Neither destination answers by itself: each test says when they acknowledge.
  destinations = await startStandinDestinations(svc.clock, { police: { behaviour: { ackAfterMs: null } }, iccam: {} });
  ({ police, iccam } = destinations);
  locator = new TableLocator({ 'be-host.test': { geo: 'BE' }, 'nl-host.test': { geo: 'NL' }, 'slow-dns.test': { dns: 'timeout' } });
  parts = await svc.recompose({
    locator,
    adapters: destinations.adapters(),
  });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

async function refer(reportId: string, hosts: string[]): Promise<string[]> {
  const { handovers } = await submitReferral(
    svc.ctx,
    { reportId, urls: hosts.map((h) => ({ url: `https://${h}/x/${reportId}` })), classification },
    'key:test',
  );
  return handovers.map((h) => h.id);
}

const get = async (id: string) => (await svc.ctx.store.getHandover(id))!;
const run = async (name: string) => {
  const result = await parts.jobs.job(name).runOnce();
  expect(result.status).toBe('ok');
  return (result as { report: Record<string, unknown> }).report;
};
const auditKinds = async (id: string) => (await svc.ctx.store.listAuditEvents(id)).map((e) => e.kind);

async function deliveredTo(reportId: string, host: string): Promise<string> {
  const [id] = await refer(reportId, [host]);
  await locatePending(svc.ctx, locator);
  expect(await parts.dispatcher.runOnce()).toMatchObject({ delivered: 1 });
  expect(await get(id!)).toMatchObject({ state: 'delivered' });
  return id!;
}

describe('overdue', () => {
  it('asks first, flags what stays unanswered, re-sends once after twice the deadline, and clears on acknowledgement', async () => {
    const id = await deliveredTo('OV-1', 'be-host.test');
    const app = svc.app();

    // Within the police deadline (2 days): nothing happens.
    svc.clock.advance(2 * DAY - 60_000);
    expect(await run('overdue')).toMatchObject({ asked: 0, flagged: 0 });

    // Past it: the police are asked at once, say "received" only, and the handover is flagged.
    svc.clock.advance(2 * 60_000);
    const statusQueries = police.requests.status;
    expect(await run('overdue')).toMatchObject({ asked: 1, flagged: 1, resent: 0, overdueNow: 1 });
    expect(police.requests.status).toBe(statusQueries + 1);
    const flagged = await get(id);
    expect(flagged).toMatchObject({ state: 'delivered', overdueAt: svc.clock.now().getTime() });
    expect(await auditKinds(id)).toContain('overdue');

    const list = await request(app).get('/v1/handovers?overdue=true').set('Authorization', bearer('analyst'));
    expect(list.body.items.map((h: { id: string }) => h.id)).toEqual([id]);
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/hrr_handovers_overdue\{destination="police"\} 1/);
    const stats = await request(app).get('/v1/stats').set('Authorization', bearer('analyst'));
    expect(stats.body.overdue).toBe(1);

    // Flagged once: the next run neither asks nor flags again.
    expect(await run('overdue')).toMatchObject({ asked: 0, flagged: 0, resent: 0 });

    // Twice the deadline with no answer at all: sent again, same Idempotency-Key, once.
    svc.clock.advance(2 * DAY);
    expect(await run('overdue')).toMatchObject({ resent: 1 });
    expect(police.cases.get(id)).toMatchObject({ posts: 2 });
    expect(police.cases.size).toBe(1);
    const resent = await get(id);
    expect(resent).toMatchObject({ state: 'delivered', resentAt: svc.clock.now().getTime(), attemptCount: 2 });
    expect((await svc.ctx.store.listAttempts(id)).map((a) => [a.attemptNo, a.outcome, a.errorClass])).toEqual([
      [1, 'delivered', null],
      [2, 'delivered', 'duplicate'],
    ]);
    expect(await auditKinds(id)).toContain('resent');
    svc.clock.advance(DAY);
    expect(await run('overdue')).toMatchObject({ resent: 0 });
    expect(police.cases.get(id)!.posts).toBe(2);

    // The police finally register it: acknowledged, no longer overdue anywhere.
    police.setBehaviour({ ackAfterMs: 0 });
    expect(await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 })).toMatchObject({ applied: 1 });
    expect(await get(id)).toMatchObject({ state: 'acknowledged', overdueAt: null });
    expect(await run('overdue')).toMatchObject({ overdueNow: 0 });
    expect((await request(app).get('/metrics')).text).toMatch(/hrr_handovers_overdue\{destination="police"\} 0/);
  });

  it('does not flag a handover whose acknowledgement was only waiting to be fetched', async () => {
    const id = await deliveredTo('OV-2', 'nl-host.test');
    await iccam.setProgression([{ afterMs: 0, action: 'ReportedToLEA' }]);
    svc.clock.advance(3 * DAY + 60_000);
    expect(await run('overdue')).toMatchObject({ asked: 1, answered: 1, flagged: 0 });
    expect(await get(id)).toMatchObject({ state: 'acknowledged', overdueAt: null });
  });

  it('uses each destination’s own deadline (ICCAM 3 days)', async () => {
    const id = await deliveredTo('OV-3', 'nl-host.test');
    svc.clock.advance(2 * DAY + HOUR);
    expect(await run('overdue')).toMatchObject({ flagged: 0 });
    svc.clock.advance(DAY);
    expect(await run('overdue')).toMatchObject({ flagged: 1 });
    expect((await get(id)).overdueAt).not.toBeNull();
  });

  it('fails a handover whose re-send is refused, and retries one that did not get through', async () => {
    const refused = await deliveredTo('OV-4', 'be-host.test');
    svc.clock.advance(4 * DAY + HOUR);
    const refusing: DestinationAdapter = {
      destination: 'police',
      deliver: async () => ({
        kind: 'failed',
        statusCode: 422,
        errorClass: 'rejected',
        detail: 'HTTP 422',
        requestHash: 'a'.repeat(64),
        responseDigest: null,
        durationMs: 3,
      }),
      fetchStatus: async () => ({ destination: 'police', status: 'received', effect: 'none' }),
      close: () => undefined,
    };
    expect(await checkOverdue(svc.ctx, { police: refusing })).toMatchObject({ flagged: 1, resendRefused: 1 });
    expect(await get(refused)).toMatchObject({ state: 'failed', overdueAt: null, failureReason: expect.stringContaining('refused the re-send') });

    const unreachable = await deliveredTo('OV-5', 'be-host.test');
    svc.clock.advance(4 * DAY + HOUR);
    const down: DestinationAdapter = {
      ...refusing,
      deliver: async () => ({
        kind: 'retry',
        statusCode: 503,
        errorClass: 'server_error',
        retryAfterMs: null,
        requestHash: 'b'.repeat(64),
        responseDigest: null,
        durationMs: 3,
      }),
    };
    expect(await checkOverdue(svc.ctx, { police: down })).toMatchObject({ resendRetry: 1 });
    expect(await get(unreachable)).toMatchObject({ state: 'delivered', resentAt: null });
    // Next run, with the destination back, the re-send goes through.
    expect(await run('overdue')).toMatchObject({ resent: 1 });
    expect((await get(unreachable)).resentAt).not.toBeNull();
  });
});

describe('still online', () => {
  async function acknowledged(reportId: string, host: string): Promise<string> {
    const id = await deliveredTo(reportId, host);
    await iccam.setProgression([{ afterMs: 0, action: 'ReportedToLEA' }]);
    police.setBehaviour({ ackAfterMs: 0 });
    await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
    await followUpIccam(svc.ctx, parts.adapters.inhope as IccamAdapter);
    expect(await get(id)).toMatchObject({ state: 'acknowledged' });
    return id;
  }

  it('locates content again after a week, and routes it anew when it moved country', async () => {
    const moved = await acknowledged('SO-1', 'nl-host.test');
    const stays = await acknowledged('SO-2', 'be-host.test');

    svc.clock.advance(7 * DAY - 60_000);
    expect(await run('still-online')).toMatchObject({ checked: 0 });

    svc.clock.advance(2 * 60_000);
    locator.set('nl-host.test', { geo: 'BE' });
    expect(await run('still-online')).toMatchObject({ checked: 2, moved: 1, unchanged: 1 });

    // The old handover says what happened and stays open for ICCAM's own outcome.
    const old = await get(moved);
    expect(old).toMatchObject({ state: 'acknowledged', country: 'NL', destination: 'inhope', recheckedAt: svc.clock.now().getTime() });
    const trail = await svc.ctx.store.listAuditEvents(moved);
    const change = trail.find((e) => e.kind === 'hosting_changed')!;
    expect(change.reason).toMatch(/moved from NL to BE/);

    // A new handover, linked to it, is routed to the Belgian police and delivered.
    const { handovers } = (await svc.ctx.store.getReferralByReportId('SO-1'))!;
    const successor = handovers.find((h) => h.parentId === moved)!;
    expect(successor).toMatchObject({ state: 'routed', destination: 'police', country: 'BE', url: old.url });
    expect(change.data).toMatchObject({ successorId: successor.id });
    expect(await parts.dispatcher.runOnce()).toMatchObject({ delivered: 1 });
    expect(police.cases.has(successor.id)).toBe(true);

    expect(await get(stays)).toMatchObject({ state: 'acknowledged', recheckedAt: svc.clock.now().getTime() });
    expect(await auditKinds(stays)).toContain('still_online_checked');

    // Not redone every run; the moved one not again at all (its successor carries on).
    svc.clock.advance(HOUR);
    expect(await run('still-online')).toMatchObject({ checked: 0 });
    svc.clock.advance(7 * DAY);
    expect(await run('still-online')).toMatchObject({ checked: 1, unchanged: 1, moved: 0 });
    expect((await svc.ctx.store.getReferralByReportId('SO-1'))!.handovers).toHaveLength(2);
  });

  it('leaves a handover whose hosting cannot be told now as it is, and retries one whose DNS did not answer', async () => {
    const gone = await acknowledged('SO-3', 'nl-host.test');
    svc.clock.advance(7 * DAY + 60_000);
    locator.set('nl-host.test', { dns: 'timeout' });
    expect(await run('still-online')).toMatchObject({ checked: 1, unreachable: 1 });
    expect((await get(gone)).recheckedAt).toBeNull();
    locator.set('nl-host.test', { dns: 'nxdomain' });
    expect(await run('still-online')).toMatchObject({ checked: 1, undetermined: 1, moved: 0 });
    expect(await get(gone)).toMatchObject({ state: 'acknowledged', country: 'NL' });
    expect((await svc.ctx.store.getReferralByReportId('SO-3'))!.handovers).toHaveLength(1);
  });
});

describe('locate retry', () => {
  it('retries a host whose DNS keeps timing out with growing delays, then hands it to a supervisor', async () => {
    const [id] = await refer('LR-1', ['slow-dns.test']);
    const created = (await get(id!)).createdAt;
    const delays: number[] = [];
    for (let i = 0; i < 30; i++) {
      const before = svc.clock.now().getTime();
      const result = await locatePending(svc.ctx, locator);
      const h = await get(id!);
      if (h.state !== 'locating') break;
      expect(result.retry_later).toBe(1);
      delays.push(h.nextAttemptAt! - before);
      // Not due before its time: a run now does nothing.
      expect(await locatePending(svc.ctx, locator)).toMatchObject({ retry_later: 0, routed: 0, needs_review: 0 });
      svc.clock.set(h.nextAttemptAt!);
    }
    expect(delays.slice(0, 5)).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
    const h = await get(id!);
    expect(h.state).toBe('needs_review');
    expect(h.decision?.reviewReasons).toContain('host_unresolvable');
    expect(svc.clock.now().getTime() - created).toBeGreaterThanOrEqual(10 * 60_000);
    expect(locator.calls.filter((c) => c === 'slow-dns.test')).toHaveLength(delays.length + 1);
  });
});

describe('GeoIP refresh', () => {
  it('reloads, and reports a database older than GEOIP_MAX_AGE_DAYS in the logs, metrics and /readyz', async () => {
    let refreshes = 0;
    locator.refreshGeoip = async () => {
      refreshes++;
      return true;
    };
    // The table locator's database was built on 2026-06-01.
    svc.clock.set('2026-07-01T00:00:00Z');
    expect(await run('geoip-refresh')).toEqual({ reloaded: 1, ageDays: 30, stale: 0 });
    expect((await collectReadiness(parts.readiness)).checks['geoip-age']).toMatchObject({ ok: true });
    svc.clock.set('2026-08-01T00:00:00Z');
    expect(await run('geoip-refresh')).toMatchObject({ ageDays: 61, stale: 1 });
    expect(refreshes).toBe(2);
    expect(svc.logs.text).toMatch(/GeoIP database older than the configured maximum/);
    expect(await svc.ctx.metrics.registry.getSingleMetricAsString('hrr_geoip_database_age_seconds')).toMatch(/^hrr_geoip_database_age_seconds 5270400$/m);
    const readiness = await collectReadiness(parts.readiness);
    expect(readiness.checks['geoip-age']).toMatchObject({ ok: false, critical: false, detail: { ageDays: 61, maxAgeDays: 45 } });
    // Old data routes better than none: reported, not unready.
    expect(readiness.ready).toBe(true);
  });
});

describe('daily summary', () => {
  it('logs one record with the figures and no URL', async () => {
    await deliveredTo('DS-1', 'be-host.test');
    await refer('DS-2', ['unknown.test']);
    await locatePending(svc.ctx, locator);
    expect(await run('daily-summary')).toEqual({ total: 2, overdue: 0, needsReview: 1, failed: 0 });
    const records = svc.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.message === 'daily summary');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      total: 2,
      needsReview: 1,
      byState: { delivered: 1, needs_review: 1 },
      timingsByDestination: { police: { toDelivery: { count: 1 } } },
    });
    expect(JSON.stringify(records[0])).not.toMatch(/\.test|https?:/);
  });
});
