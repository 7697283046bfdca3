/**
 * The HTTP edge an outsider meets (issue #13): bad input is a 4xx and logs nothing it cannot
 * decode, the key is checked before any body is read, failed authentication and callbacks are
 * limited per client address with counters in the store (so two replicas share one limit),
 * 401s name the scheme, and plain HTTP does not promise HTTPS.
 */
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/domain/webhook-signature.js';
import { bearer, createTestService, sampleReferral, type TestService } from '../support/test-service.js';

const POLICE_SECRET = 'whsec_' + Buffer.from('police-callback-secret-0123456789').toString('base64');

const services: TestService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
});

async function service(env: Record<string, string> = {}) {
  const svc = await createTestService({ ACK_SECRETS: `police:${POLICE_SECRET}`, ...env });
  services.push(svc);
  return { svc, app: svc.app() };
}

const referralJson = JSON.stringify(sampleReferral('CF-EDGE-1'));

describe('bad input', () => {
  it('answers a truncated, corrupt or unknown Content-Encoding with 400/415, never 500', async () => {
    const { svc, app } = await service();
    const gz = gzipSync(Buffer.from(referralJson));
    const cases: [string, Buffer, number][] = [
      ['gzip', gz.subarray(0, gz.length - 12), 400],
      ['gzip', Buffer.from('not gzip at all'), 400],
      ['deflate', Buffer.from('not deflate'), 400],
      ['br', Buffer.from('not brotli'), 400],
      ['compress', Buffer.from(referralJson), 415],
    ];
    for (const [encoding, body, status] of cases) {
      const res = await request(app)
        .post('/v1/referrals')
        .set('Authorization', bearer('analyst'))
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .send(body);
      expect({ encoding, status: res.status }).toEqual({ encoding, status });
      expect(res.body.error.requestId).toBeTruthy();
    }
    const signed = signWebhook({ id: 'msg_enc', timestamp: svc.clock.now(), body: 'x', secrets: POLICE_SECRET });
    const ack = await request(app)
      .post('/v1/acks/police')
      .set(signed)
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(gz.subarray(0, 10));
    expect(ack.status).toBe(400);
    expect(svc.logs.text).not.toMatch(/"level":"error"/);
    expect(await svc.ctx.store.listHandovers({ limit: 10 })).toEqual([]);
  });

  it('answers malformed percent-encoding in a path with 400 and logs none of it', async () => {
    const { svc, app } = await service();
    for (const path of ['/v1/acks/%ZZ', '/v1/referrals/%ZZ', '/v1/handovers/%E0%A4%A']) {
      const res = path.startsWith('/v1/acks') ? await request(app).post(path).send('{}') : await request(app).get(path).set('Authorization', bearer('analyst'));
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 400, code: 'malformed_path' });
    }
    expect(svc.logs.text).not.toContain('%ZZ');
    expect(svc.logs.text).not.toContain('%A4');
    expect(svc.logs.text).not.toMatch(/"level":"error"/);
  });
});

