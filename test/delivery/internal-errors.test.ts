/**
 * Errors of our own (a bug, a handover without what it must have, a request builder that
 * throws) go to `failed` with `internal_error` and raise hrr_internal_errors_total; they never
 * count against the destination's circuit breaker, and one of them never stops a whole pass.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/delivery/dispatcher.js';
import type { DeliveryOutcome, DestinationAdapter } from '../../src/delivery/destinations/destination-adapter.js';
import { CircuitBreakers } from '../../src/domain/circuit-breaker.js';
import type { Destination } from '../../src/domain/decision.js';
import type { HostingEvidence } from '../../src/domain/evidence.js';
import { checkOverdue } from '../../src/jobs/overdue-check.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, type TestService } from '../support/test-service.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const classification = { category: 'baseline', ageGroup: 'prepubescent' } as const;

/** A table locator that throws for the hosts it is told to. */
class ThrowingLocator extends TableLocator {
  readonly throwing = new Set<string>();
  override async locate(url: string): Promise<HostingEvidence> {
    if (this.throwing.has(new URL(url).hostname)) throw new TypeError('locator bug');
    return super.locate(url);
  }
}

let svc: TestService;
let locator: ThrowingLocator;
let breakers: CircuitBreakers<Destination>;

beforeEach(async () => {
  svc = await createTestService();
  locator = new ThrowingLocator({ 'be-host.test': { geo: 'BE' }, 'be-other.test': { geo: 'BE' } });
  breakers = new CircuitBreakers<Destination>(svc.clock, { failureThreshold: 2 });
});

afterEach(async () => {
  await svc.close();
});

function policeAdapter(deliver: DestinationAdapter['deliver']): DestinationAdapter {
  return { destination: 'police', deliver, fetchStatus: async () => ({ destination: 'police', status: 'received', effect: 'none' }), close: () => undefined };
}

let receipts = 0;
const accepting = policeAdapter(async (): Promise<DeliveryOutcome> => ({
  kind: 'delivered',
  reference: `receipt-${++receipts}`,
  statusCode: 201,
  requestHash: 'a'.repeat(64),
  responseDigest: 'b'.repeat(64),
  durationMs: 5,
  duplicate: false,
}));
const throwing = policeAdapter(async () => {
  throw new RangeError('body builder bug');
});

async function routed(reportId: string, hosts: string[]): Promise<string[]> {
  const { handovers } = await submitReferral(
    svc.ctx,
    { reportId, urls: hosts.map((h) => ({ url: `https://${h}/x/${reportId}` })), classification },
    'key:test',
  );
  await locatePending(svc.ctx, locator);
  return handovers.map((h) => h.id);
}

const get = async (id: string) => (await svc.ctx.store.getHandover(id))!;
const internalErrors = async (component: string) => {
  const metric = await svc.ctx.metrics.internalErrors.get();
  return metric.values.find((v) => v.labels.component === component)?.value ?? 0;
};

describe('a delivery that throws on our side', () => {
  it('fails the handover with internal_error, records the attempt, and leaves the breaker alone', async () => {
    const ids = await routed('IE-1', ['be-host.test', 'be-other.test']);
    const dispatcher = new Dispatcher(svc.ctx, { police: throwing }, breakers, locator);
    const summary = await dispatcher.runOnce();
    expect(summary).toMatchObject({ claimed: 2, failed: 2, retried: 0 });
    for (const id of ids) {
      expect(await get(id)).toMatchObject({ state: 'failed', failureReason: 'internal_error' });
      const [attempt] = await svc.ctx.store.listAttempts(id);
      expect(attempt).toMatchObject({
        outcome: 'failed',
        errorClass: 'internal_error',
        statusCode: null,
        requestHash: null,
        detail: expect.stringContaining('body builder bug'),
      });
    }
    // Two local errors with a threshold of two: the destination is still trusted.
    expect(breakers.for('police').state()).toMatchObject({ state: 'closed', consecutiveFailures: 0, trips: 0 });
    expect(await internalErrors('dispatcher')).toBe(2);
  });

  it('a local error during a trial frees the trial, so the destination is tried again at once', async () => {
    const breaker = breakers.for('police');
    breaker.recordFailure();
    breaker.recordFailure();
    svc.clock.advance(60_000); // past the cool-down: the next admission is a trial
    const [first, second] = await routed('IE-2', ['be-host.test', 'be-other.test']);
    expect(await new Dispatcher(svc.ctx, { police: throwing }, breakers, locator).runOnce()).toMatchObject({ claimed: 1, failed: 1 });
    expect(breaker.state()).toMatchObject({ state: 'half-open', trips: 1 });
    expect(await new Dispatcher(svc.ctx, { police: accepting }, breakers, locator).runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(breaker.state().state).toBe('closed');
    expect([(await get(first!)).state, (await get(second!)).state].sort()).toEqual(['delivered', 'failed']);
  });

  it('the overdue re-send takes the same path: failed with internal_error, not a retry every run', async () => {
    const [id] = await routed('IE-3', ['be-host.test']);
    await new Dispatcher(svc.ctx, { police: accepting }, breakers, locator).runOnce();
    expect((await get(id!)).state).toBe('delivered');
    svc.clock.advance(4 * DAY + HOUR);
    const summary = await checkOverdue(svc.ctx, { police: throwing }, { breakers });
    expect(summary).toMatchObject({ internalErrors: 1, resendRetry: 0, resendRefused: 0 });
    expect(await get(id!)).toMatchObject({ state: 'failed', failureReason: 'internal_error' });
    const attempts = await svc.ctx.store.listAttempts(id!);
    expect(attempts.at(-1)).toMatchObject({ attemptNo: 2, errorClass: 'internal_error', detail: expect.stringContaining('body builder bug') });
    expect(breakers.for('police').state().consecutiveFailures).toBe(0);
    expect(await internalErrors('overdue-check')).toBe(1);
  });
});

describe('re-checking stale hosting before sending', () => {
  it('one URL whose locating throws does not stop the pass; it is sent on its earlier evidence', async () => {
    const [broken, fine] = await routed('IE-4', ['be-host.test', 'be-other.test']);
    svc.clock.advance(7 * HOUR); // older than RECHECK_HOSTING_AFTER_MS (6 h)
    locator.throwing.add('be-host.test');
    const summary = await new Dispatcher(svc.ctx, { police: accepting }, breakers, locator).runOnce();
    expect(summary).toMatchObject({ rechecked: 2, delivered: 2 });
    expect(await get(broken!)).toMatchObject({ state: 'delivered' });
    expect(await get(fine!)).toMatchObject({ state: 'delivered' });
    expect(await internalErrors('hosting-recheck')).toBe(1);
    const events = await svc.ctx.store.listAuditEvents(broken!);
    expect(events.map((e) => e.kind)).toContain('hosting_recheck_failed');
  });
});
