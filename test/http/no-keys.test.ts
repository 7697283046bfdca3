import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashKeySecret } from '../../src/config/api-keys.js';
import { createApp } from '../../src/http/app.js';
import { TableLocator } from '../support/table-locator.js';
import { createTestService, KEYS, sampleReferral, type TestService } from '../support/test-service.js';

let svc: TestService;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  // An empty API_KEYS means "no keys": the service starts but lets nobody in.
  svc = await createTestService({ API_KEYS: '' });
  app = svc.app({ locator: new TableLocator({}) });
});
afterEach(() => svc.close());

describe('with no API keys configured', () => {
  it('has no key entries at all', () => {
    expect(svc.config.apiKeys).toEqual([]);
  });

  const calls: [string, string, object?][] = [
    ['post', '/v1/referrals', sampleReferral()],
    ['get', '/v1/referrals/CF-2026-0001'],
    ['get', '/v1/handovers'],
    ['get', '/v1/handovers/00000000-0000-4000-8000-000000000000'],
    ['post', '/v1/handovers/00000000-0000-4000-8000-000000000000/route', { destination: 'police', reason: 'by hand' }],
    ['post', '/v1/handovers/00000000-0000-4000-8000-000000000000/retry', {}],
    ['post', '/v1/handovers/00000000-0000-4000-8000-000000000000/cancel', { reason: 'withdrawn' }],
    ['post', '/v1/locate', { url: 'https://be-host.test/' }],
    ['get', '/v1/stats'],
    ['get', '/v1/no-such-route'],
  ];
  for (const [method, path, body] of calls) {
    it(`refuses ${method.toUpperCase()} ${path} with 401 whatever key is presented`, async () => {
      for (const authorization of [undefined, `Bearer ${KEYS.supervisor}`, 'Bearer ', `Bearer ${hashKeySecret(KEYS.analyst).toString('hex')}`]) {
        let req =
          method === 'get'
            ? request(app).get(path)
            : request(app)
                .post(path)
                .send(body ?? {});
        if (authorization !== undefined) req = req.set('Authorization', authorization);
        const res = await req;
        expect([authorization, res.status, res.body.error?.code]).toEqual([authorization, 401, 'unauthenticated']);
      }
    });
  }

  it('takes nothing in', async () => {
    await request(app).post('/v1/referrals').set('Authorization', `Bearer ${KEYS.analyst}`).send(sampleReferral());
    expect(await svc.ctx.store.listHandovers({ limit: 10 })).toEqual([]);
  });

  it('still answers /healthz, /readyz, /metrics and /openapi.json', async () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect([path, (await request(app).get(path)).status]).toEqual([path, 200]);
    }
  });
});
