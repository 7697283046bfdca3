import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { canonicalJson, sha256Hex } from '../../src/domain/canonical-json.js';
import { isStatusFetchError } from '../../src/delivery/destinations/destination-adapter.js';
import { buildIccamReportBody, createIccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { deliveryRequest, routingDecision } from './delivery-request-fixture.js';

const BASE = 'https://iccam.example';

function setup(timeoutMs = 2_000) {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const iccam = createIccamAdapter({ baseUrl: `${BASE}/api`, username: 'be-hotline', password: 'pw', timeoutMs, clock });
  return { clock, iccam };
}

/** Answer authentications with tok-1, tok-2, ... (expiresIn seconds). */
function authenticateWith(expiresIn = 600, times = 1) {
  let n = 0;
  return nock(BASE)
    .post('/api/Authentication', { username: 'be-hotline', password: 'pw' })
    .times(times)
    .reply(() => {
      n += 1;
      return [200, { token: `tok-${n}`, refreshToken: `ref-${n}`, expiresIn }];
    });
}

afterEach(() => {
  nock.cleanAll();
});

describe('ICCAM report delivery', () => {
  it('authenticates, posts the report and returns reportId and contentId', async () => {
    const { iccam } = setup();
    const req = deliveryRequest();
    const auth = authenticateWith();
    let sent: unknown;
    const post = nock(BASE)
      .post('/api/rest/Reports', (body: unknown) => {
        sent = body;
        return true;
      })
      .matchHeader('authorization', 'Bearer tok-1')
      .matchHeader('idempotency-key', req.handoverId)
      .reply(201, { reportId: 'RPT-1', contentId: 'CNT-1' });
    const outcome = await iccam.deliver(req);
    expect(outcome).toMatchObject({ kind: 'delivered', reference: 'RPT-1', secondaryReference: 'CNT-1', statusCode: 201, duplicate: false });
    expect(outcome.requestHash).toBe(sha256Hex(canonicalJson(buildIccamReportBody(req))));
    expect(sent).toMatchObject({ reportingHotlineReference: req.handoverId, assignedCountry: 'NL', hostingCountry: 'NL', hostingIp: '198.51.100.7' });
    auth.done();
    post.done();
  });

  it('an orphan is posted without an assigned country', async () => {
    const { iccam } = setup();
    authenticateWith();
    let sent: Record<string, unknown> = {};
    nock(BASE)
      .post('/api/rest/Reports', (body: Record<string, unknown>) => {
        sent = body;
        return true;
      })
      .reply(201, { reportId: 'RPT-2', contentId: 'CNT-2' });
    await iccam.deliver(deliveryRequest({ decision: routingDecision({ country: 'ZZ', assignedCountry: null, targetHotline: null, rule: 'non-member-orphan' }) }));
    expect(sent.hostingCountry).toBe('ZZ');
    expect('assignedCountry' in sent).toBe(false);
  });

  it('a 409 naming the same reportingHotlineReference is a delivered duplicate', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).post('/api/rest/Reports').reply(409, { reportingHotlineReference: 'ho_01TEST', reportId: 'RPT-1', contentId: 'CNT-1' });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'delivered', duplicate: true, reference: 'RPT-1', secondaryReference: 'CNT-1' });
  });

  it('a 409 about another reference fails', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).post('/api/rest/Reports').reply(409, { reportingHotlineReference: 'ho_OTHER' });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'failed', errorClass: 'duplicate_mismatch' });
  });

  it('a 503 with Retry-After is retried; a 400 fails; a 302 is not followed', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).post('/api/rest/Reports').reply(503, '', { 'Retry-After': '5' });
    nock(BASE).post('/api/rest/Reports').reply(400, { error: 'bad' });
    nock(BASE).post('/api/rest/Reports').reply(302, '', { Location: `${BASE}/elsewhere` });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'server_error', retryAfterMs: 5_000 });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'failed', errorClass: 'rejected', statusCode: 400 });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'failed', errorClass: 'redirect', statusCode: 302 });
  });

  it('a report that times out is retried', async () => {
    const { iccam } = setup(100);
    authenticateWith();
    nock(BASE).post('/api/rest/Reports').delay(500).reply(201, { reportId: 'late', contentId: 'late' });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'timeout' });
  });
});

