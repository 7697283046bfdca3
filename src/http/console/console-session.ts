/**
 * Console sessions: the server keeps each sign-in (the store's console sessions), and the
 * cookie carries only the session's random id, signed with CONSOLE_SESSION_SECRET. The store
 * holds the id's SHA-256, never the id, so neither a copied table nor a forged cookie opens a
 * session; signing out, or removing or changing the key, ends it for every copy of the cookie.
 * A session ends after its idle time without use and after its absolute time in any case.
 * CSRF tokens are an HMAC of the session's id: valid for that session only.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry, KeyRole } from '../../config/api-keys.js';

/** The signed-in person, as a request sees them. */
export interface ConsoleSession {
  keyName: string;
  role: KeyRole;
  /** The session's random id (from the cookie): what CSRF tokens are derived from. */
  sid: string;
  /** The store's name for the session: the SHA-256 of `sid`. */
  recordId: string;
  issuedAt: number;
  seenAt: number;
  /** A form kept across the sign-in (a sealed FormDraft), until shown again. */
  draft: string | null;
}

export interface SessionLimits {
  idleMs: number;
  maxSessionMs: number;
}

/** Why a session in the store no longer opens anything (the sign-in page says so in words). */
export type SessionEnd = 'signed_out' | 'idle' | 'expired' | 'key_removed' | 'key_changed';

/** First 16 hex digits of the key's SHA-256: binds a session to this very key. */
export const keyTagOf = (entry: ApiKeyEntry): string => entry.sha256.toString('hex').slice(0, 16);

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionCodec {
  constructor(
    private readonly secret: Buffer,
    readonly limits: SessionLimits,
  ) {}

  private mac(purpose: string, text: string): string {
    return createHmac('sha256', this.secret).update(`${purpose}\n${text}`).digest('base64url');
  }

  /** A new random session id (144 bits). */
  newSid(): string {
    return randomBytes(18).toString('base64url');
  }

  recordIdOf(sid: string): string {
    return createHash('sha256').update(sid).digest('hex');
  }

  cookieValue(sid: string): string {
    return `${sid}.${this.mac('session', sid)}`;
  }

  /** The session id a cookie carries, or null when it is forged or malformed. */
  sidIn(cookie: string): string | null {
    const dot = cookie.indexOf('.');
    if (dot < 1) return null;
    const sid = cookie.slice(0, dot);
    return equalText(cookie.slice(dot + 1), this.mac('session', sid)) ? sid : null;
  }

  /** Why a session last used at `seenAt` and issued at `issuedAt` has run out by `now`, or null. */
  timedOut(times: { issuedAt: number; seenAt: number }, now: number): 'idle' | 'expired' | null {
    if (now - times.issuedAt >= this.limits.maxSessionMs) return 'expired';
    if (now - times.seenAt >= this.limits.idleMs) return 'idle';
    return null;
  }

  /** Seconds the renewed cookie may live: the idle limit, but never past the absolute one. */
  maxAgeSeconds(issuedAt: number, now: number): number {
    return Math.max(0, Math.floor(Math.min(this.limits.idleMs, issuedAt + this.limits.maxSessionMs - now) / 1000));
  }

  csrfToken(sid: string): string {
    return this.mac('csrf', sid);
  }

  checkCsrf(sid: string, token: unknown): boolean {
    return typeof token === 'string' && token.length > 0 && equalText(token, this.mac('csrf', sid));
  }

  /** A value that comes back through the browser (a hidden form field) unchanged, or not at all. */
  seal(purpose: string, value: unknown): string {
    const body = Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${body}.${this.mac(purpose, body)}`;
  }

  open(purpose: string, sealed: string): unknown {
    const dot = sealed.indexOf('.');
    if (dot < 1 || !equalText(sealed.slice(dot + 1), this.mac(purpose, sealed.slice(0, dot)))) return null;
    try {
      return JSON.parse(Buffer.from(sealed.slice(0, dot), 'base64url').toString('utf8')) as unknown;
    } catch {
      return null;
    }
  }
}
