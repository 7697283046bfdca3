/**
 * What an outsider can throw at the routes open without a key, and odd values a key holder can
 * send: each is a 4xx (or served from what is already known), never a 5xx, and costs the store
 * nothing it need not. Floods of the open routes meet a per-address limit; probes and scrapes
 * read the store at most once a second; a valid key is never refused for others' failures.
 */
import { connect } from 'node:net';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signWebhook } from '../../src/domain/webhook-signature.js';
import { startService } from '../../src/service.js';
import { bearer, createTestService, KEYS, sampleReferral, type TestService } from '../support/test-service.js';

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

const OPEN_ROUTES = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/console/sign-in', '/console/static/console.css', '/', '/no-such-page'];

describe('routes open without a key', () => {
  it('are limited per client address, each address on its own, while key holders are not', async () => {
    const { app } = await service({ OPEN_RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'loopback' });
    for (const route of OPEN_ROUTES) {
      const from = `198.51.100.${OPEN_ROUTES.indexOf(route) + 1}`;
      for (let i = 0; i < 3; i++) expect((await request(app).get(route).set('X-Forwarded-For', from)).status).not.toBe(429);
      const refused = await request(app).get(route).set('X-Forwarded-For', from);
      expect({ route, status: refused.status }).toEqual({ route, status: 429 });
      expect(refused.body.error.code).toBe('rate_limited');
    }
    // Another address is not held up, and /v1 has limits of its own (per key).
    expect((await request(app).get('/healthz').set('X-Forwarded-For', '198.51.100.200')).status).toBe(200);
    for (let i = 0; i < 5; i++) {
      expect((await request(app).get('/v1/handovers').set('Authorization', bearer('analyst')).set('X-Forwarded-For', '198.51.100.1')).status).toBe(200);
    }
  });

  it('read the store at most once a second for /metrics and /readyz, however many ask', async () => {
    const { svc, app } = await service();
    const counts = vi.spyOn(svc.ctx.store, 'countByStateAndDestination');
    let probed = 0;
    const probe = () => {
      probed++;
      return { name: 'store', ok: true, critical: true };
    };
    const probed_app = svc.app({ readiness: [probe] });
    for (let i = 0; i < 10; i++) {
      expect((await request(app).get('/metrics')).status).toBe(200);
      expect((await request(probed_app).get('/readyz')).status).toBe(200);
    }
    expect(counts).toHaveBeenCalledTimes(1);
    expect(probed).toBe(1);
    svc.clock.advance(1_000);
    await request(app).get('/metrics');
    await request(probed_app).get('/readyz');
    expect(counts).toHaveBeenCalledTimes(2);
    expect(probed).toBe(2);
  });

  it('serve the same OpenAPI text every time, built once', async () => {
    const { app } = await service();
    const first = await request(app).get('/openapi.json');
    const second = await request(app).get('/openapi.json');
    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toMatch(/^application\/json/);
    expect(second.text).toBe(first.text);
    expect(JSON.parse(first.text)).toMatchObject({ openapi: '3.1.0' });
  });

  it('answer property names of Object.prototype as unknown files, never 500', async () => {
    const { app } = await service();
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__']) {
      const res = await request(app).get(`/console/static/${name}`);
      expect({ name, status: res.status }).toEqual({ name, status: 404 });
    }
    expect((await request(app).get('/console/static/uplot.js')).status).toBe(200);
  });
});

