import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { sha256Hex } from '../../src/domain/canonical-json.js';
import { isStatusFetchError } from '../../src/delivery/destinations/destination-adapter.js';
import { buildPoliceExportBody, createPoliceAdapter } from '../../src/delivery/destinations/police-export.js';
import { policeRequest } from './delivery-request-fixture.js';

const BASE = 'https://police-export.example';
const clock = new ManualClock('2026-01-01T00:00:00Z');

function adapter(timeoutMs = 2_000) {
  return createPoliceAdapter({ baseUrl: `${BASE}/api/`, token: 'police-token', timeoutMs, clock });
}

afterEach(() => {
  nock.cleanAll();
});

describe('police export delivery', () => {
  it('a 201 with a receipt is delivered, with the hash of the exact body sent', async () => {
    const req = policeRequest();
    const built = buildPoliceExportBody(req);
    let sentBody = '';
    const scope = nock(BASE)
      .post('/api/exports', (body: unknown) => {
        sentBody = JSON.stringify(body);
        return true;
      })
      .matchHeader('authorization', 'Bearer police-token')
      .matchHeader('idempotency-key', req.handoverId)
      .matchHeader('content-type', /application\/json/)
      .reply(201, { receiptId: 'R-1' });
    const outcome = await adapter().deliver(req);
    expect(outcome).toMatchObject({ kind: 'delivered', reference: 'R-1', statusCode: 201, duplicate: false });
    expect(outcome.requestHash).toBe(sha256Hex(built.canonicalJson));
    expect(outcome.kind === 'delivered' && outcome.responseDigest).toBe(sha256Hex(JSON.stringify({ receiptId: 'R-1' })));
    expect(sentBody).toBe(built.canonicalJson);
    scope.done();
  });

  it('a 200 for a repeat is delivered and says so', async () => {
    nock(BASE).post('/api/exports').reply(200, { receiptId: 'R-1', duplicate: true });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'delivered', reference: 'R-1', statusCode: 200, duplicate: true });
  });

  it('the same request always hashes the same', async () => {
    nock(BASE).post('/api/exports').twice().reply(201, { receiptId: 'R-1' });
    const a = await adapter().deliver(policeRequest());
    const b = await adapter().deliver(policeRequest());
    expect(a.requestHash).toBe(b.requestHash);
  });

  it('a 409 naming the same handover counts as delivered (duplicate)', async () => {
    nock(BASE).post('/api/exports').reply(409, { handoverId: 'ho_01TEST', receiptId: 'R-7' });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'delivered', reference: 'R-7', duplicate: true, statusCode: 409 });
  });

  it('a 409 naming another handover fails', async () => {
    nock(BASE).post('/api/exports').reply(409, { handoverId: 'ho_OTHER', receiptId: 'R-8' });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'failed', errorClass: 'duplicate_mismatch', statusCode: 409 });
  });

  it.each([
    [408, 'request_timeout'],
    [425, 'too_early'],
    [429, 'rate_limited'],
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'server_error'],
  ])('HTTP %i is retried later (%s)', async (status, errorClass) => {
    nock(BASE).post('/api/exports').reply(status, { error: 'x' });
    const outcome = await adapter().deliver(policeRequest());
    expect(outcome).toMatchObject({ kind: 'retry', statusCode: status, errorClass, retryAfterMs: null });
    expect(outcome.responseDigest).toBe(sha256Hex(JSON.stringify({ error: 'x' })));
  });

  it('a 503 with Retry-After in seconds postpones by that long', async () => {
    nock(BASE).post('/api/exports').reply(503, '', { 'Retry-After': '120' });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'retry', retryAfterMs: 120_000 });
  });

  it('a 429 with Retry-After as an HTTP-date postpones until then (injected clock)', async () => {
    nock(BASE).post('/api/exports').reply(429, '', { 'Retry-After': 'Thu, 01 Jan 2026 00:00:30 GMT' });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'rate_limited', retryAfterMs: 30_000 });
  });

  it.each([400, 401, 403, 404, 422])('HTTP %i fails at once', async (status) => {
    nock(BASE).post('/api/exports').reply(status, { error: 'no' });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'failed', statusCode: status, errorClass: 'rejected' });
  });

  it('a redirect is not followed and fails', async () => {
    const target = nock('https://elsewhere.example').post('/exports').reply(201, { receiptId: 'STOLEN' });
    nock(BASE).post('/api/exports').reply(307, '', { Location: 'https://elsewhere.example/exports' });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'failed', statusCode: 307, errorClass: 'redirect' });
    expect(target.isDone()).toBe(false);
  });

  it('a 2xx without a receipt is retried (safe under the same Idempotency-Key)', async () => {
    nock(BASE).post('/api/exports').reply(201, { ok: true });
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'bad_response', statusCode: 201 });
  });

  it('no answer in time is retried as a timeout', async () => {
    nock(BASE).post('/api/exports').delay(500).reply(201, { receiptId: 'late' });
    const outcome = await adapter(100).deliver(policeRequest());
    expect(outcome).toMatchObject({ kind: 'retry', statusCode: null, errorClass: 'timeout', responseDigest: null });
  });

  it('a connection error is retried', async () => {
    // An Error instance: nock 14 does not deliver a plain { code, message } object to axios.
    nock(BASE)
      .post('/api/exports')
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await adapter().deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'connection', statusCode: null });
  });

  it('a refused connection to a closed local port is retried', async () => {
    const closed = createPoliceAdapter({ baseUrl: 'http://127.0.0.1:9', token: 't', timeoutMs: 2_000, clock });
    expect(await closed.deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'connection' });
    closed.close();
  });

  it('every attempt for one handover carries the same Idempotency-Key', async () => {
    const keys: (string | undefined)[] = [];
    nock(BASE)
      .post('/api/exports')
      .times(3)
      .reply(function () {
        keys.push(this.req.headers['idempotency-key'] as string | undefined);
        return keys.length < 3 ? [503, ''] : [201, { receiptId: 'R-3' }];
      });
    const police = adapter();
    const outcomes = [await police.deliver(policeRequest()), await police.deliver(policeRequest()), await police.deliver(policeRequest())];
    expect(outcomes.map((o) => o.kind)).toEqual(['retry', 'retry', 'delivered']);
    expect(keys).toEqual(['ho_01TEST', 'ho_01TEST', 'ho_01TEST']);
  });
});

