/**
 * Who is at the console: reads the session cookie on every request and asks the store whether
 * that session still stands, and refuses what a request may not do (not signed in, cross-site,
 * missing CSRF token, wrong role).
 */
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseCookies, serialize } from 'cookie';
import type { Context } from '../../context.js';
import { coerceError } from '../../domain/errors.js';
import type { ConsoleSessionRecord } from '../../store/store.js';
import { keyTagOf, type SessionEnd } from './console-session.js';
import { isCrossSite } from './console-security.js';
import { field, page, type ConsoleKit } from './console-request.js';

export const SESSION_COOKIE = 'hrr_console';
export const PRE_SESSION_COOKIE = 'hrr_console_pre';

/** A session's last use is written at most this often: the idle limit is kept to about a minute. */
const TOUCH_EVERY_MS = 60_000;

declare module 'express-serve-static-core' {
  interface Request {
    /** The session this request's cookie named, when it no longer stands: why (for the sign-in page). */
    consoleSessionEnded?: SessionEnd;
  }
}

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookies(header)[name] : undefined;
}

export function setCookie(req: Request, res: Response, name: string, value: string, maxAgeSeconds: number): void {
  // Secure whenever this connection is TLS; behind a TLS-terminating proxy set it there too.
  res.append('Set-Cookie', serialize(name, value, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/console', maxAge: maxAgeSeconds }));
}

/** Whether the session's key is still configured as it was when it signed in; why not, otherwise. */
function keyVerdict(ctx: Context, record: ConsoleSessionRecord): 'key_removed' | 'key_changed' | null {
  const entry = ctx.config.apiKeys.find((k) => k.name === record.keyName);
  if (!entry) return 'key_removed';
  if (keyTagOf(entry) !== record.keyTag || entry.role !== record.role || entry.role === 'service') return 'key_changed';
  return null;
}

/**
 * Once per process: ends in the store the sessions of keys removed or changed since they
 * signed in (so no cookie of theirs works on any replica, however it is read) and forgets
 * sessions older than any could live. A failure is logged; each request checks its own key anyway.
 */
export async function sweepSessions(ctx: Context, kit: ConsoleKit): Promise<void> {
  const now = ctx.clock.now().getTime();
  try {
    for (const record of await ctx.store.listLiveConsoleSessions()) {
      const ended = keyVerdict(ctx, record);
      if (ended) await ctx.store.endConsoleSession(record.id, ended, now);
    }
    await ctx.store.pruneConsoleSessions(now - 2 * kit.codec.limits.maxSessionMs);
  } catch (error) {
    ctx.logger.warn('console session sweep failed', { component: 'console', error: coerceError(error).message });
  }
}

/** Reads the session from the store; a standing one is renewed (idle expiry) and names the caller for the logs. */
export function loadSession(ctx: Context, kit: ConsoleKit, swept: Promise<void>): RequestHandler {
  return async (req, res, next) => {
    // Nothing is served before the sweep has ended what it must (it runs once, at the first request).
    await swept;
    const cookie = readCookie(req, SESSION_COOKIE);
    const sid = cookie ? kit.codec.sidIn(cookie) : null;
    if (!sid) {
      if (cookie) setCookie(req, res, SESSION_COOKIE, '', 0);
      return next();
    }
    const now = ctx.clock.now().getTime();
    const record = await ctx.store.getConsoleSession(kit.codec.recordIdOf(sid));
    const ended: SessionEnd | null = !record
      ? 'expired'
      : record.endedAt !== null
        ? (record.endReason as SessionEnd)
        : (keyVerdict(ctx, record) ?? kit.codec.timedOut(record, now));
    if (!record || ended) {
      // A key removed or changed ends the record for good; running out of time needs no write.
      if (record && record.endedAt === null && (ended === 'key_removed' || ended === 'key_changed')) await ctx.store.endConsoleSession(record.id, ended, now);
      req.consoleSessionEnded = ended ?? 'expired';
      setCookie(req, res, SESSION_COOKIE, '', 0);
      return next();
    }
    if (now - record.seenAt >= TOUCH_EVERY_MS) await ctx.store.touchConsoleSession(record.id, now);
    req.consoleSession = {
      keyName: record.keyName,
      role: record.role as 'analyst' | 'supervisor',
      sid,
      recordId: record.id,
      issuedAt: record.issuedAt,
      seenAt: now,
      draft: record.draft,
    };
    req.caller = { keyName: record.keyName, role: req.consoleSession.role };
    setCookie(req, res, SESSION_COOKIE, kit.codec.cookieValue(sid), kit.codec.maxAgeSeconds(record.issuedAt, now));
    next();
  };
}

function refuse(kit: ConsoleKit, req: Request, res: Response, status: number, title: string, message: string): void {
  page(kit, req, res, 'error.njk', { title, message }, status);
}

/** Every unsafe request: from a console page of this origin, never from another site. */
export function sameOriginOnly(kit: ConsoleKit): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (isCrossSite({ secFetchSite: req.get('sec-fetch-site'), origin: req.get('origin'), host: req.get('host') })) {
      return refuse(kit, req, res, 403, 'Refused', 'This form did not come from the console.');
    }
    next();
  };
}

/**
 * Not signed in: a page is asked for again after signing in; a form sent is handed to
 * `keepForm` (which shows the sign-in page keeping what was typed, when it can) or refused.
 */
export function requireSignedIn(kit: ConsoleKit, keepForm: RequestHandler): RequestHandler {
  return (req, res, next) => {
    if (req.consoleSession) return next();
    if (req.method === 'GET' || req.method === 'HEAD') {
      const target = req.originalUrl.startsWith('/console/') ? req.originalUrl : '/console/';
      const ended = req.consoleSessionEnded ? `&ended=${req.consoleSessionEnded}` : '';
      return res.redirect(303, `/console/sign-in?next=${encodeURIComponent(target)}${ended}`);
    }
    return keepForm(req, res, next);
  };
}

/** A POST must carry its session's CSRF token. */
export function requireCsrf(kit: ConsoleKit): RequestHandler {
  return (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    const session = req.consoleSession;
    if (!session || !kit.codec.checkCsrf(session.sid, field(req.body, '_csrf'))) {
      return refuse(kit, req, res, 403, 'Refused', 'The form had no valid token: reload the page and try again.');
    }
    next();
  };
}

export function requireSupervisor(kit: ConsoleKit): RequestHandler {
  return (req, res, next) => {
    if (req.consoleSession?.role === 'supervisor') return next();
    refuse(kit, req, res, 403, 'Not allowed', 'Only a supervisor may do this.');
  };
}
