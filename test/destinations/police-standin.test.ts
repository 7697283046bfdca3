import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { startCallbackReceiver } from './callback-receiver.js';
import { verifyWebhook } from '../../src/domain/webhook-signature.js';
import { createPoliceAdapter } from '../../src/delivery/destinations/police-export.js';
import { startPoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { policeRequest } from './delivery-request-fixture.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Parameters<typeof startPoliceStandin>[0] = {}, timeoutMs = 2_000) {
  const clock = new ManualClock('2026-01-01T00:00:00Z');
  const standin = await startPoliceStandin({ token: 'secret-token', now: () => clock.now(), ...options });
  const police = createPoliceAdapter({ baseUrl: standin.url, token: 'secret-token', timeoutMs, clock });
  cleanups.push(
    () => standin.close(),
    () => police.close(),
  );
  return { clock, standin, police };
}

describe('police adapter against the police stand-in', () => {
  it('two deliveries of one handover make one case, and both are delivered', async () => {
    const { standin, police } = await setup();
    const first = await police.deliver(policeRequest());
    const second = await police.deliver(policeRequest());
    expect(first).toMatchObject({ kind: 'delivered', statusCode: 201, duplicate: false });
    expect(second).toMatchObject({ kind: 'delivered', statusCode: 200, duplicate: true });
    expect(second.kind === 'delivered' && second.reference).toBe(first.kind === 'delivered' && first.reference);
    expect(standin.cases.size).toBe(1);
    expect(standin.cases.get('ho_01TEST')?.posts).toBe(2);
  });

  it('the status advances received → registered → closed on the stand-in clock', async () => {
    const { standin, police, clock } = await setup({ behaviour: { ackAfterMs: 1_000, closeAfterMs: 5_000 } });
    const delivered = await police.deliver(policeRequest());
    const ref = { handoverId: 'ho_01TEST', reference: delivered.kind === 'delivered' ? delivered.reference : '' };
    expect(await police.fetchStatus(ref)).toMatchObject({ status: 'received', effect: 'none' });
    clock.advance(1_000);
    expect(await police.fetchStatus(ref)).toMatchObject({ status: 'registered', effect: 'acknowledge', reference: standin.cases.get('ho_01TEST')?.caseNumber });
    clock.advance(4_000);
    // Closed, and the content came down when it closed: a removal, with its time.
    expect(await police.fetchStatus(ref)).toMatchObject({ status: 'closed', effect: 'close', outcome: 'removed', removedAt: '2026-01-01T00:00:05.000Z' });
  });

  it('a case closed without a word on the content is only closed; a removal a test reports comes with its time, also by callback', async () => {
    const { port, received, close } = await startCallbackReceiver();
    cleanups.push(close);
    const { standin, police, clock } = await setup({
      reportsRemoval: false,
      behaviour: { ackAfterMs: 1_000, closeAfterMs: 5_000, callback: { url: `http://127.0.0.1:${port}/v1/acks/police`, secret: 'police-ack-secret' } },
    });
    await police.deliver(policeRequest());
    const ref = { handoverId: 'ho_01TEST', reference: 'x' };
    clock.advance(5_000);
    expect(await police.fetchStatus(ref)).toMatchObject({ status: 'closed', effect: 'close', outcome: 'closed', removedAt: null });
    await standin.flushCallbacks();
    standin.removeContent('ho_01TEST', new Date('2026-01-01T00:00:07Z'));
    expect(await police.fetchStatus(ref)).toMatchObject({ status: 'closed', outcome: 'removed', removedAt: '2026-01-01T00:00:07.000Z' });
    await standin.flushCallbacks();
    expect(received.map((r) => JSON.parse(r.body) as { status: string; contentRemovedAt?: string })).toEqual([
      expect.objectContaining({ status: 'closed' }),
      expect.objectContaining({ status: 'closed', contentRemovedAt: '2026-01-01T00:00:07.000Z' }),
    ]);
    expect(received[0]!.body).not.toContain('contentRemovedAt');
  });

  it('dropAcks keeps every case at received', async () => {
    const { police, clock } = await setup({ behaviour: { dropAcks: true } });
    await police.deliver(policeRequest());
    clock.advance(86_400_000);
    expect(await police.fetchStatus({ handoverId: 'ho_01TEST', reference: 'x' })).toMatchObject({ status: 'received', effect: 'none' });
  });

  it('misbehaves on demand: 500, 429 with Retry-After, a hang, a rejection', async () => {
    const { standin, police } = await setup({}, 300);
    standin.setBehaviour({ failRate: 1 });
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'server_error', statusCode: 500 });
    standin.setBehaviour({ failRate: 0, rateLimitRate: 1, retryAfterSeconds: 7 });
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'rate_limited', retryAfterMs: 7_000 });
    standin.setBehaviour({ rateLimitRate: 0, timeoutRate: 1 });
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'timeout' });
    standin.setBehaviour({ timeoutRate: 0, reject: 422 });
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'failed', errorClass: 'rejected', statusCode: 422 });
    expect(standin.cases.size).toBe(0);
  });

  it('a lost reply is retried, and the retry finds the case already there', async () => {
    const { standin, police } = await setup({ behaviour: { lostReplyRate: 1 } });
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'retry', errorClass: 'connection' });
    standin.setBehaviour({ lostReplyRate: 0 });
    expect(await police.deliver(policeRequest())).toMatchObject({ kind: 'delivered', duplicate: true });
    expect(standin.cases.size).toBe(1);
  });

  it('refuses a wrong token and a body whose sha256 does not match', async () => {
    const { standin } = await setup();
    const wrong = createPoliceAdapter({ baseUrl: standin.url, token: 'wrong', timeoutMs: 2_000, clock: new ManualClock() });
    cleanups.push(() => wrong.close());
    expect(await wrong.deliver(policeRequest())).toMatchObject({ kind: 'failed', statusCode: 401 });
    const tampered = await fetch(`${standin.url}/exports`, {
      method: 'POST',
      headers: { Authorization: 'Bearer secret-token', 'Content-Type': 'application/json' },
      body: JSON.stringify({ handoverId: 'ho_X', url: 'https://x.example', sha256: '00' }),
    });
    expect(tampered.status).toBe(422);
    expect(standin.cases.size).toBe(0);
  });

  it('the same seed gives the same chaos sequence', async () => {
    async function run(seed: number): Promise<string[]> {
      const { police } = await setup({ seed, behaviour: { failRate: 0.5 } });
      const kinds: string[] = [];
      for (let i = 0; i < 12; i += 1) kinds.push((await police.deliver(policeRequest({ handoverId: `ho_${i}` }))).kind);
      return kinds;
    }
    const a = await run(42);
    const b = await run(42);
    expect(a).toEqual(b);
    expect(new Set(a)).toEqual(new Set(['retry', 'delivered']));
  });

  it('sends a signed acknowledgement callback when the case is registered', async () => {
    const { port, received, close } = await startCallbackReceiver();
    cleanups.push(close);
    const { standin, police, clock } = await setup({
      behaviour: { ackAfterMs: 60_000, callback: { url: `http://127.0.0.1:${port}/v1/acks/police`, secret: 'police-ack-secret' } },
    });
    await police.deliver(policeRequest());
    await standin.flushCallbacks();
    expect(received).toHaveLength(0); // not due yet
    clock.advance(60_000);
    await standin.flushCallbacks();
    await standin.flushCallbacks(); // nothing new: no second callback
    expect(received).toHaveLength(1);
    const [callback] = received;
    expect(JSON.parse(callback!.body)).toEqual({ handoverId: 'ho_01TEST', status: 'registered', reference: standin.cases.get('ho_01TEST')?.caseNumber });
    const verified = verifyWebhook({ headers: callback!.headers, body: callback!.body, secrets: 'police-ack-secret', now: clock.now() });
    expect(verified.ok).toBe(true);
    expect(standin.callbacks).toMatchObject([{ handoverId: 'ho_01TEST', status: 'registered', answeredWith: 204 }]);
  });
});
