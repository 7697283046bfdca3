/**
 * Chaos: a few hundred handovers against stand-ins that fail 30% of requests. The police export
 * (500s, hangs past the client timeout, 429s, replies lost after the case was recorded) drops
 * duplicates by Idempotency-Key: every police handover ends acknowledged, one case each. ICCAM
 * (every fault kind of the strict stand-in, on every call) keeps duplicates: no report is ever
 * posted twice, no call breaks the pacing, and every create whose outcome is unknown waits in
 * needs_review with its reason; the rest end acknowledged.
 */
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
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, type TestService } from '../support/test-service.js';

// ICCAM is paced (one call at a time, 20 ms apart here): fewer cases keep the run short.
const HANDOVERS = 90;
const ICCAM_CHAOS = { probability: 0.3, seed: 11, refuseForMs: 100 };
// 30 % in all; lost replies (the case recorded, the answer dropped) are what make repeated POSTs.
const chaos = { failRate: 0.06, timeoutRate: 0.06, rateLimitRate: 0.06, lostReplyRate: 0.12, retryAfterSeconds: 2, ackAfterMs: 0 };

let svc: TestService;
let police: PoliceStandin;
let iccam: IccamStandin;
let parts: Composed;
let destinations: StandinDestinations;

beforeEach(async () => {
  svc = await createTestService({ POLICE_CONCURRENCY: '8', INHOPE_CONCURRENCY: '4', RETRY_BASE_MS: '1000' });
  // A short client timeout so hung requests cost little real time.
  destinations = await startStandinDestinations(svc.clock, {
    police: { seed: 7, behaviour: chaos },
    iccam: { seed: 11, chaos: ICCAM_CHAOS, retryAfterSeconds: 0, progression: [{ afterMs: 0, action: 'ReportedToLEA' }] },
    timeoutMs: 150,
  });
  ({ police, iccam } = destinations);
  const locator = new TableLocator({ 'be.test': { geo: 'BE' }, 'nl.test': { geo: 'NL' }, 'de.test': { geo: 'DE' } });
  parts = await svc.recompose({
    locator,
    adapters: destinations.adapters(),
  });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

describe('chaos at the destinations', () => {
  it('police: every handover acknowledged, one case each; ICCAM: none posted twice, no pacing violation, every unknown outcome in needs_review', async () => {
    const hosts = ['be.test', 'nl.test', 'de.test'];
    for (let i = 0; i < HANDOVERS / 3; i++) {
      await submitReferral(
        svc.ctx,
        { reportId: `CHAOS-${i}`, urls: hosts.map((h) => ({ url: `https://${h}/${i}` })), classification: { category: 'baseline', ageGroup: 'unknown' } },
        'key:test',
      );
    }
    while ((await locatePending(svc.ctx, parts.locator, { limit: 500 })).routed > 0);

    const outstanding = async () => (await svc.ctx.store.findHandovers({ states: ['routed', 'delivering', 'delivered'], limit: 10_000 })).length;
    for (let round = 0; round < 200 && (await outstanding()) > 0; round++) {
      await parts.dispatcher.runOnce();
      await reapExpiredLeases(svc.ctx);
      // Move time to the next due attempt (no real waiting), and let the circuit breakers cool down.
      svc.clock.advance(5 * 60_000);
      await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
      // ICCAM: the follow-up's next pass (an hour on the business clock, so every case is due).
      svc.clock.advance(3_600_001);
      await followUpIccam(svc.ctx, parts.adapters.inhope as IccamAdapter);
    }

    const counts = await svc.ctx.store.countByStateAndDestination();
    expect(counts).toEqual(expect.arrayContaining([{ state: 'acknowledged', destination: 'police', count: HANDOVERS / 3 }]));
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(HANDOVERS);
    expect(police.cases.size).toBe(HANDOVERS / 3);
    // Repeated POSTs happened (chaos made sure), yet each handover is one case at the police.
    expect([...police.cases.values()].reduce((n, c) => n + c.posts, 0)).toBeGreaterThan(HANDOVERS / 3);

    const state = iccam.snapshot();
    const inhope = await svc.ctx.store.findHandovers({
      states: ['locating', 'needs_review', 'routed', 'delivering', 'delivered', 'acknowledged', 'closed', 'failed', 'cancelled'],
      destination: 'inhope',
      limit: 10_000,
    });
    expect(inhope).toHaveLength((2 * HANDOVERS) / 3);
    // 0 reports posted twice for one hotlineReference.
    expect(Math.max(...Object.values(state.reportsPerHotlineReference))).toBe(1);
    // 0 pacing violations.
    expect(state.pacingViolations).toEqual([]);
    // Every handover ICCAM stored is either acknowledged or waiting for a person who knows the outcome is unknown.
    const unknown = inhope.filter((h) => h.state === 'needs_review');
    for (const h of unknown) expect(h.failureReason).toBe('delivery_outcome_unknown');
    for (const h of inhope) expect(['acknowledged', 'needs_review']).toContain(h.state);
    for (const h of inhope.filter((x) => x.state === 'acknowledged')) expect(state.reportsPerHotlineReference[h.id]).toBe(1);
    // The chaos did produce unknown outcomes (and each is on record as such).
    const faults = state.faultsServed;
    expect(unknown.length).toBeGreaterThan(0);
    expect(unknown.length).toBeLessThanOrEqual((faults['error-after-processing'] ?? 0) + (faults['drop-after-commit'] ?? 0));
    expect((await svc.ctx.store.verifyAudit()).ok).toBe(true);
  }, 120_000);
});
