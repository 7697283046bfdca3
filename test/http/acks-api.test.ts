import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/domain/webhook-signature.js';
import { createApp } from '../../src/http/app.js';
import { createTestService, type TestService } from '../support/test-service.js';

const POLICE_SECRET = 'whsec_' + Buffer.from('police-callback-secret-0123456789').toString('base64');
const OLD_POLICE_SECRET = 'old-police-callback-secret-0001';
const INHOPE_SECRET = 'whsec_' + Buffer.from('iccam-callback-secret-0123456789').toString('base64');

let svc: TestService;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  svc = await createTestService({ ACK_SECRETS: `police:${POLICE_SECRET},police:${OLD_POLICE_SECRET},inhope:${INHOPE_SECRET}` });
  app = createApp(svc.ctx);
});
afterEach(() => svc.close());

/** A handover delivered to `destination`, as the dispatcher would leave it. */
async function deliveredHandover(destination: 'police' | 'inhope', reportId = 'R-ack') {
  const { handovers } = await svc.ctx.store.createReferral(
    {
      id: crypto.randomUUID(),
      reportId,
      bodyHash: 'h',
      classification: { category: 'baseline', ageGroup: 'infant' },
      reportedAt: null,
      urls: [{ handoverId: crypto.randomUUID(), url: 'https://x.example/', contentType: null }],
    },
    'key:test',
    1,
  );
  const id = handovers[0]!.id;
  const now = svc.clock.now().getTime();
  await svc.ctx.store.transition(id, {
    to: 'routed',
    actor: 'system:test',
    reason: null,
    set: { destination, country: destination === 'police' ? 'BE' : 'NL' },
    now,
  });
  await svc.ctx.store.claimDue({ destination, now, limit: 1, leaseMs: 1000, token: 't', actor: 'system:test' });
  await svc.ctx.store.transition(id, {
    to: 'delivered',
    actor: 'system:test',
    reason: null,
    expectLeaseToken: 't',
    set: { reference: 'RCPT-1', deliveredAt: now },
    now,
  });
  return id;
}

function send(destination: string, body: object, options: { secret?: string | string[]; id?: string; at?: Date; raw?: string } = {}) {
  const text = options.raw ?? JSON.stringify(body);
  const headers = signWebhook({
    id: options.id ?? `msg_${crypto.randomUUID()}`,
    timestamp: options.at ?? svc.clock.now(),
    body: text,
    secrets: options.secret ?? POLICE_SECRET,
  });
  return request(app).post(`/v1/acks/${destination}`).set(headers).set('Content-Type', 'application/json').send(text);
}

async function snapshot(id: string) {
  const h = await svc.ctx.store.getHandover(id);
  return { state: h?.state, acks: (await svc.ctx.store.listAcks(id)).length, audit: (await svc.ctx.store.verifyAudit()).events };
}

