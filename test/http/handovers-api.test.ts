import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HandoverState } from '../../src/domain/handover-states.js';
import { createApp } from '../../src/http/app.js';
import { locateAndRoute } from '../../src/services/locate-and-route.js';
import type { HandoverRecord } from '../../src/store/store.js';
import { TableLocator } from '../support/table-locator.js';
import { bearer, createTestService, KEYS, type TestService } from '../support/test-service.js';

let svc: TestService;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  svc = await createTestService();
  app = createApp(svc.ctx);
});
afterEach(() => svc.close());

const classification = { category: 'baseline', ageGroup: 'pubescent' } as const;

/** Where each test host "is": BE goes to the police, NL to ICCAM, a CDN or NXDOMAIN to review. */
const locator = new TableLocator({
  'be-host.test': { geo: 'BE' },
  'nl-host.test': { geo: 'NL' },
  'de-host.test': { geo: 'DE' },
  'cdn-host.test': { geo: 'US', cdn: 'Cloudflare' },
  'gone-host.test': { dns: 'nxdomain' },
});

/** One referral with a handover per host, each located and routed through the real workflow. */
async function seed(reportId: string, hosts: string[]): Promise<HandoverRecord[]> {
  const { handovers } = await svc.ctx.store.createReferral(
    {
      id: randomUUID(),
      reportId,
      bodyHash: `hash-${reportId}`,
      classification,
      reportedAt: null,
      urls: hosts.map((host, i) => ({ handoverId: randomUUID(), url: `https://${host}/${reportId}/item/${i}`, contentType: 'image' })),
    },
    'key:test',
    svc.clock.now().getTime(),
  );
  for (const h of handovers) await locateAndRoute(svc.ctx, locator, h);
  return Promise.all(handovers.map(async (h) => (await svc.ctx.store.getHandover(h.id))!));
}

/** Moves a handover along the contract §1 table, one checked transition at a time. */
async function walk(id: string, states: HandoverState[]): Promise<HandoverRecord> {
  let last: HandoverRecord | null = null;
  for (const to of states) {
    svc.clock.advance(1_000);
    last = await svc.ctx.store.transition(id, {
      to,
      actor: 'system:test',
      reason: `to ${to}`,
      set: to === 'delivering' ? { leaseToken: 'lease-1', leaseExpiresAt: svc.clock.now().getTime() + 60_000 } : {},
      now: svc.clock.now().getTime(),
    });
  }
  return last!;
}

/** Everything a refused request must leave untouched. */
async function storeSnapshot() {
  const handovers = await svc.ctx.store.listHandovers({ limit: 10_000 });
  const audit = await svc.ctx.store.verifyAudit();
  return { handovers: handovers.map((h) => `${h.id}:${h.state}:${h.destination}:${h.updatedAt}:${h.attemptCount}`), auditEvents: audit.events };
}

const get = (path: string, role: keyof typeof KEYS = 'analyst') => request(app).get(path).set('Authorization', bearer(role));
const post = (path: string, body: object, role: keyof typeof KEYS = 'supervisor') => request(app).post(path).set('Authorization', bearer(role)).send(body);

