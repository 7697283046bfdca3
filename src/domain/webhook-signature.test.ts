import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SetupError } from './errors.js';
import { decodeWebhookSecret, signWebhook, verifyWebhook } from './webhook-signature.js';

const secret = `whsec_${Buffer.from('police-ack-secret-0123456789abcdef').toString('base64')}`;
const otherSecret = `whsec_${Buffer.from('a different secret, rotated in').toString('base64')}`;
const now = new Date('2026-11-29T10:00:00.000Z');
const body = JSON.stringify({ handoverId: 'h_01', status: 'registered', reference: 'PV-2026-1' });
const signed = (overrides: Partial<Parameters<typeof signWebhook>[0]> = {}) =>
  signWebhook({ id: 'msg_1', timestamp: now, body, secrets: secret, ...overrides });

describe('verifyWebhook', () => {
  it('accepts a correct signature and reports id and timestamp', () => {
    expect(verifyWebhook({ headers: signed(), body, secrets: secret, now })).toEqual({ ok: true, id: 'msg_1', timestamp: now });
  });

  it('reads header names in any case and repeated values', () => {
    const h = signed();
    const headers = { 'Webhook-Id': [h['webhook-id']], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'webhook-signature': [h['webhook-signature'], 'v1,junk'] };
    expect(verifyWebhook({ headers, body, secrets: secret, now }).ok).toBe(true);
  });

  it('verifies a Buffer body like its string', () => {
    expect(verifyWebhook({ headers: signed(), body: Buffer.from(body), secrets: secret, now }).ok).toBe(true);
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const)('refuses a request without %s', (name) => {
    const headers: Record<string, string> = { ...signed() };
    delete headers[name];
    expect(verifyWebhook({ headers, body, secrets: secret, now })).toMatchObject({ ok: false, code: 'missing_headers' });
    expect(verifyWebhook({ headers: { ...signed(), [name]: '' }, body, secrets: secret, now })).toMatchObject({ ok: false, code: 'missing_headers' });
  });

  it.each(['soon', '1.5', '-30', '1e9'])('refuses an unreadable timestamp %s', (timestamp) => {
    const headers = { ...signed(), 'webhook-timestamp': timestamp };
    expect(verifyWebhook({ headers, body, secrets: secret, now })).toMatchObject({ ok: false, code: 'malformed_headers' });
  });

  it.each([
    { offsetS: -300, result: 'ok' },
    { offsetS: 300, result: 'ok' },
    { offsetS: -301, result: 'timestamp_too_old' },
    { offsetS: 301, result: 'timestamp_in_future' },
    { offsetS: -86_400, result: 'timestamp_too_old' },
  ])('a timestamp $offsetS s from now → $result', ({ offsetS, result }) => {
    const headers = signed({ timestamp: now.getTime() / 1_000 + offsetS });
    const verification = verifyWebhook({ headers, body, secrets: secret, now });
    expect(verification.ok ? 'ok' : verification.code).toBe(result);
  });

  it.each([
    { name: 'a changed body', change: () => ({ headers: signed(), body: body.replace('registered', 'rejected') }) },
    { name: 'a changed id', change: () => ({ headers: { ...signed(), 'webhook-id': 'msg_2' }, body }) },
    { name: 'a changed timestamp', change: () => ({ headers: { ...signed(), 'webhook-timestamp': String(now.getTime() / 1_000 + 1) }, body }) },
    { name: 'another secret', change: () => ({ headers: signed({ secrets: otherSecret }), body }) },
    {
      name: 'a v2 entry beside a well-formed v1 entry of other bytes',
      change: () => ({
        headers: { ...signed(), 'webhook-signature': `${signed()['webhook-signature'].replace('v1,', 'v2,')} v1,${Buffer.alloc(32).toString('base64')}` },
        body,
      }),
    },
  ])('refuses $name as bad_signature', ({ change }) => {
    const { headers, body: sent } = change();
    expect(verifyWebhook({ headers, body: sent, secrets: secret, now })).toMatchObject({ ok: false, code: 'bad_signature' });
  });

  // What cannot be a signature, or an id too long to store, is refused from the headers alone:
  // the route answers it before reading the body.
  it.each([
    { name: 'only a v2 entry', signature: () => signed()['webhook-signature'].replace('v1,', 'v2,') },
    { name: 'a truncated signature', signature: () => signed()['webhook-signature'].slice(0, 20) },
    { name: 'entries without a version', signature: () => 'v1 , ,,,' },
    { name: 'seventeen entries', signature: () => Array.from({ length: 17 }, () => signed()['webhook-signature']).join(' ') },
  ])('refuses $name as malformed_headers, whatever the body', ({ signature }) => {
    const headers = { ...signed(), 'webhook-signature': signature() };
    expect(verifyWebhook({ headers, body: '', secrets: secret, now })).toMatchObject({ ok: false, code: 'malformed_headers' });
  });

  it.each([
    { name: '129 characters', id: 'm'.repeat(129) },
    { name: 'a space', id: 'msg 1' },
    { name: 'a line feed', id: 'msg\n1' },
    { name: 'non-ASCII', id: 'msg_é' },
  ])('refuses a webhook-id of $name as malformed_headers', ({ id }) => {
    const headers = signWebhook({ id, timestamp: now, body, secrets: secret });
    expect(verifyWebhook({ headers, body, secrets: secret, now })).toMatchObject({ ok: false, code: 'malformed_headers' });
    expect(verifyWebhook({ headers: signWebhook({ id: 'm'.repeat(128), timestamp: now, body, secrets: secret }), body, secrets: secret, now }).ok).toBe(true);
  });

  it('accepts any matching entry, as during the sender rotating its secret', () => {
    const headers = signed({ secrets: [otherSecret, secret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook({ headers, body, secrets: secret, now }).ok).toBe(true);
  });

  it('accepts any of several configured secrets, as during our rotation', () => {
    expect(verifyWebhook({ headers: signed({ secrets: otherSecret }), body, secrets: [secret, otherSecret], now }).ok).toBe(true);
    expect(verifyWebhook({ headers: signed({ secrets: otherSecret }), body, secrets: [], now })).toMatchObject({ code: 'bad_signature' });
  });

  it('uses a plain (non-whsec_) secret as its UTF-8 bytes', () => {
    const plain = 'geheim-sécret';
    const headers = signed({ secrets: plain });
    const expected = createHmac('sha256', Buffer.from(plain, 'utf8'))
      .update(`msg_1.${now.getTime() / 1_000}.${body}`)
      .digest('base64');
    expect(headers['webhook-signature']).toBe(`v1,${expected}`);
    expect(verifyWebhook({ headers, body, secrets: plain, now }).ok).toBe(true);
  });
});

describe('decodeWebhookSecret', () => {
  it('decodes whsec_ base64 and keeps plain strings as bytes', () => {
    expect(decodeWebhookSecret('whsec_aGVsbG8=').toString()).toBe('hello');
    expect(decodeWebhookSecret('hello').toString()).toBe('hello');
  });
  it.each(['', 'whsec_', 'whsec_not base64!', 'whsec_a'])('refuses %j', (bad) => {
    expect(() => decodeWebhookSecret(bad)).toThrow(SetupError);
  });
});

describe('interoperability with the standardwebhooks package', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const bodies = [body, JSON.stringify({ handoverId: 'h_é✓', status: 'LEA' }), ''];

  it.each(bodies)('verifies what the package signs (body %#)', (payload) => {
    const headers = {
      'webhook-id': 'msg_interop',
      'webhook-timestamp': String(now.getTime() / 1_000),
      'webhook-signature': new Webhook(secret).sign('msg_interop', now, payload),
    };
    expect(verifyWebhook({ headers, body: payload, secrets: secret, now }).ok).toBe(true);
    expect(verifyWebhook({ headers, body: `${payload} `, secrets: secret, now }).ok).toBe(false);
  });

  it.each(bodies)('signs what the package verifies (body %#)', (payload) => {
    vi.useFakeTimers({ now, toFake: ['Date'] });
    const headers = signWebhook({ id: 'msg_interop', timestamp: now, body: payload, secrets: secret });
    expect(() => new Webhook(secret).verify(payload, headers, { jsonParse: false })).not.toThrow();
    expect(() => new Webhook(otherSecret).verify(payload, headers, { jsonParse: false })).toThrow(/No matching signature/);
  });

  it('matches the package in raw format for a plain secret', () => {
    const plain = 'plain-ascii-secret';
    const headers = signWebhook({ id: 'msg_raw', timestamp: now, body, secrets: plain });
    expect(headers['webhook-signature']).toBe(new Webhook(plain, { format: 'raw' }).sign('msg_raw', now, body));
  });
});