describe('the console story and partner pages', () => {
  it('show no notice for ?done= naming a property of Object.prototype', async () => {
    const { svc, app } = await service();
    const { handovers } = await svc.ctx.store.createReferral(
      {
        id: randomUUID(),
        reportId: 'CF-DONE',
        bodyHash: 'hash-done',
        classification: { category: 'baseline', ageGroup: 'pubescent' },
        reportedAt: null,
        urls: [{ handoverId: randomUUID(), url: 'https://a.be-host.test/1', contentType: 'image' }],
      },
      'key:test',
      svc.clock.now().getTime(),
    );
    const agent = request.agent(app);
    const form = await agent.get('/console/sign-in').expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1] ?? '';
    await agent.post('/console/sign-in').type('form').send({ _csrf: csrf, apiKey: KEYS.supervisor, next: '/console/' }).expect(303);
    for (const page of [`/console/handovers/${handovers[0]!.id}`, '/console/partners']) {
      for (const done of ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty']) {
        const res = await agent.get(`${page}?done=${done}`);
        expect({ page, done, status: res.status }).toEqual({ page, done, status: 200 });
        expect(res.text).not.toMatch(/native code|function |\[object Object\]/);
      }
    }
    expect((await agent.get(`/console/handovers/${handovers[0]!.id}?done=cancel`)).text).toContain('Cancelled.');
    expect((await agent.get('/console/partners?done=not-illegal')).text).toContain('Assessed not illegal in Belgium');
  });
});

describe('signed callbacks', () => {
  const corruptGzip = (req: request.Test) => req.set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(Buffer.from('not gzip'));

  it('are refused from their headers alone when the signature cannot be one, before the body is read', async () => {
    const { svc, app } = await service();
    const good = signWebhook({ id: 'msg_1', timestamp: svc.clock.now(), body: 'x', secrets: POLICE_SECRET });
    for (const signature of ['v1,short', 'v2,' + Buffer.alloc(32).toString('base64'), 'garbage', Array(17).fill(good['webhook-signature']).join(' ')]) {
      // A body that would be a 400 if it were read: the 401 shows it never was.
      const res = await corruptGzip(
        request(app)
          .post('/v1/acks/police')
          .set({ ...good, 'webhook-signature': signature }),
      );
      expect({ signature: signature.slice(0, 12), status: res.status, code: res.body.error.code }).toEqual({
        signature: signature.slice(0, 12),
        status: 401,
        code: 'malformed_headers',
      });
    }
    const stale = signWebhook({ id: 'msg_2', timestamp: svc.clock.now().getTime() / 1000 - 3_600, body: 'x', secrets: POLICE_SECRET });
    expect((await corruptGzip(request(app).post('/v1/acks/police').set(stale))).body.error.code).toBe('timestamp_too_old');
  });

  it('refuse a webhook-id longer than 128 characters, and store none', async () => {
    const { svc, app } = await service();
    const body = JSON.stringify({ handoverId: randomUUID(), status: 'received' });
    const headers = signWebhook({ id: `msg_${'x'.repeat(8_192)}`, timestamp: svc.clock.now(), body, secrets: POLICE_SECRET });
    const res = await request(app).post('/v1/acks/police').set(headers).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('malformed_headers');
    expect(await svc.ctx.store.rememberWebhookId('police', headers['webhook-id'], svc.clock.now().getTime())).toBe(true);
  });
});

