import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { bearer, createTestService, sampleReferral, type TestService } from '../support/test-service.js';

let svc: TestService;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  svc = await createTestService();
  app = createApp(svc.ctx);
});
afterEach(() => svc.close());

/** Everything a bad request must leave untouched. */
async function storeSnapshot() {
  const handovers = await svc.ctx.store.listHandovers({ limit: 10_000 });
  const audit = await svc.ctx.store.verifyAudit();
  return { handovers: handovers.map((h) => `${h.id}:${h.state}:${h.updatedAt}`), auditEvents: audit.events };
}

describe('POST /v1/referrals', () => {
  it('accepts a referral with 202 and one handover per URL, each locating', async () => {
    const res = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral());
    expect(res.status).toBe(202);
    expect(res.body.referralId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.handovers).toHaveLength(2);
    expect(res.body.handovers.map((h: { state: string; url: string }) => [h.state, h.url])).toEqual([
      ['locating', 'https://images.be-host.test/gallery/1.jpg'],
      ['locating', 'https://video.nl-host.test/v/2'],
    ]);
  });

  it('answers the same body again with 200 and the same answer', async () => {
    const first = await request(app).post('/v1/referrals').set('Authorization', bearer('service')).send(sampleReferral());
    const body = sampleReferral();
    // The same content with keys in another order is the same body.
    const reordered = { classification: body.classification, urls: body.urls, reportedAt: body.reportedAt, reportId: body.reportId };
    const again = await request(app).post('/v1/referrals').set('Authorization', bearer('service')).send(reordered);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('refuses the same reportId with a different body with 409 and changes nothing', async () => {
    await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral());
    const before = await storeSnapshot();
    const changed = { ...sampleReferral(), classification: { category: 'national', ageGroup: 'pubescent' } };
    const res = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(changed);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('referral_conflict');
    expect(await storeSnapshot()).toEqual(before);
  });

  it('creates one referral when identical requests arrive together', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('CF-RACE'))),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 200, 202]);
    expect(new Set(answers.map((a) => a.body.referralId)).size).toBe(1);
    expect(await svc.ctx.store.listHandovers({ limit: 100 })).toHaveLength(2);
  });

  it('records the key that referred it in the audit trail', async () => {
    const res = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral());
    const detail = await request(app).get(`/v1/handovers/${res.body.handovers[0].id}`).set('Authorization', bearer('analyst'));
    expect(detail.body.audit).toMatchObject([{ actor: 'key:analyst-key', kind: 'intake', to: 'locating' }]);
  });

  const tooMany = Array.from({ length: 101 }, (_, i) => ({ url: `https://h${i}.example/` }));
  const badBodies: [string, (b: ReturnType<typeof sampleReferral>) => unknown, number, string][] = [
    ['wrong type for urls', (b) => ({ ...b, urls: 'https://a.example/' }), 400, 'validation_failed'],
    ['an unknown field', (b) => ({ ...b, reporter: 'someone' }), 400, 'validation_failed'],
    ['an unknown field in a URL entry', (b) => ({ ...b, urls: [{ url: 'https://a.example/', note: 'x' }] }), 400, 'validation_failed'],
    ['an empty URL list', (b) => ({ ...b, urls: [] }), 400, 'validation_failed'],
    ['more than 100 URLs', (b) => ({ ...b, urls: tooMany }), 400, 'validation_failed'],
    ['a javascript: URL', (b) => ({ ...b, urls: [{ url: 'javascript:alert(1)' }] }), 400, 'validation_failed'],
    ['an ftp: URL', (b) => ({ ...b, urls: [{ url: 'ftp://files.example/a.jpg' }] }), 400, 'validation_failed'],
    ['credentials in the URL', (b) => ({ ...b, urls: [{ url: 'https://user:pw@a.example/' }] }), 400, 'validation_failed'],
    ['a URL over 2,048 characters', (b) => ({ ...b, urls: [{ url: `https://a.example/${'x'.repeat(2040)}` }] }), 400, 'validation_failed'],
    ['a relative URL', (b) => ({ ...b, urls: [{ url: '/just/a/path' }] }), 400, 'validation_failed'],
    ['an unknown classification value', (b) => ({ ...b, classification: { ...b.classification, ageGroup: 'adult' } }), 400, 'validation_failed'],
    ['a missing classification', (b) => ({ ...b, classification: undefined }), 400, 'validation_failed'],
    ['an unknown contentType', (b) => ({ ...b, urls: [{ url: 'https://a.example/', contentType: 'audio' }] }), 400, 'validation_failed'],
    ['a reportedAt that is not a date', (b) => ({ ...b, reportedAt: 'yesterday' }), 400, 'validation_failed'],
    ['a missing reportId', (b) => ({ ...b, reportId: undefined }), 400, 'validation_failed'],
    ['a JSON array instead of an object', () => [1, 2], 400, 'validation_failed'],
  ];
  for (const [name, mutate, status, code] of badBodies) {
    it(`refuses ${name} with ${status} ${code} and changes nothing`, async () => {
      const before = await storeSnapshot();
      const res = await request(app)
        .post('/v1/referrals')
        .set('Authorization', bearer('analyst'))
        .send(mutate(sampleReferral()) as object);
      expect(res.status).toBe(status);
      expect(res.body.error).toMatchObject({ code, requestId: expect.any(String) });
      expect(await storeSnapshot()).toEqual(before);
    });
  }

  it('refuses malformed JSON with 400 malformed_json and changes nothing', async () => {
    const before = await storeSnapshot();
    const res = await request(app)
      .post('/v1/referrals')
      .set('Authorization', bearer('analyst'))
      .set('Content-Type', 'application/json')
      .send('{"reportId": "x",');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_json');
    expect(await storeSnapshot()).toEqual(before);
  });

  it('refuses a body over 256 KiB with 413 and changes nothing', async () => {
    const before = await storeSnapshot();
    const huge = { ...sampleReferral(), padding: 'x'.repeat(300 * 1024) };
    const res = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(huge);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('body_too_large');
    expect(await storeSnapshot()).toEqual(before);
  });

  it('refuses a missing key (401) and a wrong key (401), changing nothing', async () => {
    const before = await storeSnapshot();
    const none = await request(app).post('/v1/referrals').send(sampleReferral());
    const wrong = await request(app).post('/v1/referrals').set('Authorization', 'Bearer not-a-key').send(sampleReferral());
    expect([none.status, wrong.status]).toEqual([401, 401]);
    expect([none.body.error.code, wrong.body.error.code]).toEqual(['unauthenticated', 'unauthenticated']);
    expect(await storeSnapshot()).toEqual(before);
  });
});

