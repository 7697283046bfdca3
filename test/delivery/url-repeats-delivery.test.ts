/**
 * Issue #15 end to end with the destination stand-ins: a URL already in hand is not sent
 * again, a duplicate of a handover in review follows the supervisor's one decision, and a URL
 * whose case was closed comes back as a new case that reaches the police marked as a
 * reappearance.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Composed } from '../../src/compose.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { submitReferral } from '../../src/services/intake.js';
import { routeByHand } from '../../src/services/supervisor-actions.js';
import type { PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { createTestService, type TestService } from '../support/test-service.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';

const classification = { category: 'baseline', ageGroup: 'prepubescent' } as const;

let svc: TestService;
let police: PoliceStandin;
let locator: TableLocator;
let parts: Composed;
let destinations: StandinDestinations;

beforeEach(async () => {
  svc = await createTestService({ LEASE_MS: '60000' });
  destinations = await startStandinDestinations(svc.clock, { police: { behaviour: { ackAfterMs: 0 } } });
  ({ police } = destinations);
  locator = new TableLocator({ 'be-host.test': { geo: 'BE' }, 'nl-host.test': { geo: 'NL' }, 'cdn-host.test': { geo: 'CA', cdn: 'Cloudflare' } });
  parts = await svc.recompose({ locator, adapters: destinations.adapters() });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

async function refer(reportId: string, urls: string[]) {
  return (await submitReferral(svc.ctx, { reportId, urls: urls.map((url) => ({ url })), classification }, 'key:test')).handovers;
}

/** The destination says the content was removed: the case is over. */
async function closeAsRemoved(id: string): Promise<void> {
  const now = svc.clock.now().getTime();
  await svc.ctx.store.transition(id, { to: 'closed', actor: 'system:test', reason: 'removed', set: { closedAt: now, outcome: 'removed' }, now });
}

async function locateAndDispatch(): Promise<void> {
  await locatePending(svc.ctx, locator);
  for (let pass = 0; pass < 3; pass++) await parts.dispatcher.runOnce();
}

describe('the same URL referred again', () => {
  it('is sent once while its case is live, and again as a reappearance after it was closed', async () => {
    const [first] = await refer('R-1', ['https://be-host.test/gallery/1']);
    await locateAndDispatch();
    svc.clock.advance(1_000);
    await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
    expect((await svc.ctx.store.getHandover(first!.id))!.state).toBe('acknowledged');
    expect(police.cases.get(first!.id)).toMatchObject({ posts: 1, reappearanceOf: null });

    // Two more reports of the URL while the police have it: nothing more is sent.
    const [dupA] = await refer('R-2', ['https://BE-HOST.test/gallery/1#photo-2']);
    const [dupB] = await refer('R-3', ['https://be-host.test/gallery/1']);
    expect([dupA!.duplicateOf, dupB!.duplicateOf]).toEqual([first!.id, first!.id]);
    await locateAndDispatch();
    expect(police.cases.size).toBe(1);

    // The content is removed, then found online again.
    await closeAsRemoved(first!.id);
    const [back] = await refer('R-4', ['https://be-host.test/gallery/1']);
    expect(back).toMatchObject({ state: 'locating', duplicateOf: null, reappearanceOf: first!.id });
    await locateAndDispatch();
    expect(police.cases.size).toBe(2);
    expect(police.cases.get(back!.id)).toMatchObject({ posts: 1, reappearanceOf: first!.id });
  });

  it('joins a review: the supervisor decides once and one case reaches the destination', async () => {
    const [first] = await refer('R-1', ['https://cdn-host.test/a']);
    await locatePending(svc.ctx, locator);
    expect((await svc.ctx.store.getHandover(first!.id))!.state).toBe('needs_review');
    const [dup] = await refer('R-2', ['https://cdn-host.test/a']);
    expect(dup).toMatchObject({ state: 'duplicate', duplicateOf: first!.id });

    await routeByHand(svc.ctx, first!.id, { destination: 'police', country: 'BE', reason: 'origin confirmed in BE' }, 'key:supervisor');
    await locateAndDispatch();
    expect([...police.cases.keys()]).toEqual([first!.id]);
    expect((await svc.ctx.store.getHandover(dup!.id))!.state).toBe('duplicate');
  });

  it('tells ICCAM in the memo that a case is a reappearance, naming the earlier hotlineReference', async () => {
    const [first] = await refer('R-1', ['https://nl-host.test/album']);
    await locateAndDispatch();
    expect((await svc.ctx.store.getHandover(first!.id))!.state).toBe('delivered');
    await closeAsRemoved(first!.id);

    const [back] = await refer('R-2', ['https://nl-host.test/album']);
    await locateAndDispatch();
    const reports = destinations.iccam.snapshot().reports;
    expect(reports.map((r) => r.hotlineReference)).toEqual([first!.id, back!.id]);
    expect(reports[0]!.body).not.toHaveProperty('memo');
    expect(String((reports[1]!.body as { memo?: unknown }).memo)).toContain(`hotlineReference ${first!.id}`);
  });
});
