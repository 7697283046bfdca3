import { describe, expect, it } from 'vitest';
import { SessionCodec } from './console-session.js';

const codec = new SessionCodec(Buffer.alloc(32, 7), { idleMs: 30 * 60_000, maxSessionMs: 12 * 3_600_000 });

describe('console sessions', () => {
  it('reads back the id of a cookie it made, and of no other', () => {
    const sid = codec.newSid();
    expect(codec.sidIn(codec.cookieValue(sid))).toBe(sid);
    const [, mac] = codec.cookieValue(sid).split('.');
    expect(codec.sidIn(`${codec.newSid()}.${mac}`)).toBeNull();
    expect(codec.sidIn(`${sid}.x${mac!.slice(1)}`)).toBeNull();
    expect(new SessionCodec(Buffer.alloc(32, 8), codec.limits).sidIn(codec.cookieValue(sid))).toBeNull();
    expect(codec.sidIn('no-dot')).toBeNull();
  });

  it('names a session in the store by a hash of its id, never the id', () => {
    const sid = codec.newSid();
    expect(codec.recordIdOf(sid)).toMatch(/^[0-9a-f]{64}$/);
    expect(codec.recordIdOf(sid)).not.toContain(sid);
  });

  it('ends after the idle time, and after the absolute time however busy', () => {
    expect(codec.timedOut({ issuedAt: 0, seenAt: 0 }, 30 * 60_000 - 1)).toBeNull();
    expect(codec.timedOut({ issuedAt: 0, seenAt: 0 }, 30 * 60_000)).toBe('idle');
    expect(codec.timedOut({ issuedAt: 0, seenAt: 12 * 3_600_000 - 10 }, 12 * 3_600_000)).toBe('expired');
    expect(codec.maxAgeSeconds(0, 12 * 3_600_000 - 60_000)).toBe(60);
    expect(codec.maxAgeSeconds(0, 0)).toBe(1800);
  });

  it('accepts only the CSRF token of the same session', () => {
    const a = codec.newSid();
    const b = codec.newSid();
    expect(codec.checkCsrf(a, codec.csrfToken(a))).toBe(true);
    expect(codec.checkCsrf(a, codec.csrfToken(b))).toBe(false);
    expect(codec.checkCsrf(a, undefined)).toBe(false);
    expect(codec.checkCsrf(a, '')).toBe(false);
  });

  it('opens what it sealed for the same purpose, and nothing else', () => {
    const sealed = codec.seal('draft', { reason: 'kept' });
    expect(codec.open('draft', sealed)).toEqual({ reason: 'kept' });
    expect(codec.open('other', sealed)).toBeNull();
    const [, mac] = sealed.split('.');
    expect(codec.open('draft', `${Buffer.from('{"reason":"forged"}').toString('base64url')}.${mac}`)).toBeNull();
  });
});