describe('referrals with odd values', () => {
  const refer = (app: ReturnType<TestService['app']>, body: object) => request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(body);

  it('refuses a URL whose stored (percent-encoded) form would pass 2,048 characters, as the locator would', async () => {
    const { svc, app } = await service();
    // 2,015 characters as typed; 11 more for each é once percent-encoded (é → %C3%A9).
    const typed = `https://host.be-host.test/${'é'.repeat(1_000)}${'a'.repeat(2_015 - 26 - 1_000)}`;
    expect(typed).toHaveLength(2_015);
    const res = await refer(app, { ...sampleReferral('CF-LONG'), urls: [{ url: typed }] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.error.details)).toContain('at most 2048 characters');
    expect(await svc.ctx.store.listHandovers({ limit: 10 })).toEqual([]);
    const fits = `https://host.be-host.test/${'é'.repeat(300)}`;
    expect((await refer(app, { ...sampleReferral('CF-FITS'), urls: [{ url: fits }] })).status).toBe(202);
  });

  it('accepts reportedAt only from ten years before now to five minutes after', async () => {
    const { app } = await service();
    // The test clock stands at 2026-03-01T10:00:00Z.
    for (const reportedAt of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2016-02-01T00:00:00Z', '2026-03-01T10:06:00Z']) {
      const res = await refer(app, { ...sampleReferral(`CF-AT-${reportedAt.slice(0, 4)}`), reportedAt });
      expect({ reportedAt, status: res.status }).toEqual({ reportedAt, status: 400 });
      expect(res.body.error.message).toMatch(/reportedAt/);
    }
    for (const reportedAt of ['2016-03-02T00:00:00Z', '2026-03-01T10:04:00+00:00', '2026-03-01T11:04:00+01:00']) {
      expect((await refer(app, { ...sampleReferral(`CF-OK-${reportedAt}`.replace(/[^A-Za-z0-9._:-]/g, '-')), reportedAt })).status).toBe(202);
    }
  });

  it('refuses control and bidi characters in referredBy (it is forwarded to partners)', async () => {
    const { svc, app } = await service();
    for (const referredBy of ['Alice\r\nX-Injected: 1', 'Al\nice', 'Al\u0000ice', 'Alice\u202Eecila', 'Al\u2066ice', 'Al\u200Fice', 'Al\u0085ice', 'Al\tice']) {
      const res = await refer(app, { ...sampleReferral('CF-NAME'), referredBy });
      expect({ referredBy, status: res.status }).toEqual({ referredBy, status: 400 });
    }
    expect(await svc.ctx.store.listHandovers({ limit: 10 })).toEqual([]);
    expect((await refer(app, { ...sampleReferral('CF-NAME'), referredBy: 'Zoë Van den Bossche' })).status).toBe(202);
  });

  it('turns line breaks in a supervisor reason into spaces and refuses NUL and bidi controls there', async () => {
    const { svc, app } = await service();
    const accepted = await refer(app, sampleReferral('CF-REASON'));
    const id = accepted.body.handovers[0].id as string;
    const cancel = (reason: string) => request(app).post(`/v1/handovers/${id}/cancel`).set('Authorization', bearer('supervisor')).send({ reason });
    for (const reason of ['abc\u0000def', 'wrong \u202Ecase', 'bell\u0007']) expect((await cancel(reason)).status).toBe(400);
    expect((await cancel('withdrawn by\r\nthe analyst\tafter a call')).status).toBe(200);
    const trail = await svc.ctx.store.listAuditEvents(id);
    expect(trail.at(-1)?.reason).toBe('withdrawn by the analyst after a call');
  });
  it('refuses control and bidi characters in the notes and names that observations, chases and assessments carry (an assessment note goes to ICCAM)', async () => {
    const { app } = await service();
    const accepted = await refer(app, sampleReferral('CF-NOTES'));
    const id = accepted.body.handovers[0].id as string;
    const post = (path: string, role: 'analyst' | 'supervisor', body: object) =>
      request(app).post(`/v1/handovers/${id}/${path}`).set('Authorization', bearer(role)).send(body);
    const observed = { kind: 'online', observedAt: '2026-03-01T09:00:00Z' };
    for (const bad of ['seen\u0000there', 'seen \u202Ethere', 'bell\u0007']) {
      expect((await post('observations', 'analyst', { ...observed, note: bad })).status).toBe(400);
      expect((await post('chase', 'supervisor', { note: bad })).status).toBe(400);
      expect((await post('assessment', 'analyst', { illegal: false, reason: 'other', note: bad })).status).toBe(400);
    }
    expect((await post('observations', 'analyst', { ...observed, observedBy: 'An\nAnalyst' })).status).toBe(400);
    expect((await post('observations', 'analyst', { ...observed, note: 'still\r\nonline' })).status).toBe(200);
  });
});

describe('slow clients', () => {
  it('get Node told to cut headers and whole requests in seconds, and are answered 408', async () => {
    const { svc } = await service({ PORT: '0', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '2000' });
    const running = await startService(svc.parts);
    try {
      expect(running.server.headersTimeout).toBe(1_000);
      expect(running.server.requestTimeout).toBe(2_000);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(running.port, '127.0.0.1', () => socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'));
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await running.stop();
    }
  });

  it('default to 10 s for headers and 30 s for a whole request', async () => {
    const { svc } = await service();
    expect(svc.config.http).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 });
  });
});
