/**
 * Sign-in with a person's own API key, and sign-out. The sign-in form has its own CSRF token,
 * tied to a short-lived pre-session cookie, so a sign-in cannot be forced from another site
 * (login CSRF); the console's own rate limit slows down guessing. A form sent after the
 * session ran out is not lost: the sign-in page keeps it (sealed), the new session holds it,
 * and the handover's page shows it again filled in, for the person to send.
 */
import { randomBytes } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Context } from '../../../context.js';
import { findApiKey } from '../../../config/api-keys.js';
import { PRE_SESSION_COOKIE, SESSION_COOKIE, readCookie, requireCsrf, setCookie } from '../console-auth.js';
import { field, page, type ConsoleKit } from '../console-request.js';
import { keyTagOf, type SessionEnd } from '../console-session.js';
import { draftOf, openDraft, sealDraft } from '../form-draft.js';
import { findAction, postedFields } from '../handover-actions.js';

/** Only console paths, never another host or a protocol-relative URL. */
function safeNext(value: string): string {
  return /^\/console\/[^/\\]?/.test(value) && !value.startsWith('//') && !/[\\\r\n]/.test(value) ? value : '/console/';
}

const ACTION_PATH = /^\/console\/handovers\/([^/?#]+)\/([a-z-]+)$/;
const uuid = z.uuid();

function endedInWords(ended: SessionEnd | undefined, idleMinutes: number): string | undefined {
  switch (ended) {
    case 'idle':
      return `Your session ended after ${idleMinutes} minutes without use.`;
    case 'expired':
      return 'Your session has ended.';
    case 'signed_out':
      return 'That session was signed out.';
    case 'key_removed':
    case 'key_changed':
      return 'Your key was removed or changed, which ended your session.';
    default:
      return undefined;
  }
}

interface FormLocals {
  problem?: string | undefined;
  notice?: string | undefined;
  next?: string;
  /** A sealed draft to carry through the sign-in. */
  draft?: string;
}

export function signInRoutes(ctx: Context, kit: ConsoleKit): { routes: Router; keepFormAcrossSignIn: RequestHandler } {
  const router = Router();
  const log = ctx.logger.child({ component: 'console' });
  const idleMinutes = Math.round(kit.codec.limits.idleMs / 60_000);

  const form = (req: Request, res: Response, locals: FormLocals, status = 200) => {
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
    // Why the last session ended: this request's cookie says, or the redirect that brought it here.
    const ended = req.consoleSessionEnded ?? (field(req.query, 'ended') as SessionEnd);
    const notice = field(req.query, 'signed-out') ? 'You are signed out.' : endedInWords(ended, idleMinutes);
    form(req, res, { next: field(req.query, 'next'), notice });
  });

  router.post(
    '/console/sign-in',
    rateLimit({
      windowMs: 60_000,
      limit: ctx.config.console.signInPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (req, res) =>
        form(
          req,
          res,
          { problem: 'Too many sign-in attempts from here. Wait a minute and try again.', next: field(req.body, 'next'), draft: field(req.body, 'draft') },
          429,
        ),
    }),
    async (req, res) => {
      const pre = readCookie(req, PRE_SESSION_COOKIE);
      const next = field(req.body, 'next');
      const now = ctx.clock.now().getTime();
      const draft = field(req.body, 'draft') ? openDraft(kit.codec, field(req.body, 'draft'), now) : null;
      const again = { next, ...(draft ? { draft: field(req.body, 'draft') } : {}) };
      if (!pre || !kit.codec.checkCsrf(`pre:${pre}`, field(req.body, '_csrf'))) {
        return form(req, res, { problem: 'The sign-in form had expired. Try again.', ...again }, 403);
      }
      const entry = findApiKey(ctx.config.apiKeys, field(req.body, 'apiKey'));
      if (!entry) {
        log.warn('console sign-in refused', { requestId: req.requestId, reason: 'unknown key' });
        return form(req, res, { problem: 'That key is not valid.', ...again }, 401);
      }
      if (entry.role === 'service') {
        log.warn('console sign-in refused', { requestId: req.requestId, key: entry.name, reason: 'service key' });
        return form(req, res, { problem: 'This key belongs to a system, not a person. Sign in with your own key.', ...again }, 403);
      }
      // A new id at every sign-in: a session id seen before signing in is never one after.
      const sid = kit.codec.newSid();
      await ctx.store.createConsoleSession({
        id: kit.codec.recordIdOf(sid),
        keyName: entry.name,
        keyTag: keyTagOf(entry),
        role: entry.role,
        issuedAt: now,
        draft: draft ? JSON.stringify(draft) : null,
      });
      setCookie(req, res, SESSION_COOKIE, kit.codec.cookieValue(sid), kit.codec.maxAgeSeconds(now, now));
      setCookie(req, res, PRE_SESSION_COOKIE, '', 0);
      log.info('console sign-in', { requestId: req.requestId, key: entry.name, role: entry.role });
      res.redirect(303, draft ? `/console/handovers/${draft.handoverId}` : safeNext(next));
    },
  );

  router.post(
    '/console/sign-out',
    (req, res, next) => (req.consoleSession ? next() : res.redirect(303, '/console/sign-in')),
    requireCsrf(kit),
    async (req, res) => {
      const session = req.consoleSession!;
      await ctx.store.endConsoleSession(session.recordId, 'signed_out', ctx.clock.now().getTime());
      setCookie(req, res, SESSION_COOKIE, '', 0);
      log.info('console sign-out', { requestId: req.requestId, key: session.keyName });
      res.redirect(303, '/console/sign-in?signed-out=1');
    },
  );

  /**
   * A form sent without a standing session. An action's form is kept: the sign-in page carries
   * it through, and after signing in it is shown again, filled in (nothing is done by itself).
   */
  const keepFormAcrossSignIn: RequestHandler = (req, res) => {
    const [, id, name] = ACTION_PATH.exec(req.originalUrl) ?? [];
    const action = name ? findAction(name) : undefined;
    const ended = endedInWords(req.consoleSessionEnded, idleMinutes) ?? 'You are not signed in.';
    if (!action || !id || !uuid.safeParse(id).success) {
      return page(kit, req, res, 'error.njk', { title: 'Signed out', message: `${ended} Sign in again.` }, 401);
    }
    const draft = draftOf(req.body, id, action.name, postedFields(action), ctx.clock.now().getTime());
    form(
      req,
      res,
      { notice: `${ended} Sign in again: what you typed in “${action.label}” is kept and shown again, for you to send.`, draft: sealDraft(kit.codec, draft) },
      401,
    );
  };

  return { routes: router, keepFormAcrossSignIn };
}