describe('GET /v1/handovers', () => {
  async function seedMixed() {
    const [be, nl, cdn, gone, de] = await seed('CF-LIST', ['be-host.test', 'nl-host.test', 'cdn-host.test', 'gone-host.test', 'de-host.test']);
    await walk(de!.id, ['delivering', 'failed']);
    await svc.ctx.store.annotate(nl!.id, {
      actor: 'system:overdue',
      kind: 'overdue',
      reason: 'no answer',
      set: { overdueAt: svc.clock.now().getTime() },
      now: svc.clock.now().getTime(),
    });
    return { be: be!, nl: nl!, cdn: cdn!, gone: gone!, de: de! };
  }
  const ids = (res: request.Response) => res.body.items.map((h: { id: string }) => h.id);

  it('lists every handover in insertion order with no filter', async () => {
    const s = await seedMixed();
    const res = await get('/v1/handovers');
    expect(res.status).toBe(200);
    expect(ids(res)).toEqual([s.be.id, s.nl.id, s.cdn.id, s.gone.id, s.de.id]);
    expect(res.body.nextCursor).toBeNull();
  });

  it('filters by state', async () => {
    const s = await seedMixed();
    expect(ids(await get('/v1/handovers?state=needs_review'))).toEqual([s.cdn.id, s.gone.id]);
    expect(ids(await get('/v1/handovers?state=failed'))).toEqual([s.de.id]);
    expect(ids(await get('/v1/handovers?state=closed'))).toEqual([]);
  });

  it('shows why and for how long each handover has waited for review', async () => {
    const seededAt = svc.clock.now().toISOString();
    const s = await seedMixed();
    svc.clock.advance(2 * 3_600_000);
    const res = await get('/v1/handovers?state=needs_review');
    expect(res.body.items.map((h: { id: string; review: unknown }) => [h.id, h.review])).toEqual([
      [s.cdn.id, { reasons: ['behind_cdn'], since: seededAt, ageSeconds: 7_202 }],
      [s.gone.id, { reasons: ['host_unresolvable'], since: seededAt, ageSeconds: 7_202 }],
    ]);
    const all = await get('/v1/handovers');
    expect(all.body.items.find((h: { id: string }) => h.id === s.be.id)).not.toHaveProperty('review');
  });

  it('filters by destination', async () => {
    const s = await seedMixed();
    expect(ids(await get('/v1/handovers?destination=police'))).toEqual([s.be.id]);
    expect(ids(await get('/v1/handovers?destination=inhope'))).toEqual([s.nl.id, s.de.id]);
  });

  it('filters by country, in either case', async () => {
    const s = await seedMixed();
    expect(ids(await get('/v1/handovers?country=NL'))).toEqual([s.nl.id]);
    expect(ids(await get('/v1/handovers?country=be'))).toEqual([s.be.id]);
  });

  it('filters by overdue=true, and combines filters', async () => {
    const s = await seedMixed();
    const overdue = await get('/v1/handovers?overdue=true');
    expect(ids(overdue)).toEqual([s.nl.id]);
    expect(overdue.body.items[0].overdue).toBe(true);
    expect(ids(await get('/v1/handovers?overdue=false'))).toEqual([s.be.id, s.cdn.id, s.gone.id, s.de.id]);
    expect(ids(await get('/v1/handovers?destination=inhope&state=failed'))).toEqual([s.de.id]);
    expect(ids(await get('/v1/handovers?destination=inhope&overdue=true&country=DE'))).toEqual([]);
  });

  it('pages with a cursor, visiting every item exactly once', async () => {
    const hosts = Array.from({ length: 7 }, (_, i) => (i % 2 ? 'be-host.test' : 'gone-host.test'));
    const seeded = await seed('CF-PAGES', hosts);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await get(`/v1/handovers?limit=3${cursor ? `&cursor=${cursor}` : ''}`, 'service');
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...ids(res));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(seeded.map((h) => h.id));
    // Paging under a filter also visits each match once.
    const filtered: string[] = [];
    let next: string | null = null;
    do {
      const res: request.Response = await get(`/v1/handovers?state=routed&limit=2${next ? `&cursor=${next}` : ''}`);
      filtered.push(...ids(res));
      next = res.body.nextCursor;
    } while (next);
    expect(filtered).toEqual(seeded.filter((h) => h.state === 'routed').map((h) => h.id));
    expect(filtered).toHaveLength(3);
  });

  const badQueries: [string, string][] = [
    ['a cursor that is not one', 'cursor=bm90LWEtY3Vyc29y'],
    ['a cursor that is not base64url at all', 'cursor=%24%24%24'],
    ['an unknown state', 'state=lost'],
    ['an unknown destination', 'destination=europol'],
    ['a country of three letters', 'country=BEL'],
    ['overdue=yes', 'overdue=yes'],
    ['a limit of 0', 'limit=0'],
    ['a limit over 500', 'limit=501'],
    ['an unknown filter', 'colour=red'],
  ];
  for (const [name, query] of badQueries) {
    it(`refuses ${name} with 400`, async () => {
      const res = await get(`/v1/handovers?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    });
  }
});

describe('GET /v1/handovers/:id', () => {
  it('returns state, evidence, decision, attempts, acknowledgements and the audit trail', async () => {
    const [be] = await seed('CF-DETAIL', ['be-host.test']);
    const delivering = await walk(be!.id, ['delivering']);
    const started = svc.clock.now().getTime();
    await svc.ctx.store.recordAttempt({
      handoverId: be!.id,
      attemptNo: 1,
      destination: 'police',
      claimToken: delivering.leaseToken!,
      startedAt: started,
      finishedAt: started + 120,
      durationMs: 120,
      outcome: 'delivered',
      statusCode: 201,
      errorClass: null,
      requestHash: 'a'.repeat(64),
      responseDigest: 'b'.repeat(64),
      detail: null,
    });
    await walk(be!.id, ['delivered']);
    await svc.ctx.store.recordAck(
      {
        handoverId: be!.id,
        destination: 'police',
        source: 'callback',
        status: 'registered',
        reference: 'PV-2026-1',
        reason: null,
        applied: true,
        note: null,
        webhookId: 'msg_1',
        receivedAt: svc.clock.now().getTime(),
      },
      { actor: 'destination:police', kind: 'ack', reason: 'registered', now: svc.clock.now().getTime() },
    );
    await walk(be!.id, ['acknowledged']);

    for (const role of ['analyst', 'supervisor', 'service'] as const) {
      const res = await get(`/v1/handovers/${be!.id}`, role);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: be!.id, state: 'acknowledged', destination: 'police', country: 'BE', reportId: 'CF-DETAIL', classification });
      expect(res.body.evidence).toMatchObject({ host: 'be-host.test' });
      expect(res.body.decision).toMatchObject({ destination: 'police', country: 'BE', rule: 'home-country' });
      expect(res.body.attempts).toEqual([
        expect.objectContaining({ attempt: 1, destination: 'police', outcome: 'delivered', statusCode: 201, durationMs: 120 }),
      ]);
      expect(res.body.acknowledgements).toEqual([
        expect.objectContaining({ destination: 'police', source: 'callback', status: 'registered', reference: 'PV-2026-1', applied: true }),
      ]);
      expect(res.body.audit.map((e: { kind: string; from: string | null; to: string | null }) => [e.kind, e.from, e.to])).toEqual([
        ['intake', null, 'locating'],
        ['transition', 'locating', 'routed'],
        ['transition', 'routed', 'delivering'],
        // The attempt itself (request hash, response digest) is an event of the chain.
        ['attempt', 'delivering', 'delivering'],
        ['transition', 'delivering', 'delivered'],
        ['ack', 'delivered', 'delivered'],
        ['transition', 'delivered', 'acknowledged'],
      ]);
      expect(res.body.audit.every((e: { hash: string }) => /^[0-9a-f]{64}$/.test(e.hash))).toBe(true);
    }
  });

  it('answers 404 for an unknown id and 400 for an id that is not a UUID', async () => {
    const unknown = await get(`/v1/handovers/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const bad = await get('/v1/handovers/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});

describe('POST /v1/handovers/:id/route', () => {
  it('routes a handover in review by hand, recorded as an override with reason and actor', async () => {
    const [cdn] = await seed('CF-ROUTE', ['cdn-host.test']);
    expect(cdn!.state).toBe('needs_review');
    const res = await post(`/v1/handovers/${cdn!.id}/route`, { destination: 'police', reason: 'origin confirmed in Belgium by the host' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: cdn!.id, state: 'routed', destination: 'police', targetHotline: null, attempts: 0 });
    const stored = (await svc.ctx.store.getHandover(cdn!.id))!;
    expect(stored.decision).toMatchObject({ rule: 'manual-override', destination: 'police', confidence: 1 });
    const audit = await svc.ctx.store.listAuditEvents(cdn!.id);
    expect(audit.at(-1)).toMatchObject({
      kind: 'override',
      actor: 'key:supervisor-key',
      fromState: 'needs_review',
      toState: 'routed',
      reason: 'origin confirmed in Belgium by the host',
    });
  });

  it('routes to an INHOPE member country with its hotline as target', async () => {
    const [cdn] = await seed('CF-ROUTE-NL', ['cdn-host.test']);
    const res = await post(`/v1/handovers/${cdn!.id}/route`, { destination: 'inhope', country: 'nl', reason: 'the CDN says the origin is Dutch' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'routed',
      destination: 'inhope',
      country: 'NL',
      assignedCountry: 'NL',
      targetHotline: expect.stringMatching(/\S/),
    });
    expect(res.body.targetHotline).toBe(svc.ctx.policy.inhopeMembers.hotlines.NL);
  });

  it('refuses ICCAM for a case with no hosting address, saying so in words, and changes nothing; the police may take it', async () => {
    const [gone] = await seed('CF-ROUTE-NOADDR', ['gone-host.test']);
    const before = await storeSnapshot();
    const res = await post(`/v1/handovers/${gone!.id}/route`, { destination: 'inhope', country: 'NL', reason: 'the host moved to a Dutch provider' });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'incomplete_for_destination', details: { missing: [{ need: 'hosting_address' }] } });
    expect(res.body.error.message).toContain('ICCAM needs the hosting IP address');
    expect(await storeSnapshot()).toEqual(before);
    expect((await post(`/v1/handovers/${gone!.id}/route`, { destination: 'police', reason: 'the police look into it' })).status).toBe(200);
  });

  it('refuses to send again a case whose delivery outcome is unknown unless resend is true (409 outcome_unknown)', async () => {
    const [nl] = await seed('CF-ROUTE-UNKNOWN', ['nl-host.test']);
    await walk(nl!.id, ['delivering']);
    await svc.ctx.store.transition(nl!.id, {
      to: 'needs_review',
      actor: 'system:test',
      reason: 'delivery_outcome_unknown: timeout after sending',
      set: { failureReason: 'delivery_outcome_unknown', leaseToken: null },
      now: svc.clock.now().getTime(),
    });
    const before = await storeSnapshot();
    for (const body of [{}, { resend: false }]) {
      const res = await post(`/v1/handovers/${nl!.id}/route`, { destination: 'inhope', country: 'NL', reason: 'send it again', ...body });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'outcome_unknown', details: { hotlineReference: nl!.id } });
    }
    expect(await storeSnapshot()).toEqual(before);
    const res = await post(`/v1/handovers/${nl!.id}/route`, { destination: 'inhope', country: 'NL', reason: 'not in ICCAM: sending again', resend: true });
    expect(res.status).toBe(200);
    expect((await svc.ctx.store.listAuditEvents(nl!.id)).at(-1)).toMatchObject({ kind: 'override', data: { resend: true, hotlineReference: nl!.id } });
  });

  it('also re-routes a failed handover, with a fresh attempt budget', async () => {
    const [de] = await seed('CF-ROUTE-FAILED', ['de-host.test']);
    await walk(de!.id, ['delivering']);
    await svc.ctx.store.transition(de!.id, {
      to: 'failed',
      actor: 'system:test',
      reason: 'refused',
      set: { attemptCount: 4, failureReason: 'http 422' },
      now: svc.clock.now().getTime(),
    });
    const res = await post(`/v1/handovers/${de!.id}/route`, { destination: 'police', reason: 'ICCAM refused; police take it up' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'routed', destination: 'police', attempts: 0, failureReason: null });
  });

  it('refuses inhope to a non-member country when orphans are not allowed, changing nothing', async () => {
    const [cdn] = await seed('CF-ROUTE-ORPHAN', ['cdn-host.test']);
    expect(svc.ctx.policy.inhopeMembers.hotlines).not.toHaveProperty('CN');
    const before = await storeSnapshot();
    const res = await post(`/v1/handovers/${cdn!.id}/route`, { destination: 'inhope', country: 'CN', reason: 'hosted in China' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { field: 'country' } });
    expect(await storeSnapshot()).toEqual(before);
  });

  const badBodies: [string, object][] = [
    ['no reason', { destination: 'police' }],
    ['a blank reason', { destination: 'police', reason: '  ' }],
    ['an unknown destination', { destination: 'europol', reason: 'because' }],
    ['an unknown field', { destination: 'police', reason: 'because', urgent: true }],
  ];
  for (const [name, body] of badBodies) {
    it(`refuses ${name} with 400, changing nothing`, async () => {
      const [cdn] = await seed('CF-ROUTE-BAD', ['cdn-host.test']);
      const before = await storeSnapshot();
      const res = await post(`/v1/handovers/${cdn!.id}/route`, body);
      expect(res.status).toBe(400);
      expect(await storeSnapshot()).toEqual(before);
    });
  }

  it('refuses a handover still locating or already delivered with 409, and an unknown one with 404', async () => {
    const [locating, be] = await svc.ctx.store
      .createReferral(
        {
          id: randomUUID(),
          reportId: 'CF-ROUTE-409',
          bodyHash: 'h',
          classification,
          reportedAt: null,
          urls: [
            { handoverId: randomUUID(), url: 'https://be-host.test/a', contentType: null },
            { handoverId: randomUUID(), url: 'https://be-host.test/b', contentType: null },
          ],
        },
        'key:test',
        svc.clock.now().getTime(),
      )
      .then((r) => r.handovers);
    await locateAndRoute(svc.ctx, locator, be!);
    await walk(be!.id, ['delivering', 'delivered']);
    const before = await storeSnapshot();
    for (const id of [locating!.id, be!.id]) {
      const res = await post(`/v1/handovers/${id}/route`, { destination: 'police', reason: 'by hand' });
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('invalid_transition');
    }
    expect((await post(`/v1/handovers/${randomUUID()}/route`, { destination: 'police', reason: 'by hand' })).status).toBe(404);
    expect(await storeSnapshot()).toEqual(before);
  });
});

describe('POST /v1/handovers/:id/retry', () => {
  it('sends a failed handover back to routed and resets its attempts', async () => {
    const [be] = await seed('CF-RETRY', ['be-host.test']);
    await walk(be!.id, ['delivering']);
    await svc.ctx.store.transition(be!.id, {
      to: 'failed',
      actor: 'system:test',
      reason: 'attempts exhausted',
      set: { attemptCount: 9, firstAttemptAt: 1, failureReason: 'attempts exhausted' },
      now: svc.clock.now().getTime(),
    });
    const res = await post(`/v1/handovers/${be!.id}/retry`, {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'routed', destination: 'police', attempts: 0, failureReason: null, nextAttemptAt: svc.clock.now().toISOString() });
    const stored = (await svc.ctx.store.getHandover(be!.id))!;
    expect(stored.firstAttemptAt).toBeNull();
    expect((await svc.ctx.store.listAuditEvents(be!.id)).at(-1)).toMatchObject({
      fromState: 'failed',
      toState: 'routed',
      actor: 'key:supervisor-key',
      reason: 'manual retry',
    });
  });

  it('keeps the supervisor’s reason when one is given', async () => {
    const [be] = await seed('CF-RETRY-REASON', ['be-host.test']);
    await walk(be!.id, ['delivering', 'failed']);
    const res = await post(`/v1/handovers/${be!.id}/retry`, { reason: 'police endpoint fixed' });
    expect(res.status).toBe(200);
    expect((await svc.ctx.store.listAuditEvents(be!.id)).at(-1)).toMatchObject({ toState: 'routed', reason: 'police endpoint fixed' });
  });

  it('refuses a handover that is not failed with 409, changing nothing', async () => {
    const [be, cdn] = await seed('CF-RETRY-409', ['be-host.test', 'cdn-host.test']);
    const before = await storeSnapshot();
    for (const id of [be!.id, cdn!.id]) {
      const res = await post(`/v1/handovers/${id}/retry`, {});
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('invalid_transition');
    }
    expect(await storeSnapshot()).toEqual(before);
  });
});

describe('POST /v1/handovers/:id/cancel', () => {
  it('cancels with a reason', async () => {
    const [cdn] = await seed('CF-CANCEL', ['cdn-host.test']);
    const res = await post(`/v1/handovers/${cdn!.id}/cancel`, { reason: 'duplicate of CF-2026-0001' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'cancelled', outcome: 'cancelled' });
    expect((await svc.ctx.store.listAuditEvents(cdn!.id)).at(-1)).toMatchObject({
      fromState: 'needs_review',
      toState: 'cancelled',
      actor: 'key:supervisor-key',
      reason: 'duplicate of CF-2026-0001',
    });
  });

  it('refuses a cancel without a reason with 400, changing nothing', async () => {
    const [cdn] = await seed('CF-CANCEL-400', ['cdn-host.test']);
    const before = await storeSnapshot();
    for (const body of [{}, { reason: '' }]) {
      const res = await post(`/v1/handovers/${cdn!.id}/cancel`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await storeSnapshot()).toEqual(before);
  });

  it('refuses to cancel a closed handover with 409, changing nothing', async () => {
    const [be] = await seed('CF-CANCEL-409', ['be-host.test']);
    await walk(be!.id, ['delivering', 'delivered', 'closed']);
    const before = await storeSnapshot();
    const res = await post(`/v1/handovers/${be!.id}/cancel`, { reason: 'too late' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invalid_transition');
    expect(await storeSnapshot()).toEqual(before);
  });
});

describe('roles', () => {
  it('refuses route, retry and cancel to analyst and service keys with 403, changing nothing', async () => {
    const [cdn, be] = await seed('CF-ROLES', ['cdn-host.test', 'be-host.test']);
    await walk(be!.id, ['delivering', 'failed']);
    const before = await storeSnapshot();
    const calls: [string, object][] = [
      [`/v1/handovers/${cdn!.id}/route`, { destination: 'police', reason: 'by hand' }],
      [`/v1/handovers/${be!.id}/retry`, {}],
      [`/v1/handovers/${cdn!.id}/cancel`, { reason: 'withdrawn' }],
    ];
    for (const role of ['analyst', 'service'] as const) {
      for (const [path, body] of calls) {
        const res = await post(path, body, role);
        expect([path, role, res.status, res.body.error.code]).toEqual([path, role, 403, 'forbidden']);
      }
    }
    // Without a key at all: 401, still nothing changed.
    for (const [path, body] of calls) expect((await request(app).post(path).send(body)).status).toBe(401);
    expect(await storeSnapshot()).toEqual(before);
  });

  it('lets a supervisor read the list and one handover', async () => {
    const [be] = await seed('CF-ROLES-READ', ['be-host.test']);
    const list = await get('/v1/handovers', 'supervisor');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect((await get(`/v1/handovers/${be!.id}`, 'supervisor')).status).toBe(200);
  });
});
