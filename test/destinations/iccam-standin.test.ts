import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { startCallbackReceiver } from './callback-receiver.js';
import { verifyWebhook } from '../../src/domain/webhook-signature.js';
import { createIccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { startIccamStandin } from '../../scripts/sandbox/iccam-standin.js';
import { deliveryRequest, routingDecision } from './delivery-request-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Parameters<typeof startIccamStandin>[0] = {}, timeoutMs = 2_000) {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const standin = await startIccamStandin({ username: 'be-hotline', password: 'pw', now: () => clock.now(), ...options });
  const iccam = createIccamAdapter({ baseUrl: standin.url, username: 'be-hotline', password: 'pw', timeoutMs, clock });
  cleanups.push(() => standin.close(), () => iccam.close());
  return { clock, standin, iccam };
}

describe('ICCAM adapter against the ICCAM stand-in', () => {
  it('two deliveries of one handover make one report; the repeat is a 409 counted as delivered', async () => {
    const { standin, iccam } = await setup();
    const first = await iccam.deliver(deliveryRequest());
    const second = await iccam.deliver(deliveryRequest());
    expect(first).toMatchObject({ kind: 'delivered', statusCode: 201, duplicate: false, reference: 'RPT-1', secondaryReference: 'CNT-1' });
    expect(second).toMatchObject({ kind: 'delivered', statusCode: 409, duplicate: true, reference: 'RPT-1', secondaryReference: 'CNT-1' });
    expect(standin.cases.size).toBe(1);
    expect(standin.cases.get('ho_01TEST')).toMatchObject({ posts: 2, assignedCountry: 'NL', hadAssignedCountry: true });
    expect(standin.stats.authentications).toBe(1);
  });

  it('an orphan arrives without an assigned country', async () => {
    const { standin, iccam } = await setup();
    await iccam.deliver(deliveryRequest({ decision: routingDecision({ country: 'ZZ', assignedCountry: null, rule: 'non-member-orphan' }) }));
    expect(standin.cases.get('ho_01TEST')).toMatchObject({ hadAssignedCountry: false, assignedCountry: null, hostingCountry: 'ZZ' });
  });

  it('actions appear on the stand-in clock: LEA acknowledges, CR closes', async () => {
    const { iccam, clock } = await setup({ behaviour: { ackAfterMs: 1_000, closeAfterMs: 10_000 } });
    const delivered = await iccam.deliver(deliveryRequest());
    if (delivered.kind !== 'delivered') throw new Error('not delivered');
    const ref = { handoverId: 'ho_01TEST', reference: delivered.reference, secondaryReference: delivered.secondaryReference ?? null };
    expect(await iccam.fetchStatus(ref)).toMatchObject({ effect: 'none' });
    clock.advance(1_000);
    expect(await iccam.fetchStatus(ref)).toMatchObject({ status: 'LEA', effect: 'acknowledge', reference: 'RPT-1' });
    clock.advance(9_000);
    expect(await iccam.fetchStatus(ref)).toMatchObject({ status: 'CR', effect: 'close', outcome: 'removed' });
  });

  it('a moved closing action reads as moved', async () => {
    const { iccam, clock } = await setup({ behaviour: { ackAfterMs: 0, closeAfterMs: 0, closeAction: 'MO' } });
    const delivered = await iccam.deliver(deliveryRequest());
    clock.advance(1);
    const ref = { handoverId: 'ho_01TEST', reference: 'RPT-1', secondaryReference: delivered.kind === 'delivered' ? delivered.secondaryReference : null };
    expect(await iccam.fetchStatus(ref)).toMatchObject({ status: 'MO', effect: 'moved' });
  });

  it('an expired token is refreshed, a revoked one re-authenticated once', async () => {
    const { standin, iccam, clock } = await setup({ tokenTtlSeconds: 300 });
    await iccam.deliver(deliveryRequest({ handoverId: 'ho_1' }));
    clock.advance(250_000); // within the renewal margin
    await iccam.deliver(deliveryRequest({ handoverId: 'ho_2' }));
    expect(standin.stats).toMatchObject({ authentications: 1, refreshes: 1, unauthorised: 0 });
    standin.revokeTokens();
    expect(await iccam.deliver(deliveryRequest({ handoverId: 'ho_3' }))).toMatchObject({ kind: 'delivered' });
    // The refresh token is still valid after a revocation of access tokens, so it is used.
    expect(standin.stats).toMatchObject({ authentications: 1, refreshes: 2, unauthorised: 1 });
    expect(standin.cases.size).toBe(3);
  });

  it('wrong credentials keep the handover for later', async () => {
    const { standin } = await setup();
    const wrong = createIccamAdapter({ baseUrl: standin.url, username: 'be-hotline', password: 'nope', timeoutMs: 2_000, clock: new ManualClock() });
    cleanups.push(() => wrong.close());
    expect(await wrong.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'auth_rejected', statusCode: 401 });
    expect(standin.cases.size).toBe(0);
  });

  it('misbehaves on demand and a lost reply is caught by the 409 on retry', async () => {
    const { standin, iccam } = await setup({}, 300);
    await iccam.deliver(deliveryRequest({ handoverId: 'ho_warm' })); // authenticate before the chaos
    standin.setBehaviour({ failRate: 1 });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'server_error' });
    standin.setBehaviour({ failRate: 0, timeoutRate: 1 });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'timeout' });
    standin.setBehaviour({ timeoutRate: 0, reject: 400 });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'failed', errorClass: 'rejected', statusCode: 400 });
    standin.setBehaviour({ reject: false, lostReplyRate: 1 });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'retry', errorClass: 'connection' });
    standin.setBehaviour({ lostReplyRate: 0 });
    expect(await iccam.deliver(deliveryRequest())).toMatchObject({ kind: 'delivered', duplicate: true });
    expect(standin.cases.get('ho_01TEST')?.posts).toBe(2);
  });

  it('sends signed callbacks as actions appear', async () => {
    const { port, received, close } = await startCallbackReceiver();
    cleanups.push(close);
    const secret = 'whsec_' + Buffer.from('iccam-ack-secret-bytes').toString('base64');
    const { standin, iccam, clock } = await setup({
      behaviour: { ackAfterMs: 1_000, closeAfterMs: 2_000, callback: { url: `http://127.0.0.1:${port}/v1/acks/inhope`, secret } },
    });
    await iccam.deliver(deliveryRequest());
    clock.advance(1_000);
    await standin.flushCallbacks();
    clock.advance(1_000);
    await standin.flushCallbacks();
    expect(received.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { handoverId: 'ho_01TEST', status: 'LEA', reference: 'RPT-1' },
      { handoverId: 'ho_01TEST', status: 'CR', reference: 'RPT-1' },
    ]);
    for (const r of received) expect(verifyWebhook({ headers: r.headers, body: r.body, secrets: secret, now: clock.now() }).ok).toBe(true);
  });
});