describe('POST /v1/acks/:destination', () => {
  it('applies a signed police "registered" as the acknowledgement', async () => {
    const id = await deliveredHandover('police');
    const res = await send('police', { handoverId: id, status: 'registered', reference: 'PV-2026-77' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ applied: true, state: 'acknowledged' });
    expect(await svc.ctx.store.listAcks(id)).toMatchObject([{ source: 'callback', status: 'registered', reference: 'PV-2026-77', applied: true }]);
    const audit = await svc.ctx.store.listAuditEvents(id);
    // The transition, then the acknowledgement itself as an event of the same chain.
    expect(audit.at(-2)).toMatchObject({ actor: 'destination:police', fromState: 'delivered', toState: 'acknowledged' });
    expect(audit.at(-1)).toMatchObject({
      kind: 'acknowledgement',
      data: { acknowledgement: { status: 'registered', reference: 'PV-2026-77', applied: true } },
    });
  });

  it('accepts a signature made with the standardwebhooks package', async () => {
    const id = await deliveredHandover('police');
    const body = JSON.stringify({ handoverId: id, status: 'registered' });
    const msgId = 'msg_interop_1';
    const signature = new Webhook(POLICE_SECRET).sign(msgId, svc.clock.now(), body);
    const res = await request(app)
      .post('/v1/acks/police')
      .set({
        'webhook-id': msgId,
        'webhook-timestamp': String(Math.floor(svc.clock.now().getTime() / 1000)),
        'webhook-signature': signature,
        'content-type': 'application/json',
      })
      .send(body);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe('acknowledged');
  });

  it('accepts the previous secret during a rotation', async () => {
    const id = await deliveredHandover('police');
    const res = await send('police', { handoverId: id, status: 'registered' }, { secret: OLD_POLICE_SECRET });
    expect(res.status).toBe(200);
  });

  it('closes on a police "closed", and fails on "rejected"', async () => {
    const a = await deliveredHandover('police', 'R-closed');
    expect((await send('police', { handoverId: a, status: 'closed' })).body).toMatchObject({ state: 'closed' });
    const b = await deliveredHandover('police', 'R-rejected');
    await send('police', { handoverId: b, status: 'rejected', reason: 'not a case for us' });
    expect(await svc.ctx.store.getHandover(b)).toMatchObject({ state: 'failed', failureReason: 'not a case for us' });
  });

  it('answers 404 to a callback for inhope, signed or not: ICCAM has no callbacks, and nothing changes', async () => {
    const id = await deliveredHandover('inhope');
    const before = await snapshot(id);
    const res = await send('inhope', { handoverId: id, status: 'LEA' }, { secret: INHOPE_SECRET });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('no_callbacks');
    expect(res.body.error.message).toMatch(/ICCAM has no callbacks/);
    expect(await snapshot(id)).toEqual(before);
  });

  const refusals: [string, (id: string) => ReturnType<typeof send>, number, string][] = [
    ['a bad signature', (id) => send('police', { handoverId: id, status: 'registered' }, { secret: 'some-other-secret-entirely-0000' }), 401, 'bad_signature'],
    [
      'a timestamp more than 5 minutes old',
      (id) => send('police', { handoverId: id, status: 'registered' }, { at: new Date(svc.clock.now().getTime() - 301_000) }),
      401,
      'timestamp_too_old',
    ],
    [
      'a timestamp more than 5 minutes ahead',
      (id) => send('police', { handoverId: id, status: 'registered' }, { at: new Date(svc.clock.now().getTime() + 301_000) }),
      401,
      'timestamp_in_future',
    ],
    [
      'missing signature headers',
      (id) => request(app).post('/v1/acks/police').set('Content-Type', 'application/json').send({ handoverId: id, status: 'registered' }),
      401,
      'missing_headers',
    ],
    ['an unknown status', (id) => send('police', { handoverId: id, status: 'LEA' }), 400, 'validation_failed'],
    ['a body that is not the schema', (id) => send('police', { handoverId: id, state: 'registered' }), 400, 'validation_failed'],
  ];
  for (const [name, call, status, code] of refusals) {
    it(`refuses ${name} (${status} ${code}) and changes nothing`, async () => {
      const id = await deliveredHandover('police');
      const before = await snapshot(id);
      const res = await call(id);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect(await snapshot(id)).toEqual(before);
    });
  }

  it('refuses a replayed webhook-id and changes nothing', async () => {
    const id = await deliveredHandover('police');
    expect((await send('police', { handoverId: id, status: 'received' }, { id: 'msg_once' })).status).toBe(200);
    const before = await snapshot(id);
    const replay = await send('police', { handoverId: id, status: 'registered' }, { id: 'msg_once' });
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('webhook_replayed');
    expect(await snapshot(id)).toEqual(before);
  });

  it('refuses a callback for an unknown handover, and records it', async () => {
    const unknown = crypto.randomUUID();
    const res = await send('police', { handoverId: unknown, status: 'registered' });
    expect(res.status).toBe(404);
    const verify = await svc.ctx.store.verifyAudit();
    expect(verify.ok).toBe(true);
    expect(verify.events).toBe(1);
  });

  it('refuses news that would move a state backwards, records it, and never overwrites a final outcome', async () => {
    const id = await deliveredHandover('police');
    await send('police', { handoverId: id, status: 'closed' });
    expect((await svc.ctx.store.getHandover(id))!.state).toBe('closed');
    const res = await send('police', { handoverId: id, status: 'registered' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('ack_not_applied');
    expect(await svc.ctx.store.getHandover(id)).toMatchObject({ state: 'closed', outcome: 'closed' });
    const acks = await svc.ctx.store.listAcks(id);
    expect(acks.at(-1)).toMatchObject({ status: 'registered', applied: false });
    expect((await svc.ctx.store.listAuditEvents(id)).at(-1)).toMatchObject({ kind: 'ack_refused' });
  });

  it('refuses callbacks for a destination without a configured secret', async () => {
    const bare = await createTestService();
    const res = await request(createApp(bare.ctx))
      .post('/v1/acks/police')
      .set('Content-Type', 'application/json')
      .send({ handoverId: crypto.randomUUID(), status: 'registered' });
    expect(res.status).toBe(401);
    await bare.close();
  });
});
