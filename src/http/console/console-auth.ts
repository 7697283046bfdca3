/**
 * Who is at the console: reads and renews the session cookie on every request, and refuses
 * what a request may not do (not signed in, cross-site, missing CSRF token, wrong role).
 */
import type { Request, RequestHandler, Response } from 'express';
import { parse as parseCookies, serialize } from 'cookie';
import type { Context } from '../../context.js';
import { keyTagOf } from './console-session.js';
import { isCrossSite } from './console-security.js';
import { field, page, type ConsoleKit } from './console-request.js';

export const SESSION_COOKIE = 'hrr_console';
export const PRE_SESSION_COOKIE = 'hrr_console_pre';

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookies(header)[name] : undefined;
}

export function setCookie(req: Request, res: Response, name: string, value: string, maxAgeSeconds: number): void {
  // Secure whenever this connection is TLS; behind a TLS-terminating proxy set it there too.
  res.append('Set-Cookie', serialize(name, value, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/console', maxAge: maxAgeSeconds }));
}

/** Reads the session; a valid one is renewed (idle expiry) and names the caller for the logs. */
export function loadSession(ctx: Context, kit: ConsoleKit): RequestHandler {
  return (req, res, next) => {
    const value = readCookie(req, SESSION_COOKIE);
    if (!value) return next();
    const now = ctx.clock.now().getTime();
    const session = kit.codec.open(value, now);
    // The key must still be configured, unchanged and with the same role.
    const entry = session ? ctx.config.apiKeys.find((k) => k.name === session.keyName) : undefined;
    if (!session || !entry || keyTagOf(entry) !== session.keyTag || entry.role !== session.role || entry.role === 'service') {
      setCookie(req, res, SESSION_COOKIE, '', 0);
      return next();
    }
    const renewed = { ...session, seenAt: now };
    req.consoleSession = renewed;
    req.caller = { keyName: session.keyName, role: session.role };
    setCookie(req, res, SESSION_COOKIE, kit.codec.seal(renewed), kit.codec.maxAgeSeconds(renewed, now));
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

export function requireSignedIn(kit: ConsoleKit): RequestHandler {
  return (req, res, next) => {
    if (req.consoleSession) return next();
    if (req.method === 'GET' || req.method === 'HEAD') {
      const target = req.originalUrl.startsWith('/console/') ? req.originalUrl : '/console/';
      return res.redirect(303, `/console/sign-in?next=${encodeURIComponent(target)}`);
    }
    refuse(kit, req, res, 401, 'Signed out', 'Your session has ended. Sign in again.');
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
