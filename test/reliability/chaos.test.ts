/**
 * Chaos: a few hundred handovers against stand-ins that fail 30% of requests (500s, hangs
 * past the client timeout, 429s, and replies lost after the case was recorded). Every handover
 * must end acknowledged, and each destination must hold exactly one case per handover.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createComponents, type Components } from '../../src/components.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import { reapExpiredLeases } from '../../src/delivery/lease-reaper.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import type { IccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import type { PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, type TestService } from '../support/test-service.js';

const HANDOVERS = 300;
const chaos = { failRate: 0.12, timeoutRate: 0.06, rateLimitRate: 0.06, lostReplyRate: 0.06, retryAfterSeconds: 2, ackAfterMs: 0 };

let svc: TestService;
let police: PoliceStandin;
let iccam: IccamStandin;
let parts: Components;
let destinations: StandinDestinations;

beforeEach(async () => {
  svc = await createTestService({ POLICE_CONCURRENCY: '8', INHOPE_CONCURRENCY: '4', RETRY_BASE_MS: '1000' });
  // A short client timeout so hung requests cost little real time.
  destinations = await startStandinDestinations(svc.clock, { police: { seed: 7, behaviour: chaos }, iccam: { seed: 11, behaviour: chaos }, timeoutMs: 150 });
  ({ police, iccam } = destinations);
  const locator = new TableLocator({ 'be.test': { geo: 'BE' }, 'nl.test': { geo: 'NL' }, 'de.test': { geo: 'DE' } });
  parts = await createComponents(svc.ctx, async () => locator, {
    locator,
    adapters: destinations.adapters(),
  });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

describe('chaos at the destinations', () => {
  it('delivers and acknowledges every handover exactly once', async () => {
    const hosts = ['be.test', 'nl.test', 'de.test'];
    for (let i = 0; i < HANDOVERS / 3; i++) {
      await submitReferral(svc.ctx, { reportId: `CHAOS-${i}`, urls: hosts.map((h) => ({ url: `https://${h}/${i}` })), classification: { category: 'baseline', ageGroup: 'unknown' } }, 'key:test');
    }
    while ((await locatePending(svc.ctx, parts.locator, { limit: 500 })).routed > 0);

    const outstanding = async () => (await svc.ctx.store.findHandovers({ states: ['routed', 'delivering', 'delivered'], limit: 10_000 })).length;
    for (let round = 0; round < 200 && (await outstanding()) > 0; round++) {
      await parts.dispatcher.runOnce();
      await reapExpiredLeases(svc.ctx);
      // Move time to the next due attempt (no real waiting), and let the circuit breakers cool down.
      svc.clock.advance(5 * 60_000);
      await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
    }

    const counts = await svc.ctx.store.countByStateAndDestination();
    expect(counts).toEqual(
      expect.arrayContaining([
        { state: 'acknowledged', destination: 'police', count: HANDOVERS / 3 },
        { state: 'acknowledged', destination: 'inhope', count: (2 * HANDOVERS) / 3 },
      ]),
    );
    expect(counts.reduce((n, c) => n + c.count, 0)).toBe(HANDOVERS);
    expect(police.cases.size).toBe(HANDOVERS / 3);
    expect(iccam.cases.size).toBe((2 * HANDOVERS) / 3);
    // Repeated POSTs happened (chaos made sure), yet each handover is one case at its destination.
    const posts = [...police.cases.values(), ...iccam.cases.values()].reduce((n, c) => n + c.posts, 0);
    expect(posts).toBeGreaterThan(HANDOVERS);
    expect((await svc.ctx.store.verifyAudit()).ok).toBe(true);
  }, 120_000);
});