describe('police export status', () => {
  it.each([
    ['received', 'none'],
    ['registered', 'acknowledge'],
    ['closed', 'close'],
    ['rejected', 'fail'],
  ])('%s maps to %s, with the case number as reference', async (status, effect) => {
    nock(BASE).get('/api/exports/ho_01TEST').matchHeader('authorization', 'Bearer police-token').reply(200, { status, caseNumber: 'PV/1' });
    const observation = await adapter().fetchStatus({ handoverId: 'ho_01TEST', reference: 'R-1' });
    expect(observation).toMatchObject({ destination: 'police', status, effect, reference: 'PV/1' });
  });

  it('a 503 is a retryable status error, a 404 says the case is unknown', async () => {
    nock(BASE).get('/api/exports/ho_01TEST').reply(503, '');
    nock(BASE).get('/api/exports/ho_02TEST').reply(404, '');
    const police = adapter();
    const a = await police.fetchStatus({ handoverId: 'ho_01TEST', reference: 'R-1' });
    const b = await police.fetchStatus({ handoverId: 'ho_02TEST', reference: 'R-2' });
    expect(isStatusFetchError(a) && a).toMatchObject({ retryable: true, errorClass: 'server_error', statusCode: 503 });
    expect(isStatusFetchError(b) && b).toMatchObject({ errorClass: 'not_found', statusCode: 404 });
  });

  it('escapes the handover id in the path', async () => {
    const scope = nock(BASE).get('/api/exports/ho%2F..%2Fx').reply(200, { status: 'received' });
    await adapter().fetchStatus({ handoverId: 'ho/../x', reference: 'R' });
    scope.done();
  });
});
