/**
 * One bad URL is one case for a supervisor, never an outage: a handover whose locating
 * throws gets backoff and then review, the others are located meanwhile, and a supervisor
 * can cancel a handover that is still locating.
 */
import type { Locator } from '../../src/locate/locator.js';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import type { HostingEvidence } from '../../src/domain/evidence.js';
import { locatePending, MAX_THROWING_LOCATE_ATTEMPTS } from '../../src/jobs/locate-pending.js';
import { locateRetryDelayMs } from '../../src/services/locate-and-route.js';
import { submitReferral } from '../../src/services/intake.js';
import { cancelHandover } from '../../src/services/supervisor-actions.js';
import { bearer, createTestService, type TestService } from '../support/test-service.js';
import { TableLocator } from '../support/table-locator.js';

const classification = { category: 'baseline', ageGroup: 'prepubescent' } as const;

/** Throws for hosts named "poison-*", with a message holding the URL (as URL parsers do). */
class PoisonLocator implements Pick<Locator, 'locate'> {
  constructor(private readonly inner: TableLocator) {}
  async locate(url: string): Promise<HostingEvidence> {
    if (new URL(url).hostname.startsWith('poison-')) throw new TypeError(`Invalid URL: ${url}`);
    return this.inner.locate(url);
  }
}

let svc: TestService;
let locator: PoisonLocator;
beforeEach(async () => {
  svc = await createTestService();
  locator = new PoisonLocator(new TableLocator({ 'be-host.test': { geo: 'BE' } }));
});
afterEach(async () => {
  await svc.close();
});

async function refer(reportId: string, urls: string[]) {
  const { handovers } = await submitReferral(svc.ctx, { reportId, urls: urls.map((url) => ({ url })), classification }, 'key:test');
  return handovers.map((h) => h.id);
}

describe('a handover whose locating throws', () => {
  it('gets backoff, then goes to review with reason locate_failed, while the others are located', async () => {
    const poison = Array.from({ length: 20 }, (_, i) => `https://poison-${i}.test/x`);
    const ids = await refer('R-poison', [...poison, 'https://be-host.test/ok']);
    const good = ids.at(-1)!;

    const first = await locatePending(svc.ctx, locator);
    expect(first).toMatchObject({ routed: 1, retry_later: 20, errors: 20 });
    expect((await svc.ctx.store.getHandover(good))!.state).toBe('routed');
    const waiting = (await svc.ctx.store.getHandover(ids[0]!))!;
    expect(waiting).toMatchObject({ state: 'locating', locateAttempts: 1, nextAttemptAt: svc.clock.now().getTime() + locateRetryDelayMs(1) });

    // Not due yet: the next run leaves them alone instead of throwing again.
    expect(await locatePending(svc.ctx, locator)).toMatchObject({ errors: 0, retry_later: 0 });

    for (let attempt = 2; attempt <= MAX_THROWING_LOCATE_ATTEMPTS; attempt++) {
      svc.clock.advance(locateRetryDelayMs(attempt - 1));
      await locatePending(svc.ctx, locator);
    }
    const reviewed = (await svc.ctx.store.getHandover(ids[0]!))!;
    expect(reviewed).toMatchObject({ state: 'needs_review', locateAttempts: MAX_THROWING_LOCATE_ATTEMPTS, nextAttemptAt: null });
    expect(reviewed.decision).toMatchObject({ destination: null, reviewReasons: ['locate_failed'] });
    expect((await svc.ctx.store.findHandovers({ states: ['locating'], dueBy: Number.MAX_SAFE_INTEGER, limit: 100 })).length).toBe(0);
  });

  it('never writes the reported URL into the log or the audit trail', async () => {
    const [id] = await refer('R-quiet', ['https://poison-secret.test/hidden-path']);
    await locatePending(svc.ctx, locator);
    expect(svc.logs.text).toContain('locating failed');
    expect(svc.logs.text).not.toContain('hidden-path');
    const events = await svc.ctx.store.listAuditEvents(id!);
    expect(JSON.stringify(events)).not.toContain('hidden-path');
    expect(events.at(-1)).toMatchObject({ kind: 'locate_retry', data: { error: 'TypeError', attempts: 1 } });
  });
});

describe('a supervisor and a handover still locating', () => {
  it('can cancel it, and the locate job leaves it alone afterwards', async () => {
    const [id] = await refer('R-cancel', ['https://poison-stuck.test/x']);
    await locatePending(svc.ctx, locator);
    const cancelled = await cancelHandover(svc.ctx, id!, 'key:supervisor', 'cannot be located; withdrawn');
    expect(cancelled).toMatchObject({ state: 'cancelled', nextAttemptAt: null });
    svc.clock.advance(3_600_000);
    expect(await locatePending(svc.ctx, locator)).toMatchObject({ errors: 0, routed: 0, needs_review: 0 });
  });
});

describe('intake of URLs from the back office', () => {
  it.each(['http://../', 'http://%E3%80%82./'])('refuses the dot-only host %s with a 400 and stores nothing', async (url) => {
    const app = createApp(svc.ctx, { locator });
    const res = await request(app)
      .post('/v1/referrals')
      .set('Authorization', bearer('service'))
      .send({ reportId: 'R-dots', urls: [{ url }], classification });
    expect(res.status).toBe(400);
    expect(await svc.ctx.store.listHandovers({ limit: 10 })).toEqual([]);
  });

  it('stores and locates the WHATWG-serialised URL and keeps the raw string in the evidence', async () => {
    const raw = 'http://be-host.test\\@b.test/x';
    const app = createApp(svc.ctx, { locator });
    const res = await request(app)
      .post('/v1/referrals')
      .set('Authorization', bearer('service'))
      .send({ reportId: 'R-raw', urls: [{ url: raw }], classification });
    expect(res.status).toBe(202);
    expect(res.body.handovers[0].url).toBe('http://be-host.test/@b.test/x');
    const id = res.body.handovers[0].id as string;
    expect(await svc.ctx.store.getHandover(id)).toMatchObject({ url: 'http://be-host.test/@b.test/x', reportedUrl: raw });

    await locatePending(svc.ctx, locator);
    const located = (await svc.ctx.store.getHandover(id))!;
    expect(located).toMatchObject({ state: 'routed', country: 'BE' });
    expect(located.evidence?.reportedUrl).toBe(raw);
  });

  it('stores no raw copy when the URL is already in its serialised form', async () => {
    const [id] = await refer('R-plain', ['https://be-host.test/a']);
    expect(await svc.ctx.store.getHandover(id!)).toMatchObject({ url: 'https://be-host.test/a', reportedUrl: null });
  });
});