describe('GET /v1/referrals/:reportId', () => {
  it('returns the referral and its handovers to every role', async () => {
    await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral());
    for (const role of ['analyst', 'supervisor', 'service'] as const) {
      const res = await request(app).get('/v1/referrals/CF-2026-0001').set('Authorization', bearer(role));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ reportId: 'CF-2026-0001', classification: { category: 'baseline' }, reportedAt: '2026-02-28T09:00:00.000Z' });
      expect(res.body.handovers).toHaveLength(2);
    }
  });

  it('answers 404 for an unknown report', async () => {
    const res = await request(app).get('/v1/referrals/NOPE').set('Authorization', bearer('analyst'));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('logs', () => {
  it('never contain the reported URLs or the classification', async () => {
    const res = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral());
    await request(app).get('/v1/referrals/CF-2026-0001').set('Authorization', bearer('analyst'));
    await request(app).get(`/v1/handovers/${res.body.handovers[0].id}`).set('Authorization', bearer('analyst'));
    await request(app)
      .post('/v1/referrals')
      .set('Authorization', bearer('analyst'))
      .send({ ...sampleReferral('CF-BAD'), urls: [{ url: 'ftp://bad-host.test/x' }] });
    const text = svc.logs.text;
    expect(text).toContain(res.body.referralId);
    for (const secret of ['be-host.test', 'nl-host.test', 'bad-host.test', 'gallery', 'prepubescent', 'image-host', 'baseline'])
      expect(text).not.toContain(secret);
  });

  it('carry the request id on every line written while answering', async () => {
    await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).set('X-Request-Id', 'req-intake-1').send(sampleReferral());
    const accepted = svc.logs.lines.map((l) => JSON.parse(l)).find((l) => l.message === 'referral accepted');
    expect(accepted).toMatchObject({ requestId: 'req-intake-1', component: 'intake' });
  });

  it('carry the request id of each answer', async () => {
    const res = await request(app).get('/v1/referrals/NOPE').set('Authorization', bearer('analyst')).set('X-Request-Id', 'req-12345');
    expect(res.headers['x-request-id']).toBe('req-12345');
    expect(res.body.error.requestId).toBe('req-12345');
    expect(svc.logs.lines.some((l) => JSON.parse(l).requestId === 'req-12345')).toBe(true);
  });
});

