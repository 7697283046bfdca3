/**
 * Sign-in with a person's own API key, and sign-out. The sign-in form has its own CSRF token,
 * tied to a short-lived pre-session cookie, so a sign-in cannot be forced from another site
 * (login CSRF); the console's own rate limit slows down guessing.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Context } from '../../../context.js';
import { findApiKey } from '../../../config/api-keys.js';
import { PRE_SESSION_COOKIE, SESSION_COOKIE, readCookie, requireCsrf, setCookie } from '../console-auth.js';
import { field, page, type ConsoleKit } from '../console-request.js';

/** Only console paths, never another host or a protocol-relative URL. */
function safeNext(value: string): string {
  return /^\/console\/[^/\\]?/.test(value) && !value.startsWith('//') && !/[\\\r\n]/.test(value) ? value : '/console/';
}

export function signInRoutes(ctx: Context, kit: ConsoleKit): Router {
  const router = Router();
  const log = ctx.logger.child({ component: 'console' });

  const form = (req: Request, res: Parameters<typeof page>[2], locals: { problem?: string; notice?: string; next?: string }, status = 200) => {
    let pre = readCookie(req, PRE_SESSION_COOKIE);
    if (!pre || !/^[A-Za-z0-9_-]{24}$/.test(pre)) {
      pre = randomBytes(18).toString('base64url');
      setCookie(req, res, PRE_SESSION_COOKIE, pre, 3600);
    }
    page(
      kit,
      req,
      res,
      'sign-in.njk',
      { title: 'Sign in', next: safeNext(locals.next ?? '/console/'), ...locals, session: null, csrf: kit.codec.csrfToken(`pre:${pre}`) },
      status,
    );
  };

  router.get('/console/sign-in', (req, res) => {
    if (req.consoleSession) return res.redirect(303, safeNext(field(req.query, 'next')));
    form(req, res, { next: field(req.query, 'next'), ...(field(req.query, 'signed-out') ? { notice: 'You are signed out.' } : {}) });
  });

  router.post(
    '/console/sign-in',
    rateLimit({
      windowMs: 60_000,
      limit: ctx.config.console.signInPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (req, res) => form(req, res, { problem: 'Too many sign-in attempts from here. Wait a minute and try again.' }, 429),
    }),
    (req, res) => {
      const pre = readCookie(req, PRE_SESSION_COOKIE);
      const next = field(req.body, 'next');
      if (!pre || !kit.codec.checkCsrf(`pre:${pre}`, field(req.body, '_csrf'))) {
        return form(req, res, { problem: 'The sign-in form had expired. Try again.', next }, 403);
      }
      const entry = findApiKey(ctx.config.apiKeys, field(req.body, 'apiKey'));
      if (!entry) {
        log.warn('console sign-in refused', { requestId: req.requestId, reason: 'unknown key' });
        return form(req, res, { problem: 'That key is not valid.', next }, 401);
      }
      if (entry.role === 'service') {
        log.warn('console sign-in refused', { requestId: req.requestId, key: entry.name, reason: 'service key' });
        return form(req, res, { problem: 'This key belongs to a system, not a person. Sign in with your own key.', next }, 403);
      }
      const now = ctx.clock.now().getTime();
      const session = kit.codec.newSession(entry, now);
      setCookie(req, res, SESSION_COOKIE, kit.codec.seal(session), kit.codec.maxAgeSeconds(session, now));
      setCookie(req, res, PRE_SESSION_COOKIE, '', 0);
      log.info('console sign-in', { requestId: req.requestId, key: entry.name, role: entry.role });
      res.redirect(303, safeNext(next));
    },
  );

  router.post(
    '/console/sign-out',
    (req, res, next) => (req.consoleSession ? next() : res.redirect(303, '/console/sign-in')),
    requireCsrf(kit),
    (req, res) => {
      setCookie(req, res, SESSION_COOKIE, '', 0);
      log.info('console sign-out', { requestId: req.requestId, key: req.consoleSession?.keyName });
      res.redirect(303, '/console/sign-in?signed-out=1');
    },
  );
  return router;
}
