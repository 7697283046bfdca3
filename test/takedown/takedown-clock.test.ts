/**
 * The takedown clock end to end, on SQLite and on PostgreSQL: when content came down (the police
 * export's contentRemovedAt by status and by callback, an ICCAM Removed or Unavailable action,
 * the back office's observations), `GET /v1/stats/takedown` on a hand-computed fixture, and the
 * escalation of a case past the last mark, with a ManualClock and the local stand-ins.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { followUpIccam } from '../../src/delivery/iccam-followup.js';
import { signWebhook } from '../../src/domain/webhook-signature.js';
import { createApp } from '../../src/http/app.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import { DATABASES, createTestServiceOn } from '../support/both-databases.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { DAY, HOUR, MIN, NOW, seedTakedownFixture, T0 } from '../support/takedown-fixture.js';
import { bearer, type TestService } from '../support/test-service.js';

const POLICE_SECRET = 'whsec_' + Buffer.from('police-callback-secret-0123456789').toString('base64');
const locator = new TableLocator({ 'be-host.test': { geo: 'BE' }, 'nl-host.test': { geo: 'NL' } });

describe.each(DATABASES)('the takedown clock on %s', (database) => {
  let svc: TestService;
  let destinations: StandinDestinations;
  let parts: Composed;
  let app: ReturnType<typeof createApp>;

  beforeEach(async () => {
    svc = await createTestServiceOn(database, { ACK_SECRETS: `police:${POLICE_SECRET}` });
    destinations = await startStandinDestinations(svc.clock);
    parts = await svc.recompose({ locator, adapters: destinations.adapters({ store: svc.ctx.store }) });
    app = createApp(svc.ctx);
  });
  afterEach(async () => {
    await destinations.close();
    await svc.close();
  });

  const handover = async (id: string) => (await svc.ctx.store.getHandover(id))!;
  const get = (path: string, role: 'analyst' | 'supervisor' | 'service' = 'analyst') => request(app).get(path).set('Authorization', bearer(role));
  const post = (path: string, body: object, role: 'analyst' | 'supervisor' | 'service' = 'analyst') =>
    request(app).post(path).set('Authorization', bearer(role)).send(body);

  /** Refers one URL per host, locates and delivers them; returns the handover ids. */
  async function referAndDeliver(reportId: string, hosts: string[]): Promise<string[]> {
    const { handovers } = await submitReferral(
      svc.ctx,
      {
        reportId,
        urls: hosts.map((h) => ({ url: `https://${h}/item/${reportId}`, contentType: 'image' as const })),
        classification: { category: 'baseline', ageGroup: 'prepubescent' },
      },
      'key:analyst-key',
    );
    await locatePending(svc.ctx, locator);
    for (let pass = 0; pass < 4; pass++) if ((await parts.dispatcher.runOnce()).claimed === 0) break;
    for (const h of handovers) expect((await handover(h.id)).state).toBe('delivered');
    return handovers.map((h) => h.id);
  }

  function callback(body: object) {
    const text = JSON.stringify(body);
    const headers = signWebhook({ id: `msg_${crypto.randomUUID()}`, timestamp: svc.clock.now(), body: text, secrets: POLICE_SECRET });
    return request(app).post('/v1/acks/police').set(headers).set('Content-Type', 'application/json').send(text);
  }

  it("the police export's contentRemovedAt in its status answer closes the case as removed and stops its clock then", async () => {
    const [id] = await referAndDeliver('TD-POLL', ['be-host.test']);
    const referredAt = (await handover(id!)).createdAt;
    svc.clock.advance(3 * HOUR);
    const removedAt = new Date(referredAt + 2 * HOUR + 30 * MIN);
    destinations.police.removeContent(id!, removedAt);
    await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });

    expect(await handover(id!)).toMatchObject({ state: 'closed', outcome: 'removed', contentRemovedAt: removedAt.getTime() });
    const detail = (await get(`/v1/handovers/${id}`).expect(200)).body;
    expect(detail).toMatchObject({ contentRemovedAt: removedAt.toISOString(), removalOverdue: false });
    expect(detail.audit.find((e: { to: string }) => e.to === 'closed')).toMatchObject({ data: { removedAt: removedAt.toISOString(), status: 'registered' } });
    const clock = (await get('/v1/stats/takedown').expect(200)).body;
    expect(clock.groups).toEqual([
      expect.objectContaining({ key: 'police', referred: 1, removed: expect.objectContaining({ count: 1, medianMs: 150 * MIN, p90Ms: 150 * MIN }) }),
    ]);
    expect(await svc.ctx.store.verifyAudit()).toMatchObject({ ok: true });
  });

  it("the police export's callback with contentRemovedAt closes the case; a case closed without it gets it later", async () => {
    const [first, second] = await referAndDeliver('TD-CALLBACK', ['be-host.test', 'be-host.test/other']);
    const removedAt = new Date(svc.clock.now().getTime() - 10 * MIN).toISOString();
    const applied = await callback({ handoverId: first, status: 'registered', reference: 'PV/2026/00001', contentRemovedAt: removedAt }).expect(200);
    expect(applied.body).toEqual({ applied: true, state: 'closed' });
    expect(await handover(first!)).toMatchObject({ state: 'closed', outcome: 'removed', contentRemovedAt: Date.parse(removedAt) });

    // Closed by the police without a word on the content: closed, no removal time (not counted as down).
    await callback({ handoverId: second, status: 'closed', reference: 'PV/2026/00002' }).expect(200);
    expect(await handover(second!)).toMatchObject({ state: 'closed', outcome: 'closed', contentRemovedAt: null });
    svc.clock.advance(HOUR);
    const later = new Date(svc.clock.now().getTime() - 5 * MIN).toISOString();
    expect((await callback({ handoverId: second, status: 'closed', contentRemovedAt: later }).expect(200)).body).toEqual({ applied: true, state: 'closed' });
    expect(await handover(second!)).toMatchObject({ state: 'closed', outcome: 'closed', contentRemovedAt: Date.parse(later) });
    expect((await svc.ctx.store.listAuditEvents(second!)).map((e) => e.kind)).toContain('content_removed');
    // A time that is not one is refused and changes nothing.
    await callback({ handoverId: second, status: 'closed', contentRemovedAt: 'yesterday' }).expect(400);
    expect(await svc.ctx.store.verifyAudit()).toMatchObject({ ok: true });
  });

  it('records an observation once: removed closes the delivered case, the same again changes nothing, and the trail says who saw it', async () => {
    const [id, other] = await referAndDeliver('TD-OBS', ['be-host.test', 'nl-host.test']);
    const observedAt = new Date(svc.clock.now().getTime() - 20 * MIN).toISOString();
    const body = { kind: 'removed', observedAt, note: 'the page answers 404', observedBy: 'Analyst 7' };
    const first = await post(`/v1/handovers/${id}/observations`, body).expect(200);
    expect(first.body).toMatchObject({ effect: 'closed', handover: { state: 'closed', outcome: 'removed', contentRemovedAt: observedAt } });
    const again = await post(`/v1/handovers/${id}/observations`, body, 'service').expect(200);
    expect(again.body).toMatchObject({ effect: 'unchanged', handover: { state: 'closed', contentRemovedAt: observedAt } });
    const observations = (await get(`/v1/handovers/${id}`).expect(200)).body.audit.filter((e: { kind: string }) => e.kind === 'observation');
    expect(observations).toEqual([
      expect.objectContaining({
        actor: 'key:analyst-key',
        from: 'delivered',
        to: 'closed',
        data: { kind: 'removed', observedAt, note: 'the page answers 404', observedBy: 'Analyst 7', effect: 'closed' },
      }),
    ]);

    // Still online: recorded, nothing else; who saw it defaults to the caller.
    const online = await post(`/v1/handovers/${other}/observations`, { kind: 'online', observedAt }, 'service').expect(200);
    expect(online.body).toMatchObject({ effect: 'recorded', handover: { state: 'delivered', contentRemovedAt: null } });
    const [seen] = (await svc.ctx.store.listAuditEvents(other!)).filter((e) => e.kind === 'observation');
    expect(seen).toMatchObject({ actor: 'key:service-key', data: { observedBy: 'key:service-key' } });

    // Refused, changing nothing: a time in the future, a kind we do not know, a handover we do not have.
    const future = new Date(svc.clock.now().getTime() + HOUR).toISOString();
    expect((await post(`/v1/handovers/${other}/observations`, { kind: 'removed', observedAt: future }).expect(400)).body.error.code).toBe('validation_failed');
    await post(`/v1/handovers/${other}/observations`, { kind: 'gone', observedAt }).expect(400);
    await post(`/v1/handovers/${crypto.randomUUID()}/observations`, { kind: 'removed', observedAt }).expect(404);
    expect((await handover(other!)).state).toBe('delivered');
    expect(await svc.ctx.store.verifyAudit()).toMatchObject({ ok: true });
  });

  it("an ICCAM Removed or Unavailable action closes the case with that outcome and ends the clock at the action's date", async () => {
    const [removed, unavailable] = await referAndDeliver('TD-ICCAM', ['nl-host.test', 'nl-host.test/two']);
    const adapter = parts.adapters.inhope as IccamAdapter;
    const contentOf = async (id: string) => Number((await handover(id)).secondaryReference);
    const removedOn = new Date(svc.clock.now().getTime() + 5 * HOUR).toISOString();
    const unavailableOn = new Date(svc.clock.now().getTime() + 7 * HOUR).toISOString();
    await destinations.iccam.addAction(await contentOf(removed!), 'ReportedToLEA', { actionDate: new Date(svc.clock.now().getTime() + HOUR).toISOString() });
    await destinations.iccam.addAction(await contentOf(removed!), 'Removed', { actionDate: removedOn });
    await destinations.iccam.addAction(await contentOf(unavailable!), 'Unavailable', { actionDate: unavailableOn });
    svc.clock.advance(DAY);
    expect(await followUpIccam(svc.ctx, adapter)).toMatchObject({ asked: 2, applied: 2 });
    expect(await handover(removed!)).toMatchObject({ state: 'closed', outcome: 'removed', contentRemovedAt: Date.parse(removedOn) });
    expect(await handover(unavailable!)).toMatchObject({ state: 'closed', outcome: 'unavailable', contentRemovedAt: Date.parse(unavailableOn) });
    const clock = (await get('/v1/stats/takedown?groupBy=country').expect(200)).body;
    expect(clock.groups).toEqual([expect.objectContaining({ key: 'NL', referred: 2, removed: expect.objectContaining({ count: 2, p90Ms: 7 * HOUR }) })]);
  });

  it('answers GET /v1/stats/takedown on the hand-computed fixture, in exactly the contract’s shape, per grouping and period', async () => {
    await seedTakedownFixture(svc.ctx.store);
    svc.clock.set(new Date(NOW));
    const from = new Date(T0 - DAY).toISOString();
    const res = await get(`/v1/stats/takedown?from=${encodeURIComponent(from)}`).expect(200);
    const marks = (a: number, b: number, c: number) => ({ '24h': a, '60h': b, '7d': c });
    expect(res.body).toEqual({
      groupBy: 'destination',
      targets: ['24h', '60h', '7d'],
      groups: [
        {
          key: 'inhope',
          referred: 4,
          delivered: { count: 3, medianMs: 2 * HOUR, p90Ms: 3 * HOUR, within: marks(0.75, 0.75, 0.75), openPast: marks(0, 0, 0) },
          acknowledged: { count: 2, medianMs: 10 * HOUR, p90Ms: 20 * HOUR, within: marks(0.5, 0.5, 0.5), openPast: marks(1, 1, 1) },
          removed: { count: 1, medianMs: 30 * HOUR, p90Ms: 30 * HOUR, within: marks(0, 0.25, 0.25), openPast: marks(1, 1, 1) },
        },
        {
          key: 'police',
          referred: 4,
          delivered: { count: 4, medianMs: 20 * MIN, p90Ms: 40 * MIN, within: marks(1, 1, 1), openPast: marks(0, 0, 0) },
          acknowledged: { count: 4, medianMs: 2 * HOUR, p90Ms: 4 * HOUR, within: marks(1, 1, 1), openPast: marks(0, 0, 0) },
          removed: { count: 3, medianMs: 50 * HOUR, p90Ms: 100 * HOUR, within: marks(0.25, 0.5, 0.75), openPast: marks(1, 1, 1) },
        },
        {
          key: null,
          referred: 1,
          delivered: { count: 0, medianMs: null, p90Ms: null, within: marks(0, 0, 0), openPast: marks(1, 1, 1) },
          acknowledged: { count: 0, medianMs: null, p90Ms: null, within: marks(0, 0, 0), openPast: marks(1, 1, 1) },
          removed: { count: 0, medianMs: null, p90Ms: null, within: marks(0, 0, 0), openPast: marks(1, 1, 1) },
        },
      ],
    });
    const keys = async (query: string) =>
      (await get(`/v1/stats/takedown?${query}`).expect(200)).body.groups.map((g: { key: string; referred: number }) => [g.key, g.referred]);
    expect(await keys(`groupBy=country&from=${encodeURIComponent(from)}`)).toEqual([
      ['BE', 4],
      ['DE', 2],
      ['NL', 2],
      [null, 1],
    ]);
    expect(await keys('groupBy=network&from=2026-02-28T00:00:00Z')).toEqual([
      ['AS1136', 2],
      ['AS2611', 4],
      ['AS3320', 2],
      [null, 1],
    ]);
    expect(await keys('groupBy=source')).toEqual([['backoffice', 10]]);
    // The period is on the referral; to is exclusive.
    expect(await keys('from=2026-03-01T12:00:00Z')).toEqual([['inhope', 1]]);
    expect(await keys('from=2026-03-01T00:00:00Z&to=2026-03-02T00:00:00Z')).toEqual([
      ['inhope', 3],
      ['police', 4],
      [null, 1],
    ]);
    expect(await keys('to=2026-03-01T00:00:00Z')).toEqual([['police', 1]]);
    expect(await keys('from=2027-01-01T00:00:00Z')).toEqual([]);
    await get('/v1/stats/takedown?groupBy=hotline').expect(400);
    await get('/v1/stats/takedown?from=yesterday').expect(400);
    await request(app).get('/v1/stats/takedown').expect(401);
  });

  it('flags a case still with its destination past the last mark, counts it in /metrics, lets a supervisor note a chase, and clears when the content is down', async () => {
    const [id] = await referAndDeliver('TD-LATE', ['be-host.test']);
    svc.clock.advance(2 * HOUR);
    await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
    expect((await handover(id!)).state).toBe('acknowledged');
    const referredAt = (await handover(id!)).createdAt;
    const job = parts.jobs.job('removal-overdue');
    const run = async () => ((await job.runOnce()) as { report: object }).report;

    svc.clock.set(new Date(referredAt + 7 * DAY - MIN));
    expect(await run()).toMatchObject({ flagged: 0, overdueNow: 0 });
    svc.clock.advance(2 * MIN);
    expect(await run()).toMatchObject({ flagged: 1, overdueNow: 1 });
    expect(await run()).toMatchObject({ flagged: 0, overdueNow: 1 });
    const flaggedAt = svc.clock.now().getTime();
    expect(await handover(id!)).toMatchObject({ removalOverdueAt: flaggedAt });
    expect((await get(`/v1/handovers/${id}`).expect(200)).body).toMatchObject({ removalOverdue: true, removalOverdueAt: new Date(flaggedAt).toISOString() });
    const [flag] = (await svc.ctx.store.listAuditEvents(id!)).filter((e) => e.kind === 'removal_overdue');
    expect(flag).toMatchObject({ actor: 'system:removal-overdue', data: { destination: 'police', mark: '7d' } });
    const metrics = (await request(app).get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/hrr_handovers_removal_overdue\{destination="police"\} 1/);
    expect(metrics).toMatch(/hrr_handovers_removal_overdue\{destination="inhope"\} 0/);
    // Nothing was sent: the police saw one delivery.
    expect(destinations.police.requests.exports).toBe(1);

    await post(`/v1/handovers/${id}/chase`, { note: 'asked the FCCU contact again' }).expect(403);
    const chased = await post(`/v1/handovers/${id}/chase`, { note: 'asked the FCCU contact again' }, 'supervisor').expect(200);
    expect(chased.body).toMatchObject({ id, state: 'acknowledged', removalOverdue: true });
    const [chase] = (await svc.ctx.store.listAuditEvents(id!)).filter((e) => e.kind === 'removal_chase');
    expect(chase).toMatchObject({ actor: 'key:supervisor-key', reason: 'asked the FCCU contact again' });
    expect((await svc.ctx.store.listRemovalOverdue({ limit: 5 }))[0]).toMatchObject({ lastChase: { note: 'asked the FCCU contact again' } });

    destinations.police.removeContent(id!, new Date(svc.clock.now().getTime() - HOUR));
    await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
    expect(await handover(id!)).toMatchObject({ state: 'closed', outcome: 'removed' });
    expect(await run()).toMatchObject({ flagged: 0, overdueNow: 0 });
    expect((await request(app).get('/metrics').expect(200)).text).toMatch(/hrr_handovers_removal_overdue\{destination="police"\} 0/);
    expect((await get(`/v1/handovers/${id}`).expect(200)).body).toMatchObject({ removalOverdue: false });
    await post(`/v1/handovers/${id}/chase`, { note: 'too late' }, 'supervisor').expect(409);
    expect(await svc.ctx.store.verifyAudit()).toMatchObject({ ok: true });
  });
});
