/**
 * What the console's HTTP tests share: referrals located through the real workflow, and a
 * person signed in through the form (the agent keeps the cookie), with the page's CSRF token.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { expect } from 'vitest';
import type { createApp } from '../../src/http/app.js';
import { locateAndRoute } from '../../src/services/locate-and-route.js';
import type { HandoverRecord } from '../../src/store/store.js';
import type { TableLocator } from '../support/table-locator.js';
import { KEYS, type TestService } from '../support/test-service.js';

type App = ReturnType<typeof createApp>;

export const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** One referral of these URLs, each handover located and routed (or sent to review) as the service would. */
export async function seedLocated(svc: TestService, locator: TableLocator, reportId: string, urls: string[]): Promise<HandoverRecord[]> {
  const { handovers } = await svc.ctx.store.createReferral(
    {
      id: randomUUID(),
      reportId,
      bodyHash: `hash-${reportId}`,
      classification: { category: 'baseline', ageGroup: 'pubescent' },
      reportedAt: null,
      urls: urls.map((url) => ({ handoverId: randomUUID(), url, contentType: 'image' })),
    },
    'key:test',
    svc.clock.now().getTime(),
  );
  for (const h of handovers) await locateAndRoute(svc.ctx, locator, h);
  return Promise.all(handovers.map(async (h) => (await svc.ctx.store.getHandover(h.id))!));
}

/** Signs in as a role through the form; returns the agent (holding the cookie), a CSRF token and the cookies set. */
export async function signIn(app: App, role: keyof typeof KEYS) {
  const agent = request.agent(app);
  const form = await agent.get('/console/sign-in').expect(200);
  const res = await agent
    .post('/console/sign-in')
    .type('form')
    .send({ _csrf: csrfIn(form.text), apiKey: KEYS[role], next: '/console/' });
  expect(res.status).toBe(303);
  const page = await agent.get('/console/').expect(200);
  return { agent, csrf: csrfIn(page.text), cookie: res.headers['set-cookie'] as unknown as string[] };
}
