/**
 * Console sessions: a signed cookie, so any replica sharing CONSOLE_SESSION_SECRET can read
 * it and nothing is stored server-side. The cookie names the key (never holds it), carries a
 * short tag of the key's hash so a removed or replaced key ends its sessions at once, and two
 * times: when it was issued (absolute expiry) and when it was last used (idle expiry, renewed on
 * every request). CSRF tokens are an HMAC of the session's random id: valid for that session only.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ApiKeyEntry, KeyRole } from '../../config/api-keys.js';

export interface ConsoleSession {
  keyName: string;
  role: KeyRole;
  /** First 16 hex digits of the key's SHA-256: binds the session to this very key. */
  keyTag: string;
  /** Random id: what CSRF tokens are derived from. */
  sid: string;
  issuedAt: number;
  seenAt: number;
}

export interface SessionLimits {
  idleMs: number;
  maxSessionMs: number;
}

export const keyTagOf = (entry: ApiKeyEntry): string => entry.sha256.toString('hex').slice(0, 16);

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class SessionCodec {
  constructor(
    private readonly secret: Buffer,
    private readonly limits: SessionLimits,
  ) {}

  private mac(purpose: string, text: string): string {
    return createHmac('sha256', this.secret).update(`${purpose}\n${text}`).digest('base64url');
  }

  newSession(entry: ApiKeyEntry, now: number): ConsoleSession {
    return { keyName: entry.name, role: entry.role, keyTag: keyTagOf(entry), sid: randomBytes(18).toString('base64url'), issuedAt: now, seenAt: now };
  }

  seal(session: ConsoleSession): string {
    const body = Buffer.from(JSON.stringify(session)).toString('base64url');
    return `${body}.${this.mac('session', body)}`;
  }

  /** The session in a cookie value, or null when it is forged, malformed or expired. */
  open(value: string, now: number): ConsoleSession | null {
    const dot = value.indexOf('.');
    if (dot < 1) return null;
    const body = value.slice(0, dot);
    if (!equalText(value.slice(dot + 1), this.mac('session', body))) return null;
    let session: ConsoleSession;
    try {
      session = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ConsoleSession;
    } catch {
      return null;
    }
    if (typeof session.issuedAt !== 'number' || typeof session.seenAt !== 'number') return null;
    if (now - session.issuedAt >= this.limits.maxSessionMs || now - session.seenAt >= this.limits.idleMs || session.seenAt > now + 60_000) return null;
    return session;
  }

  /** Seconds the renewed cookie may live: the idle limit, but never past the absolute one. */
  maxAgeSeconds(session: ConsoleSession, now: number): number {
    return Math.max(0, Math.floor(Math.min(this.limits.idleMs, session.issuedAt + this.limits.maxSessionMs - now) / 1000));
  }

  csrfToken(sid: string): string {
    return this.mac('csrf', sid);
  }

  checkCsrf(sid: string, token: unknown): boolean {
    return typeof token === 'string' && token.length > 0 && equalText(token, this.csrfToken(sid));
  }
}
