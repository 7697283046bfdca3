/**
 * The dispatcher writes an attempt together with the change it leads to (one transaction: the
 * attempt's row and event, then the transition's event, in the handover's chain). When the
 * lease was lost meanwhile the change is refused, and the attempt is still written, alone: what
 * was sent is never left out of the record.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import type { DeliveryOutcome, DestinationAdapter } from '../../src/delivery/destinations/destination-adapter.js';
import { CircuitBreakers } from '../../src/domain/circuit-breaker.js';
import type { Destination } from '../../src/domain/decision.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, type TestService } from '../support/test-service.js';

const classification = { category: 'baseline', ageGroup: 'prepubescent' } as const;
const locator = new TableLocator({ 'be-host.test': { geo: 'BE' } });
let svc: TestService;

beforeEach(async () => {
  svc = await createTestService();
});
afterEach(async () => {
  await svc.close();
});

function police(deliver: DestinationAdapter['deliver']): DestinationAdapter {
  return { destination: 'police', deliver, fetchStatus: async () => ({ destination: 'police', status: 'received', effect: 'none' }), close: () => undefined };
}

const accepted: DeliveryOutcome = {
  kind: 'delivered',
  reference: 'receipt-1',
  statusCode: 201,
  requestHash: 'a'.repeat(64),
  responseDigest: 'b'.repeat(64),
  durationMs: 5,
  duplicate: false,
};

async function routedHandover(reportId: string): Promise<string> {
  const { handovers } = await submitReferral(svc.ctx, { reportId, urls: [{ url: `https://be-host.test/x/${reportId}` }], classification }, 'key:test');
  await locatePending(svc.ctx, locator);
  return handovers[0]!.id;
}

const dispatcher = (adapter: DestinationAdapter) => new Dispatcher(svc.ctx, { police: adapter }, new CircuitBreakers<Destination>(svc.clock), locator);

describe('an attempt and its outcome', () => {
  it('are written in one transaction: the attempt event, then the transition, in one chain', async () => {
    const id = await routedHandover('AWO-1');
    expect(await dispatcher(police(async () => accepted)).runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    const events = await svc.ctx.store.listAuditEvents(id);
    const [attemptEvent, delivered] = events.slice(-2);
    expect(attemptEvent).toMatchObject({ kind: 'attempt', fromState: 'delivering', toState: 'delivering' });
    expect(delivered).toMatchObject({ kind: 'transition', fromState: 'delivering', toState: 'delivered' });
    expect(delivered!.chainSeq).toBe(attemptEvent!.chainSeq! + 1);
    expect(delivered!.prevHash).toBe(attemptEvent!.hash);
    const [attempt] = await svc.ctx.store.listAttempts(id);
    expect(attempt).toMatchObject({ attemptNo: 1, outcome: 'delivered', statusCode: 201, requestHash: 'a'.repeat(64) });
    expect(await svc.ctx.store.verifyAudit()).toMatchObject({ ok: true });
  });

  it('when the lease was lost while sending: the change is refused and the attempt is written alone', async () => {
    const id = await routedHandover('AWO-2');
    const stealing = police(async () => {
      // Another replica took the case over meanwhile (its lease expired and it was claimed again).
      await svc.ctx.store.transition(id, {
        to: 'routed',
        actor: 'system:test',
        reason: 'lease expired',
        set: { leaseToken: null, leaseExpiresAt: null },
        now: 1,
      });
      await svc.ctx.store.claimDue({
        destination: 'police',
        now: svc.clock.now().getTime(),
        limit: 1,
        leaseMs: 60_000,
        token: 'other-replica',
        actor: 'system:test',
      });
      return accepted;
    });
    expect(await dispatcher(stealing).runOnce()).toMatchObject({ claimed: 1, delivered: 0, leaseLost: 1 });
    expect(await svc.ctx.store.getHandover(id)).toMatchObject({ state: 'delivering', leaseToken: 'other-replica' });
    const attempts = await svc.ctx.store.listAttempts(id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]!.claimToken).not.toBe('other-replica');
    expect((await svc.ctx.store.listAuditEvents(id)).at(-1)).toMatchObject({ kind: 'attempt', fromState: 'delivering' });
    expect(await svc.ctx.store.verifyAudit()).toMatchObject({ ok: true });
  });
});
