/**
 * Sending a report to ICCAM, around the moment it leaves (contract §4 `inhope`, No blind
 * re-send): "about to send" is recorded just before the create request goes, after the pacing
 * slot and the login. A case whose lease lapses before that mark never left and goes back to
 * `routed`; one marked may be at ICCAM and waits for a person. ICCAM calls have their own
 * timeout, so a slow but successful create is delivered.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import { LocalIccamGate, type IccamGate } from '../../src/delivery/destinations/iccam-gate.js';
import { reapExpiredLeases } from '../../src/delivery/lease-reaper.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import { startStandinDestinations, TEST_ICCAM_INTERVAL_MS, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, type TestService } from '../support/test-service.js';

/** A gate that holds every call until it is opened: the pacing slot a claimed case waits for. */
class HeldGate implements IccamGate {
  private readonly inner = new LocalIccamGate(TEST_ICCAM_INTERVAL_MS);
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));
  waiting = 0;
  release(): void {
    this.open();
  }
  async run<T>(call: () => Promise<T>, pauseAfterMs?: (result: T | undefined) => number): Promise<T> {
    this.waiting++;
    await this.opened;
    return this.inner.run(call, pauseAfterMs);
  }
}

const LEASE_MS = 60_000;
let svc: TestService;
let destinations: StandinDestinations;
let locator: TableLocator;

beforeEach(async () => {
  svc = await createTestService({ LEASE_MS: String(LEASE_MS) });
  destinations = await startStandinDestinations(svc.clock, { timeoutMs: 400 });
  locator = new TableLocator({ 'nl-host.test': { geo: 'NL' } });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

async function routedIccamCase(reportId: string): Promise<string> {
  const { handovers } = await submitReferral(
    svc.ctx,
    { reportId, urls: [{ url: `https://nl-host.test/${reportId}` }], classification: { category: 'baseline', ageGroup: 'unknown' } },
    'key:test',
  );
  await locatePending(svc.ctx, locator);
  return handovers[0]!.id;
}

const handover = async (id: string) => (await svc.ctx.store.getHandover(id))!;

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 10));
  expect(await check()).toBe(true);
}

describe('"about to send"', () => {
  it('a case whose lease lapses while it waits for the pacing slot and the login goes back to routed, not to a person; sent once later', async () => {
    const gate = new HeldGate();
    const parts: Composed = await svc.recompose({ locator, adapters: destinations.adapters({ store: svc.ctx.store, gate }) });
    const id = await routedIccamCase('S1');
    await parts.dispatcher.runOnce({ waitForDeliveries: false });
    expect((await handover(id)).state).toBe('delivering');
    await until(async () => gate.waiting > 0);

    svc.clock.advance(LEASE_MS + 1);
    expect(await reapExpiredLeases(svc.ctx)).toBe(1);
    expect(await handover(id)).toMatchObject({ state: 'routed', sendingToken: null, failureReason: null });
    const attempts = await svc.ctx.store.listAttempts(id);
    expect(attempts.at(-1)).toMatchObject({ outcome: 'retry', errorClass: 'not_sent' });

    // The slot comes: the lease is gone, so "about to send" is refused and nothing leaves.
    gate.release();
    await parts.dispatcher.drain();
    expect(destinations.iccam.snapshot().reports).toHaveLength(0);
    expect((await handover(id)).state).toBe('routed');
    expect((await svc.ctx.store.listAuditEvents(id)).map((e) => e.kind)).not.toContain('about_to_send');

    expect(await parts.dispatcher.runOnce()).toMatchObject({ delivered: 1 });
    expect(destinations.iccam.snapshot().reportsPerHotlineReference).toEqual({ [id]: 1 });
    const marks = (await svc.ctx.store.listAuditEvents(id)).filter((e) => e.kind === 'about_to_send');
    expect(marks).toHaveLength(1);
  });

  it('a case marked about to send whose lease lapses goes to a person (delivery_outcome_unknown), never sent again', async () => {
    const parts = await svc.recompose({ locator, adapters: destinations.adapters({ store: svc.ctx.store }) });
    const id = await routedIccamCase('S2');
    await destinations.iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'hang-after-commit' });
    await parts.dispatcher.runOnce({ waitForDeliveries: false });
    await until(async () => (await handover(id)).sendingToken !== null);
    const marked = await handover(id);
    expect(marked.sendingToken).toBe(marked.leaseToken);

    svc.clock.advance(LEASE_MS + 1);
    expect(await reapExpiredLeases(svc.ctx)).toBe(1);
    expect(await handover(id)).toMatchObject({ state: 'needs_review', failureReason: 'delivery_outcome_unknown' });
    await parts.dispatcher.drain();
    svc.clock.advance(24 * 3_600_000);
    await parts.dispatcher.runOnce();
    expect(destinations.iccam.snapshot().reportsPerHotlineReference).toEqual({ [id]: 1 });
    expect((await svc.ctx.store.verifyAudit()).ok).toBe(true);
  });
});

describe('ICCAM has its own timeout (ICCAM_TIMEOUT_MS)', () => {
  it('a create slower than DESTINATION_TIMEOUT_MS but within ICCAM_TIMEOUT_MS is delivered, not sent to review', async () => {
    const iccam = destinations.iccam;
    const timed = await createTestService({
      ICCAM_URL: iccam.url,
      ICCAM_USERNAME: 'u',
      ICCAM_PASSWORD: 'p',
      ICCAM_MIN_INTERVAL_MS: String(TEST_ICCAM_INTERVAL_MS),
      ICCAM_LOGIN_PAUSE_MS: '0',
      DESTINATION_TIMEOUT_MS: '100',
      ICCAM_TIMEOUT_MS: '5000',
    });
    try {
      const parts = await timed.recompose({ locator });
      const { handovers } = await submitReferral(
        timed.ctx,
        { reportId: 'T1', urls: [{ url: 'https://nl-host.test/T1' }], classification: { category: 'baseline', ageGroup: 'unknown' } },
        'key:test',
      );
      await locatePending(timed.ctx, locator);
      await iccam.failNext({ method: 'POST', path: 'rest/Reports', fault: 'slow-answer', answerAfterMs: 400 });
      expect(await parts.dispatcher.runOnce()).toMatchObject({ delivered: 1, unknown: 0 });
      expect((await timed.ctx.store.getHandover(handovers[0]!.id))!.state).toBe('delivered');
    } finally {
      await timed.close();
    }
  });
});
