/**
 * The API side of issue #15: the 202 answer names the handover that already carries a URL
 * (`duplicateOf`, contract §3), the referral and handover records show the links both ways, a
 * supervisor splits a duplicate with a reason, and /v1/stats counts duplicates and
 * reappearances.
 */
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { bearer, createTestService, type TestService } from '../support/test-service.js';

let svc: TestService;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  svc = await createTestService();
  app = createApp(svc.ctx);
});
afterEach(() => svc.close());

const classification = { category: 'baseline', ageGroup: 'unknown' };
const refer = (reportId: string, urls: string[]) =>
  request(app)
    .post('/v1/referrals')
    .set('Authorization', bearer('analyst'))
    .send({ reportId, urls: urls.map((url) => ({ url })), classification });

describe('a URL referred while it is already in hand', () => {
  it('answers 202 naming the handover that carries it, within one referral and across referrals', async () => {
    const first = await refer('CF-1', ['https://gallery.example/g/1', 'https://gallery.example/g/1#x']);
    expect(first.status).toBe(202);
    const [carrier, within] = first.body.handovers as { id: string; state: string; duplicateOf?: string }[];
    expect(carrier).not.toHaveProperty('duplicateOf');
    expect(within).toMatchObject({ state: 'duplicate', duplicateOf: carrier!.id });

    const second = await refer('CF-2', ['https://GALLERY.example/g/1', 'https://gallery.example/g/2']);
    expect(second.status).toBe(202);
    expect(second.body.handovers).toMatchObject([{ state: 'duplicate', duplicateOf: carrier!.id }, { state: 'locating' }]);
    expect(second.body.handovers[1]).not.toHaveProperty('duplicateOf');
  });

  it('answers the same report again with the same answer, not as a duplicate of itself', async () => {
    const first = await refer('CF-1', ['https://gallery.example/g/1']);
    const again = await refer('CF-1', ['https://gallery.example/g/1']);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.body.handovers[0]).not.toHaveProperty('duplicateOf');
  });

  it('shows the links on the referral and on both handovers', async () => {
    const carrierId = (await refer('CF-1', ['https://gallery.example/g/1'])).body.handovers[0].id as string;
    const duplicateId = (await refer('CF-2', ['https://gallery.example/g/1'])).body.handovers[0].id as string;

    const referral = await request(app).get('/v1/referrals/CF-2').set('Authorization', bearer('analyst'));
    expect(referral.body.handovers[0]).toMatchObject({
      id: duplicateId,
      state: 'duplicate',
      duplicateOf: carrierId,
      carriedBy: { id: carrierId, reportId: 'CF-1', state: 'locating' },
    });

    const carrier = await request(app).get(`/v1/handovers/${carrierId}`).set('Authorization', bearer('analyst'));
    expect(carrier.body.duplicates).toEqual([expect.objectContaining({ id: duplicateId, reportId: 'CF-2', state: 'duplicate' })]);
    expect(carrier.body.audit.at(-1)).toMatchObject({ kind: 'duplicate_received', data: { duplicateId } });

    const duplicate = await request(app).get(`/v1/handovers/${duplicateId}`).set('Authorization', bearer('analyst'));
    expect(duplicate.body).toMatchObject({ state: 'duplicate', duplicateOf: carrierId, duplicates: [], reappearances: [] });
  });

  it('lists duplicates with the state filter', async () => {
    await refer('CF-1', ['https://gallery.example/g/1']);
    await refer('CF-2', ['https://gallery.example/g/1']);
    const res = await request(app).get('/v1/handovers?state=duplicate').set('Authorization', bearer('analyst'));
    expect(res.body.items.map((h: { reportId: string }) => h.reportId)).toEqual(['CF-2']);
  });
});

describe('POST /v1/handovers/:id/split', () => {
  it('lets a supervisor make a duplicate its own case, with a reason, and no one else', async () => {
    const carrierId = (await refer('CF-1', ['https://gallery.example/g/1'])).body.handovers[0].id as string;
    const duplicateId = (await refer('CF-2', ['https://gallery.example/g/1'])).body.handovers[0].id as string;
    const split = (role: 'analyst' | 'supervisor', body: object, id = duplicateId) =>
      request(app).post(`/v1/handovers/${id}/split`).set('Authorization', bearer(role)).send(body);

    expect((await split('analyst', { reason: 'different content' })).status).toBe(403);
    expect((await split('supervisor', {})).status).toBe(400);
    expect((await split('supervisor', { reason: 'not a duplicate' }, carrierId)).status).toBe(409);

    const res = await split('supervisor', { reason: 'different content at one address' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: duplicateId, state: 'locating', duplicateOf: carrierId });
    expect(res.body.splitAt).toBe(svc.clock.now().toISOString());
    const carrier = await request(app).get(`/v1/handovers/${carrierId}`).set('Authorization', bearer('analyst'));
    expect(carrier.body.audit.at(-1)).toMatchObject({ kind: 'duplicate_split', reason: 'different content at one address', data: { splitId: duplicateId } });
    expect((await split('supervisor', { reason: 'again please' })).status).toBe(409);
  });
});

describe('GET /v1/stats', () => {
  it('counts duplicates and reappearances, and reappearances after removal, for the period', async () => {
    const carrierId = (await refer('CF-1', ['https://gallery.example/g/1'])).body.handovers[0].id as string;
    await refer('CF-2', ['https://gallery.example/g/1', 'https://gallery.example/g/1']);
    const now = () => svc.clock.now().getTime();
    for (const to of ['routed', 'delivering', 'delivered', 'closed'] as const) {
      await svc.ctx.store.transition(carrierId, {
        to,
        actor: 'system:test',
        reason: 'test',
        set: to === 'routed' ? { destination: 'police', country: 'BE' } : {},
        now: now(),
      });
    }
    await refer('CF-3', ['https://gallery.example/g/1']);

    const res = await request(app).get('/v1/stats').set('Authorization', bearer('analyst'));
    const month = svc.clock.now().toISOString().slice(0, 7);
    expect(res.body.urlRepeats).toMatchObject({ duplicates: 2, duplicatesSplit: 0, reappearances: 1, reappearancesAfterRemoval: 1 });
    expect(res.body.urlRepeats.byMonth[month]).toMatchObject({ duplicates: 2, reappearances: 1 });

    const later = new Date(svc.clock.now().getTime() + 1).toISOString();
    const empty = await request(app)
      .get(`/v1/stats?from=${encodeURIComponent(later)}`)
      .set('Authorization', bearer('analyst'));
    expect(empty.body.urlRepeats).toMatchObject({ duplicates: 0, reappearances: 0 });
  });
});