describe('ICCAM token handling', () => {
  it('reuses the token until shortly before it expires, then refreshes it', async () => {
    const { iccam, clock } = setup();
    authenticateWith(600);
    const refresh = nock(BASE).post('/api/Authentication/refresh', { refreshToken: 'ref-1' }).reply(200, { token: 'tok-r', refreshToken: 'ref-r', expiresIn: 600 });
    const seen: string[] = [];
    nock(BASE)
      .post('/api/rest/Reports')
      .times(3)
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [201, { reportId: `RPT-${seen.length}`, contentId: `CNT-${seen.length}` }];
      });
    await iccam.deliver(deliveryRequest());
    clock.advance(530_000); // 70 s left: still good
    await iccam.deliver(deliveryRequest());
    clock.advance(20_000); // 50 s left: within the 60 s margin
    await iccam.deliver(deliveryRequest());
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-r']);
    expect(iccam.sessionStats).toEqual({ authentications: 1, refreshes: 1 });
    refresh.done();
  });

  it('authenticates again when the refresh is refused', async () => {
    const { iccam, clock } = setup();
    authenticateWith(600, 2);
    nock(BASE).post('/api/Authentication/refresh').reply(401, { error: 'expired' });
    const seen: string[] = [];
    nock(BASE)
      .post('/api/rest/Reports')
      .twice()
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [201, { reportId: 'RPT', contentId: 'CNT' }];
      });
    await iccam.deliver(deliveryRequest());
    clock.advance(600_000);
    await iccam.deliver(deliveryRequest());
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(iccam.sessionStats).toEqual({ authentications: 2, refreshes: 1 });
  });

  it('on a 401 renews the token once and repeats the call once', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).post('/api/Authentication/refresh', { refreshToken: 'ref-1' }).reply(200, { token: 'tok-new', refreshToken: 'ref-new', expiresIn: 600 });
    nock(BASE).post('/api/rest/Reports').matchHeader('authorization', 'Bearer tok-1').reply(401, { error: 'revoked' });
    nock(BASE).post('/api/rest/Reports').matchHeader('authorization', 'Bearer tok-new').matchHeader('idempotency-key', 'ho_01TEST').reply(201, { reportId: 'RPT-9', contentId: 'CNT-9' });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'delivered', reference: 'RPT-9' });
    expect(nock.isDone()).toBe(true);
  });

  it('a second 401 after renewing is not repeated again: retry later', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).post('/api/Authentication/refresh').reply(200, { token: 'tok-new', refreshToken: 'ref-new', expiresIn: 600 });
    const reports = nock(BASE).post('/api/rest/Reports').twice().reply(401, { error: 'no' });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'auth_rejected', statusCode: 401 });
    reports.done();
  });

  it('refused credentials keep the handover for later, with the status code', async () => {
    const { iccam } = setup();
    nock(BASE).post('/api/Authentication').reply(401, { error: 'invalid_credentials' });
    const reports = nock(BASE).post('/api/rest/Reports').reply(201, {});
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'auth_rejected', statusCode: 401 });
    expect(reports.isDone()).toBe(false);
  });

  it('an authentication answered 429 passes its Retry-After on', async () => {
    const { iccam } = setup();
    nock(BASE).post('/api/Authentication').reply(429, '', { 'Retry-After': '30' });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'rate_limited', retryAfterMs: 30_000 });
  });

  it('concurrent callers share one authentication', async () => {
    const { iccam } = setup();
    const auth = nock(BASE)
      .post('/api/Authentication')
      .delay(50)
      .reply(200, { token: 'tok-1', refreshToken: 'ref-1', expiresIn: 600 });
    nock(BASE).post('/api/rest/Reports').matchHeader('authorization', 'Bearer tok-1').times(5).reply(201, { reportId: 'R', contentId: 'C' });
    const outcomes = await Promise.all(Array.from({ length: 5 }, (_, i) => iccam.deliver(deliveryRequest({ handoverId: `ho_${i}` }))));
    expect(outcomes.every((o) => o.kind === 'delivered')).toBe(true);
    expect(iccam.sessionStats.authentications).toBe(1);
    auth.done();
  });
});

describe('ICCAM content status', () => {
  it('maps the actions and keeps the report id as reference', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE)
      .get('/api/rest/Content/CNT-1')
      .matchHeader('authorization', 'Bearer tok-1')
      .reply(200, { assignedCountry: 'NL', assignedHotline: 'Meldpunt', actions: [{ type: 'LEA', date: '2026-01-02T00:00:00Z' }, { type: 'CR', date: '2026-01-03T00:00:00Z' }] });
    const observation = await iccam.fetchStatus({ handoverId: 'ho_01TEST', reference: 'RPT-1', secondaryReference: 'CNT-1' });
    expect(observation).toMatchObject({ destination: 'inhope', status: 'CR', effect: 'close', outcome: 'removed', reference: 'RPT-1', at: '2026-01-03T00:00:00Z' });
  });

  it('no actions yet is nothing new', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).get('/api/rest/Content/CNT-1').reply(200, { assignedCountry: 'NL', actions: [] });
    expect(await iccam.fetchStatus({ handoverId: 'h', reference: 'RPT-1', secondaryReference: 'CNT-1' })).toMatchObject({ effect: 'none' });
  });

  it('renews the token on a 401 for status queries too', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).post('/api/Authentication/refresh').reply(200, { token: 'tok-2', refreshToken: 'ref-2', expiresIn: 600 });
    nock(BASE).get('/api/rest/Content/CNT-1').matchHeader('authorization', 'Bearer tok-1').reply(401);
    nock(BASE).get('/api/rest/Content/CNT-1').matchHeader('authorization', 'Bearer tok-2').reply(200, { actions: [{ type: 'NI', date: '2026-01-02T00:00:00Z', reason: 'legal there' }] });
    expect(await iccam.fetchStatus({ handoverId: 'h', reference: 'RPT-1', secondaryReference: 'CNT-1' })).toMatchObject({ effect: 'fail', reason: 'legal there' });
  });

  it('without a content id there is nothing to ask', async () => {
    const { iccam } = setup();
    const result = await iccam.fetchStatus({ handoverId: 'h', reference: 'RPT-1', secondaryReference: null });
    expect(isStatusFetchError(result) && result).toMatchObject({ errorClass: 'missing_reference', retryable: false });
  });

  it('a 500 is a retryable status error', async () => {
    const { iccam } = setup();
    authenticateWith();
    nock(BASE).get('/api/rest/Content/CNT-1').reply(500);
    const result = await iccam.fetchStatus({ handoverId: 'h', reference: 'RPT-1', secondaryReference: 'CNT-1' });
    expect(isStatusFetchError(result) && result).toMatchObject({ retryable: true, errorClass: 'server_error' });
  });
});