describe('authentication', () => {
  it('checks the key before reading the body, and names the scheme in every 401', async () => {
    const { app } = await service();
    const garbage = await request(app).post('/v1/referrals').set('Authorization', 'Bearer wrong').set('Content-Type', 'application/json').send('{not json');
    expect(garbage.status).toBe(401);
    expect(garbage.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    const missing = await request(app).get('/v1/handovers');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('limits failed authentication per client address across replicas sharing one store, then lets it in again', async () => {
    const { svc, app } = await service({ AUTH_FAILURES_PER_MINUTE: '3' });
    // A second replica: its own app and process state, the same store.
    const replica = svc.app();
    svc.clock.set('2026-03-01T10:00:05Z');
    const wrong = (a: typeof app) => request(a).get('/v1/handovers').set('Authorization', 'Bearer not-a-key');
    expect((await wrong(app)).status).toBe(401);
    expect((await wrong(replica)).status).toBe(401);
    expect((await wrong(app)).status).toBe(401);
    const blocked = await wrong(replica);
    expect(blocked.status).toBe(429);
    expect(blocked.headers['retry-after']).toBe('55');
    svc.clock.advance(60_000);
    expect((await wrong(replica)).status).toBe(401);
  });

  it('never refuses a valid key because of failures from its address: failures are limited, not callers', async () => {
    // Behind a proxy without TRUST_PROXY every caller shares one address: thirty bad keys from
    // someone else must not lock the analysts out.
    const { app } = await service({ AUTH_FAILURES_PER_MINUTE: '3' });
    for (let i = 0; i < 30; i++) await request(app).get('/v1/handovers').set('Authorization', 'Bearer not-a-key');
    expect((await request(app).get('/v1/handovers').set('Authorization', 'Bearer not-a-key')).status).toBe(429);
    expect((await request(app).get('/v1/handovers').set('Authorization', bearer('analyst'))).status).toBe(200);
    expect((await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('CF-EDGE-VALID'))).status).toBe(202);
  });

  it('never counts a valid key against the limit', async () => {
    const { app } = await service({ AUTH_FAILURES_PER_MINUTE: '1' });
    for (let i = 0; i < 5; i++) expect((await request(app).get('/v1/handovers').set('Authorization', bearer('analyst'))).status).toBe(200);
  });
});

describe('callbacks', () => {
  it('are limited per client address across replicas, before the body is read', async () => {
    const { svc, app } = await service({ CALLBACKS_PER_MINUTE: '2' });
    const replica = svc.app();
    const send = (a: typeof app) => {
      const body = JSON.stringify({ handoverId: crypto.randomUUID(), status: 'received' });
      const headers = signWebhook({ id: `msg_${crypto.randomUUID()}`, timestamp: svc.clock.now(), body, secrets: POLICE_SECRET });
      return request(a).post('/v1/acks/police').set(headers).set('Content-Type', 'application/json').send(body);
    };
    expect((await send(app)).status).not.toBe(429);
    expect((await send(replica)).status).not.toBe(429);
    const third = await send(app);
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
  });

  it('are refused without their signature headers before the body is read', async () => {
    const { svc, app } = await service();
    const res = await request(app)
      .post('/v1/acks/police')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send(Buffer.from('not gzip'));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('missing_headers');
    expect(await svc.ctx.metrics.registry.getSingleMetricAsString('hrr_callbacks_refused_total')).toMatch(/reason="missing_headers"/);
  });
});

describe('HTTPS headers', () => {
  it('sends neither HSTS nor upgrade-insecure-requests over plain HTTP', async () => {
    const { app } = await service();
    const res = await request(app).get('/healthz');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['content-security-policy'] ?? '').not.toContain('upgrade-insecure-requests');
  });

  it('sends HSTS for https requests from a trusted TLS-terminating proxy only', async () => {
    const { app } = await service({ TRUST_PROXY: 'loopback' });
    expect((await request(app).get('/healthz').set('X-Forwarded-Proto', 'https')).headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect((await request(app).get('/healthz')).headers['strict-transport-security']).toBeUndefined();
    const untrusted = await service();
    expect((await request(untrusted.app).get('/healthz').set('X-Forwarded-Proto', 'https')).headers['strict-transport-security']).toBeUndefined();
  });

  it('takes the client address for the limits from X-Forwarded-For only behind a trusted proxy', async () => {
    const { app } = await service({ TRUST_PROXY: 'loopback', AUTH_FAILURES_PER_MINUTE: '1' });
    const wrong = (from: string) => request(app).get('/v1/handovers').set('Authorization', 'Bearer nope').set('X-Forwarded-For', from);
    expect((await wrong('198.51.100.1')).status).toBe(401);
    expect((await wrong('198.51.100.1')).status).toBe(429);
    expect((await wrong('198.51.100.2')).status).toBe(401);
  });
});

describe('access log', () => {
  it('logs probes at debug and API calls at info', async () => {
    const { svc, app } = await service();
    await request(app).get('/healthz');
    await request(app).get('/readyz');
    await request(app).get('/v1/handovers').set('Authorization', bearer('analyst'));
    const requests = svc.logs.lines.map((l) => JSON.parse(l) as { message: string; level: string; route: string }).filter((l) => l.message === 'request');
    expect(requests.map((l) => [l.route, l.level])).toEqual([
      ['/healthz', 'debug'],
      ['/readyz', 'debug'],
      ['/v1/handovers', 'info'],
    ]);
  });
});
