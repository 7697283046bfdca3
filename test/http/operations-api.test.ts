import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadinessProbe } from '../../src/services/readiness.js';
import { TableLocator } from '../support/table-locator.js';
import { bearer, createTestService, sampleReferral, type TestService } from '../support/test-service.js';

let svc: TestService | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

async function appWith(env: Record<string, string> = {}, probes?: ReadinessProbe[]) {
  svc = await createTestService(env, probes ? { readiness: probes } : {});
  return svc.app({ locator: new TableLocator({ 'be-host.test': { geo: 'BE' } }) });
}

describe('GET /healthz', () => {
  it('answers 200 without a key', async () => {
    const res = await request(await appWith()).get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 with the store check when the store is reachable', async () => {
    const res = await request(await appWith()).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ready: true, checks: { store: { ok: true, critical: true, detail: 'sqlite' } } });
  });

  it('answers 503 once the store is closed, saying which check failed', async () => {
    const app = await appWith();
    await svc!.ctx.store.close();
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ ready: false, checks: { store: { ok: false, critical: true } } });
  });

  it('fails on a critical probe, reports a non-critical one without failing', async () => {
    const destinations: ReadinessProbe = () => ({ name: 'destinations', ok: false, critical: false, detail: { police: { configured: false } } });
    const geoip: ReadinessProbe = () => ({ name: 'geoip', ok: false, critical: true });
    const onlyWarning = await request(await appWith({}, [destinations])).get('/readyz');
    expect(onlyWarning.status).toBe(200);
    expect(onlyWarning.body).toMatchObject({ ready: true, checks: { destinations: { ok: false, critical: false } } });
    await svc!.close();
    const critical = await request(await appWith({}, [destinations, geoip])).get('/readyz');
    expect(critical.status).toBe(503);
    expect(critical.body.checks.geoip).toMatchObject({ ok: false });
  });

  it('treats a probe that throws as a failed critical check', async () => {
    const res = await request(await appWith({}, [() => Promise.reject(new Error('boom'))])).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.ready).toBe(false);
  });
});

describe('GET /metrics', () => {
  it('is Prometheus text that counts the requests answered', async () => {
    const app = await appWith();
    await request(app).get('/healthz');
    await request(app).get('/v1/referrals/NOPE').set('Authorization', bearer('analyst'));
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('# TYPE hrr_http_requests_total counter');
    expect(res.text).toMatch(/^hrr_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m);
    expect(res.text).toMatch(/^hrr_http_requests_total\{method="GET",route="\/v1\/referrals\/:reportId",status="404"\} 1$/m);
    // Labels carry the route pattern, never the report id or a URL.
    expect(res.text).not.toContain('NOPE');
  });
});

describe('GET /openapi.json', () => {
  /** Contract §3: every method and path. */
  const CONTRACT: [string, string][] = [
    ['post', '/v1/referrals'],
    ['get', '/v1/referrals/{reportId}'],
    ['get', '/v1/handovers'],
    ['get', '/v1/handovers/{id}'],
    ['post', '/v1/handovers/{id}/route'],
    ['post', '/v1/handovers/{id}/retry'],
    ['post', '/v1/handovers/{id}/cancel'],
    ['post', '/v1/handovers/{id}/split'],
    ['post', '/v1/handovers/{id}/resolve'],
    ['post', '/v1/handovers/{id}/observations'],
    // Not in contract §3's table: a supervisor's note that a case past the last takedown mark was chased.
    ['post', '/v1/handovers/{id}/chase'],
    ['post', '/v1/handovers/{id}/assessment'],
    ['post', '/v1/locate'],
    ['post', '/v1/acks/{destination}'],
    ['get', '/v1/stats'],
    ['get', '/v1/stats/takedown'],
    ['get', '/healthz'],
    ['get', '/readyz'],
    ['get', '/metrics'],
    ['get', '/openapi.json'],
  ];

  type Doc = {
    openapi: string;
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> }; security?: unknown }>>;
  };

  /** Follows a local `$ref` the way an OpenAPI client does: from the document root. */
  function resolve(doc: unknown, schema: Record<string, unknown>): Record<string, unknown> {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return schema;
    expect(ref.startsWith('#/')).toBe(true);
    let node: unknown = doc;
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    expect(node, `unresolvable $ref ${ref}`).toBeTypeOf('object');
    return resolve(doc, node as Record<string, unknown>);
  }

  /** Every `$ref` anywhere in the document. */
  function refsIn(node: unknown, out: string[] = []): string[] {
    if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (k === '$ref' && typeof v === 'string') out.push(v);
        else refsIn(v, out);
      }
    return out;
  }

  it('is OpenAPI 3.1 listing every path and method of contract §3, open without a key', async () => {
    const res = await request(await appWith()).get('/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as Doc;
    expect(doc.openapi).toMatch(/^3\.1\./);
    const listed = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`));
    expect(listed.sort()).toEqual(CONTRACT.map(([m, p]) => `${m} ${p}`).sort());
    // The key-protected ones say so; the open ones do not.
    expect(doc.paths['/v1/handovers']!.get!.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/healthz']!.get!.security).toEqual([]);
  });

  it('lists only what the app serves: each documented operation reaches a route', async () => {
    const app = await appWith();
    const doc = (await request(app).get('/openapi.json')).body as Doc;
    for (const [path, methods] of Object.entries(doc.paths)) {
      const concrete = path.replace('{reportId}', 'CF-NONE').replace('{id}', '00000000-0000-4000-8000-000000000000').replace('{destination}', 'police');
      for (const method of Object.keys(methods)) {
        const res = await (method === 'get' ? request(app).get(concrete) : request(app).post(concrete).send({})).set('Authorization', bearer('supervisor'));
        expect([method, path, res.body?.error?.code]).not.toEqual([method, path, 'route_not_found']);
      }
    }
  });

  it('derives the POST /v1/referrals body schema from the zod schema that validates it', async () => {
    const doc = (await request(await appWith()).get('/openapi.json')).body as Doc;
    const body = resolve(doc, doc.paths['/v1/referrals']!.post!.requestBody!.content['application/json']!.schema);
    expect(body).toMatchObject({ type: 'object', required: expect.arrayContaining(['reportId', 'urls', 'classification']), additionalProperties: false });
    const props = body.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(props).sort()).toEqual(['classification', 'referredBy', 'reportId', 'reportedAt', 'urls']);
    expect(props.urls).toMatchObject({ type: 'array', minItems: 1, maxItems: 100 });
    const classification = resolve(doc, props.classification!);
    expect(classification).toMatchObject({ required: ['category', 'ageGroup'] });
    expect((classification.properties as Record<string, { enum?: string[] }>).ageGroup!.enum).toEqual(['infant', 'prepubescent', 'pubescent', 'unknown']);
  });

  it('has no reference that points outside the document', async () => {
    const doc = (await request(await appWith()).get('/openapi.json')).body as Doc;
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) resolve(doc, { $ref: ref });
  });
});

describe('rate limit per API key', () => {
  it('answers the 4th request of one key within a minute with 429 rate_limited, while another key passes', async () => {
    const app = await appWith({ RATE_LIMIT_PER_MINUTE: '3' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await request(app).get('/v1/handovers').set('Authorization', bearer('analyst'))).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral());
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    // The refused referral was not taken in.
    expect(await svc!.ctx.store.getReferralByReportId('CF-2026-0001')).toBeNull();
    const other = await request(app).get('/v1/handovers').set('Authorization', bearer('service'));
    expect(other.status).toBe(200);
    // Open endpoints are not counted against anyone.
    expect((await request(app).get('/healthz')).status).toBe(200);
  });
});
