import { describe, expect, it } from 'vitest';
import { hashKeySecret, type ApiKeyEntry } from '../../config/api-keys.js';
import { SessionCodec } from './console-session.js';

const entry: ApiKeyEntry = { name: 'alice', role: 'supervisor', sha256: hashKeySecret('alice-secret') };
const codec = new SessionCodec(Buffer.alloc(32, 7), { idleMs: 30 * 60_000, maxSessionMs: 12 * 3_600_000 });

describe('console sessions', () => {
  it('opens what it sealed, and nothing else', () => {
    const session = codec.newSession(entry, 1_000);
    const sealed = codec.seal(session);
    expect(codec.open(sealed, 2_000)).toEqual(session);
    const [body, mac] = sealed.split('.');
    const forged = Buffer.from(JSON.stringify({ ...session, role: 'supervisor', keyName: 'mallory' })).toString('base64url');
    expect(codec.open(`${forged}.${mac}`, 2_000)).toBeNull();
    expect(codec.open(`${body}.x${mac!.slice(1)}`, 2_000)).toBeNull();
    expect(new SessionCodec(Buffer.alloc(32, 8), { idleMs: 1e9, maxSessionMs: 1e9 }).open(sealed, 2_000)).toBeNull();
  });

  it('ends after the idle time, and after the absolute time however busy', () => {
    const session = codec.newSession(entry, 0);
    expect(codec.open(codec.seal(session), 30 * 60_000 - 1)).not.toBeNull();
    expect(codec.open(codec.seal(session), 30 * 60_000)).toBeNull();
    const busy = { ...session, seenAt: 12 * 3_600_000 - 10 };
    expect(codec.open(codec.seal(busy), 12 * 3_600_000)).toBeNull();
    expect(codec.maxAgeSeconds({ ...session, seenAt: 12 * 3_600_000 - 60_000 }, 12 * 3_600_000 - 60_000)).toBe(60);
  });

  it('accepts only the CSRF token of the same session', () => {
    const a = codec.newSession(entry, 0);
    const b = codec.newSession(entry, 0);
    expect(codec.checkCsrf(a.sid, codec.csrfToken(a.sid))).toBe(true);
    expect(codec.checkCsrf(a.sid, codec.csrfToken(b.sid))).toBe(false);
    expect(codec.checkCsrf(a.sid, undefined)).toBe(false);
    expect(codec.checkCsrf(a.sid, '')).toBe(false);
  });
});
