import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import { reapExpiredLeases } from '../../src/delivery/lease-reaper.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { followUpIccam } from '../../src/delivery/iccam-followup.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import type { IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import type { PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { createTestService, type TestService } from '../support/test-service.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';

const classification = { category: 'baseline', ageGroup: 'prepubescent' } as const;

let svc: TestService;
let police: PoliceStandin;
let iccam: IccamStandin;
let locator: TableLocator;
let parts: Composed;
let destinations: StandinDestinations;

beforeEach(async () => {
  svc = await createTestService({ LEASE_MS: '60000' });
  destinations = await startStandinDestinations(svc.clock, { police: { behaviour: { ackAfterMs: 0 } }, iccam: {} });
  ({ police, iccam } = destinations);
  locator = new TableLocator({
    'be-host.test': { geo: 'BE' },
    'nl-host.test': { geo: 'NL' },
    'us-host.test': { geo: 'US' },
    'kz-host.test': { geo: 'KZ' },
    'cdn-host.test': { geo: 'CA', cdn: 'Cloudflare' },
  });
  parts = await svc.recompose({
    locator,
    adapters: destinations.adapters(),
  });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

async function refer(reportId: string, hosts: string[]) {
  const { handovers } = await submitReferral(
    svc.ctx,
    { reportId, urls: hosts.map((h) => ({ url: `https://${h}/x/${reportId}` })), classification },
    'key:test',
  );
  return handovers.map((h) => h.id);
}

const stateOf = async (id: string) => (await svc.ctx.store.getHandover(id))!.state;

describe('from referral to acknowledgement', () => {
  it('routes by hosting country and delivers each handover once to its destination', async () => {
    const [be, nl, us, kz, cdn, gone] = await refer('R1', ['be-host.test', 'nl-host.test', 'us-host.test', 'kz-host.test', 'cdn-host.test', 'gone.test']);
    const located = await locatePending(svc.ctx, locator);
    expect(located).toMatchObject({ routed: 4, needs_review: 2 });
    const byId = async (id: string) => (await svc.ctx.store.getHandover(id))!;
    expect(await byId(be!)).toMatchObject({ state: 'routed', destination: 'police', country: 'BE' });
    expect(await byId(nl!)).toMatchObject({ state: 'routed', destination: 'inhope', country: 'NL', assignedCountry: 'NL' });
    expect(await byId(kz!)).toMatchObject({ state: 'routed', destination: 'police', country: 'KZ' });
    expect((await byId(cdn!)).decision?.reviewReasons).toContain('behind_cdn');
    expect((await byId(gone!)).decision?.reviewReasons).toContain('host_unresolvable');

    // ICCAM takes one call at a time: passes continue until nothing is due.
    let delivered = 0;
    for (let pass = 0; pass < 5; pass++) delivered += (await parts.dispatcher.runOnce()).delivered;
    expect(delivered).toBe(4);
    expect([...police.cases.keys()].sort()).toEqual([be, kz].sort());
    for (const c of police.cases.values()) expect(c.posts).toBe(1);
    expect(iccam.snapshot().reportsPerHotlineReference).toEqual({ [nl!]: 1, [us!]: 1 });

    svc.clock.advance(1_000);
    await iccam.setProgression([{ afterMs: 0, action: 'ReportedToLEA' }]);
    // The police are polled (or call back); ICCAM is followed up on its own cadence.
    expect(await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 })).toMatchObject({ asked: 2, applied: 2 });
    expect(await followUpIccam(svc.ctx, parts.adapters.inhope as IccamAdapter)).toMatchObject({ asked: 2, applied: 2 });
    for (const id of [be, nl, us, kz]) expect(await stateOf(id!)).toBe('acknowledged');
    const detail = await svc.ctx.store.listAttempts(be!);
    expect(detail).toMatchObject([{ attemptNo: 1, outcome: 'delivered', statusCode: 201 }]);
    expect(detail[0]!.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('retries a 503 later with backoff and delivers on a later attempt', async () => {
    const [id] = await refer('R2', ['be-host.test']);
    await locatePending(svc.ctx, locator);
    police.setBehaviour({ failRate: 1 });
    expect(await parts.dispatcher.runOnce()).toMatchObject({ retried: 1 });
    const after = (await svc.ctx.store.getHandover(id!))!;
    expect(after.state).toBe('routed');
    expect(after.nextAttemptAt! - svc.clock.now().getTime()).toBeGreaterThanOrEqual(15_000);
    // Not due yet: nothing is claimed.
    expect(await parts.dispatcher.runOnce()).toMatchObject({ claimed: 0 });
    police.setBehaviour({ failRate: 0 });
    svc.clock.set(after.nextAttemptAt!);
    expect(await parts.dispatcher.runOnce()).toMatchObject({ delivered: 1 });
    expect((await svc.ctx.store.listAttempts(id!)).map((a) => [a.outcome, a.statusCode])).toEqual([
      ['retry', 500],
      ['delivered', 201],
    ]);
  });

  it('fails at once on a 4xx refusal, with the answer recorded', async () => {
    const [id] = await refer('R3', ['be-host.test']);
    await locatePending(svc.ctx, locator);
    police.setBehaviour({ reject: 422 });
    expect(await parts.dispatcher.runOnce()).toMatchObject({ failed: 1 });
    expect(await svc.ctx.store.getHandover(id!)).toMatchObject({ state: 'failed', failureReason: expect.stringContaining('refused') });
  });

  it('fails when the retry budget runs out', async () => {
    const [id] = await refer('R4', ['be-host.test']);
    await locatePending(svc.ctx, locator);
    police.setBehaviour({ failRate: 1 });
    for (let i = 0; i < 60 && (await stateOf(id!)) === 'routed'; i++) {
      const h = (await svc.ctx.store.getHandover(id!))!;
      if (h.nextAttemptAt) svc.clock.set(Math.max(h.nextAttemptAt, svc.clock.now().getTime()));
      await parts.dispatcher.runOnce();
    }
    const h = (await svc.ctx.store.getHandover(id!))!;
    expect(h.state).toBe('failed');
    expect(h.failureReason).toMatch(/exhausted/);
    expect(svc.clock.now().getTime() - h.firstAttemptAt!).toBeLessThanOrEqual(3 * 24 * 3_600_000);
  });

  it('returns a handover whose lease expired to routed, recording the attempt as unknown', async () => {
    const [id] = await refer('R5', ['be-host.test']);
    await locatePending(svc.ctx, locator);
    await svc.ctx.store.claimDue({
      destination: 'police',
      now: svc.clock.now().getTime(),
      limit: 1,
      leaseMs: 60_000,
      token: 'crashed-worker',
      actor: 'system:test',
    });
    expect(await reapExpiredLeases(svc.ctx)).toBe(0);
    svc.clock.advance(60_001);
    expect(await reapExpiredLeases(svc.ctx)).toBe(1);
    expect(await stateOf(id!)).toBe('routed');
    expect(await svc.ctx.store.listAttempts(id!)).toMatchObject([{ outcome: 'unknown', errorClass: 'lease_expired' }]);
    expect(await parts.dispatcher.runOnce()).toMatchObject({ delivered: 1 });
  });

  it('holds handovers of an unconfigured destination in routed', async () => {
    const bare = await svc.recompose({ locator, adapters: {} });
    const [id] = await refer('R6', ['be-host.test']);
    await locatePending(svc.ctx, locator);
    expect(await bare.dispatcher.runOnce()).toMatchObject({ claimed: 0, held: { police: 'not configured', inhope: 'not configured' } });
    expect(await stateOf(id!)).toBe('routed');
  });

  it('re-checks stale hosting before sending and re-routes content that moved', async () => {
    const [id] = await refer('R7', ['nl-host.test']);
    await locatePending(svc.ctx, locator);
    police.setBehaviour({ failRate: 1 });
    await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'unavailable' });
    expect(await parts.dispatcher.runOnce()).toMatchObject({ retried: 1 });
    // Seven hours later the content has moved to Belgium.
    svc.clock.advance(7 * 3_600_000);
    locator.set('nl-host.test', { geo: 'BE' });
    police.setBehaviour({ failRate: 0 });
    await parts.dispatcher.runOnce();
    const h = (await svc.ctx.store.getHandover(id!))!;
    expect(h).toMatchObject({ destination: 'police', country: 'BE' });
    const audit = await svc.ctx.store.listAuditEvents(id!);
    expect(audit.some((e) => e.reason === 'hosting changed before sending' && e.toState === 'locating')).toBe(true);
  });
});
