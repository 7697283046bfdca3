/**
 * The API description as a client generator and `redocly lint` see it: 0 errors with the
 * recommended rules, an operationId, a security requirement and 401/429 where they apply,
 * a schema for every answer — and the real answers parse against those schemas.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { signWebhook } from '../../src/domain/webhook-signature.js';
import { OpenApiRegistry } from '../../src/http/openapi-registry.js';
import {
  ackResultSchema,
  handoverDetailSchema,
  handoverPageSchema,
  handoverSummarySchema,
  locateResultSchema,
  readinessSchema,
  referralViewSchema,
  statsSchema,
} from '../../src/http/response-schemas.js';
import { locateAndRoute } from '../../src/services/locate-and-route.js';
import { TableLocator } from '../support/table-locator.js';
import { bearer, createTestService, sampleReferral, type TestService } from '../support/test-service.js';

const POLICE_SECRET = 'whsec_' + Buffer.from('police-callback-secret-0123456789').toString('base64');
const locator = new TableLocator({ 'images.be-host.test': { geo: 'BE' }, 'video.nl-host.test': { geo: 'US', cdn: 'Cloudflare' } });

let svc: TestService | null = null;
afterEach(async () => {
  await svc?.close();
  svc = null;
});

async function appWith() {
  svc = await createTestService({ ACK_SECRETS: `police:${POLICE_SECRET}` });
  return svc.app({ locator });
}

type Operation = { operationId?: string; security?: unknown[]; responses: Record<string, { content?: Record<string, { schema?: unknown }> }> };

describe('the OpenAPI document', () => {
  it('passes redocly lint with the recommended rules without an error', async () => {
    const doc = (await request(await appWith()).get('/openapi.json')).body as unknown;
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(errors).toEqual([]);
  });

  it('gives every operation an operationId, a security requirement and a schema for every answer; 401 and 429 wherever a key or signature is needed', async () => {
    const doc = (await request(await appWith()).get('/openapi.json')).body as { servers: unknown[]; paths: Record<string, Record<string, Operation>> };
    expect(doc.servers.length).toBeGreaterThan(0);
    const ids = new Set<string>();
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const where = `${method} ${path}`;
        expect(op.operationId, where).toMatch(/^[a-z][A-Za-z0-9]+$/);
        expect(ids.has(op.operationId!), where).toBe(false);
        ids.add(op.operationId!);
        expect(Array.isArray(op.security), where).toBe(true);
        for (const [status, response] of Object.entries(op.responses)) {
          const schemas = Object.values(response.content ?? {}).map((c) => c.schema);
          expect({ where, status, schemas: schemas.length > 0 && schemas.every(Boolean) }).toEqual({ where, status, schemas: true });
        }
        if (op.security!.length > 0) expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '429']));
      }
    }
    expect(doc.paths['/v1/acks/{destination}']!.post!.security).toEqual([{ webhookSignature: [] }]);
    expect(doc.paths['/readyz']!.get!.security).toEqual([]);
  });

  it('refuses to register an operation a client generator could not use', () => {
    const registry = new OpenApiRegistry();
    const base = { method: 'get' as const, path: '/v1/things', summary: 'Things', tags: ['things'], roles: ['analyst'] };
    expect(() => registry.register({ ...base, operationId: '', responses: { 200: { description: 'ok', schema: z.object({}) } } })).toThrow(/operationId/);
    expect(() => registry.register({ ...base, operationId: 'listThings', responses: { 400: { description: 'bad', schema: z.object({}) } } })).toThrow(
      /no success response/,
    );
    expect(() => registry.register({ ...base, operationId: 'listThings', responses: { 200: { description: 'ok' } as never } })).toThrow(/no schema/);
    registry.register({ ...base, operationId: 'listThings', responses: { 200: { description: 'ok', schema: z.object({}) } } });
    expect(() =>
      registry.register({ ...base, path: '/v1/other', operationId: 'listThings', responses: { 200: { description: 'ok', schema: z.object({}) } } }),
    ).toThrow(/used twice/);
  });

  it('describes the answers the service really gives', async () => {
    const app = await appWith();
    const s = svc!;
    const submitted = await request(app).post('/v1/referrals').set('Authorization', bearer('analyst')).send(sampleReferral('CF-SCHEMA-1'));
    expect(submitted.status).toBe(202);
    for (const h of await s.ctx.store.listHandovers({ limit: 10 })) await locateAndRoute(s.ctx, locator, h);
    const [routed, review] = await s.ctx.store.listHandovers({ limit: 10 });
    expect([routed!.state, review!.state]).toEqual(['routed', 'needs_review']);
    const get = (path: string) => request(app).get(path).set('Authorization', bearer('supervisor'));

    handoverPageSchema.parse((await get('/v1/handovers')).body);
    const page = handoverPageSchema.parse((await get('/v1/handovers?state=needs_review')).body);
    expect(page.items[0]!.review!.reasons).toEqual(['behind_cdn']);
    handoverDetailSchema.parse((await get(`/v1/handovers/${routed!.id}`)).body);
    referralViewSchema.parse((await get('/v1/referrals/CF-SCHEMA-1')).body);
    statsSchema.parse((await get('/v1/stats')).body);
    readinessSchema.parse((await request(app).get('/readyz')).body);
    locateResultSchema.parse(
      (await request(app).post('/v1/locate').set('Authorization', bearer('analyst')).send({ url: 'https://images.be-host.test/a.jpg' })).body,
    );
    const cancelled = await request(app)
      .post(`/v1/handovers/${review!.id}/cancel`)
      .set('Authorization', bearer('supervisor'))
      .send({ reason: 'duplicate of another report' });
    expect(cancelled.status).toBe(200);
    handoverSummarySchema.parse(cancelled.body);

    await s.ctx.store.claimDue({ destination: 'police', now: s.clock.now().getTime(), limit: 1, leaseMs: 1000, token: 't', actor: 'system:test' });
    await s.ctx.store.transition(routed!.id, {
      to: 'delivered',
      actor: 'system:test',
      reason: null,
      expectLeaseToken: 't',
      set: { reference: 'R-1', deliveredAt: s.clock.now().getTime() },
      now: s.clock.now().getTime(),
    });
    const body = JSON.stringify({ handoverId: routed!.id, status: 'received' });
    const headers = signWebhook({ id: `msg_${randomUUID()}`, timestamp: s.clock.now(), body, secrets: POLICE_SECRET });
    const ack = await request(app).post('/v1/acks/police').set(headers).set('Content-Type', 'application/json').send(body);
    expect(ack.status).toBe(200);
    ackResultSchema.parse(ack.body);
  });
});