describe('POST /v1/referrals: what ICCAM needs (issue #9)', () => {
  it('keeps referredBy on the referral, shows it, and writes it into the audit trail', async () => {
    const res = await request(app)
      .post('/v1/referrals')
      .set('Authorization', bearer('analyst'))
      .send({ ...sampleReferral('CF-REF-1'), referredBy: 'An Analyst' });
    expect(res.status).toBe(202);
    const shown = await request(app).get('/v1/referrals/CF-REF-1').set('Authorization', bearer('analyst'));
    expect(shown.body.referredBy).toBe('An Analyst');
    const handover = await svc.ctx.store.getHandover(res.body.handovers[0].id);
    expect(handover?.referredBy).toBe('An Analyst');
    const intake = (await svc.ctx.store.listAuditEvents(res.body.handovers[0].id)).find((e) => e.kind === 'intake');
    expect(intake?.data).toMatchObject({ referredBy: 'An Analyst' });
  });

  it('shows referredBy as null when it was not given', async () => {
    await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('CF-REF-2'));
    const shown = await request(app).get('/v1/referrals/CF-REF-2').set('Authorization', bearer('analyst'));
    expect(shown.body.referredBy).toBeNull();
  });

  it('accepts the full site-type vocabulary and stores the earlier social and other under their current names', async () => {
    for (const [reportId, siteType, stored] of [
      ['CF-ST-1', 'image-board', 'image-board'],
      ['CF-ST-2', 'social', 'social-network'],
      ['CF-ST-3', 'other', 'not-applicable'],
      ['CF-ST-4', 'search-provider', 'search-provider'],
    ] as const) {
      const body = { ...sampleReferral(reportId), classification: { category: 'baseline', ageGroup: 'infant', siteType } };
      const res = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(body);
      expect(res.status).toBe(202);
      const shown = await request(app).get(`/v1/referrals/${reportId}`).set('Authorization', bearer('analyst'));
      expect(shown.body.classification.siteType).toBe(stored);
      // The same body in the earlier spelling is still the same referral.
      const again = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(body);
      expect(again.status).toBe(200);
    }
  });

  it('refuses an unknown site type and a non-boolean commercial flag with 400', async () => {
    const before = await storeSnapshot();
    for (const classification of [
      { category: 'baseline', ageGroup: 'infant', siteType: 'darknet' },
      { category: 'baseline', ageGroup: 'infant', commercial: 'yes' },
    ]) {
      const res = await request(app)
        .post('/v1/referrals')
        .set('Authorization', bearer('analyst'))
        .send({ ...sampleReferral('CF-BAD'), classification });
      expect(res.status).toBe(400);
    }
    expect(await storeSnapshot()).toEqual(before);
  });

  it('keeps commerciality in three states: true, false, and absent (not determined)', async () => {
    for (const [reportId, commercial] of [
      ['CF-C-1', true],
      ['CF-C-2', false],
      ['CF-C-3', undefined],
    ] as const) {
      const classification = { category: 'baseline', ageGroup: 'infant', ...(commercial === undefined ? {} : { commercial }) };
      await request(app)
        .post('/v1/referrals')
        .set('Authorization', bearer('analyst'))
        .send({ ...sampleReferral(reportId), classification });
      const shown = await request(app).get(`/v1/referrals/${reportId}`).set('Authorization', bearer('analyst'));
      expect(shown.body.classification.commercial).toBe(commercial);
    }
  });

  it('lets a supervisor refer (a supervisor may do everything an analyst may)', async () => {
    const res = await request(app).post('/v1/referrals').set('Authorization', bearer('supervisor')).send(sampleReferral('CF-SUP-1'));
    expect(res.status).toBe(202);
  });
});
