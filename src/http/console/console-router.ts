/**
 * The web console (contract §3, issue #14): server-rendered pages at /console/ for the
 * supervisors and analysts, signed in with their own API keys. It reads through the store and
 * acts only through src/services/*, as the API does; everything it serves (styles, scripts, the
 * chart library) comes from this service, under a strict Content-Security-Policy.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import express, { Router, type ErrorRequestHandler } from 'express';
import { PROJECT_ROOT } from '../../config/project-paths.js';
import type { Context } from '../../context.js';
import { coerceError } from '../../domain/errors.js';
import { loadSession, requireCsrf, requireSignedIn, sameOriginOnly, sweepSessions } from './console-auth.js';
import type { ConsoleParts } from './console-read-model.js';
import { page, type ConsoleKit } from './console-request.js';
import { consoleHeaders } from './console-security.js';
import { SessionCodec } from './console-session.js';
import { createConsoleViews } from './console-views.js';
import { figuresRoutes } from './pages/figures-page.js';
import { handoverListRoutes } from './pages/handovers-page.js';
import { overviewRoutes } from './pages/overview-page.js';
import { partnerRoutes } from './pages/partners-page.js';
import { reviewRoutes } from './pages/review-page.js';
import { signInRoutes } from './pages/sign-in-page.js';
import { storyRoutes } from './pages/story-page.js';
import { takedownOverdueRoutes } from './pages/takedown-overdue-page.js';

export type { ConsoleParts } from './console-read-model.js';

// Resolved from the project root, not this module: the built dist/ holds no templates or assets.
const STATIC_DIR = join(PROJECT_ROOT, 'src', 'http', 'console', 'static');
const requireFrom = createRequire(import.meta.url);
/** The chart library, served from the installed package (no CDN). A Map: the name comes from the URL. */
const VENDOR_FILES = new Map<string, string>([
  ['uplot.js', requireFrom.resolve('uplot/dist/uPlot.iife.min.js')],
  ['uplot.css', requireFrom.resolve('uplot/dist/uPlot.min.css')],
]);

export function consoleRouter(ctx: Context, parts: ConsoleParts = {}): Router {
  const secret = ctx.config.console.sessionSecret ? Buffer.from(ctx.config.console.sessionSecret, 'utf8') : randomBytes(32);
  const kit: ConsoleKit = {
    views: createConsoleViews(),
    codec: new SessionCodec(secret, { idleMs: ctx.config.console.idleMs, maxSessionMs: ctx.config.console.maxSessionMs }),
  };
  const router = Router();
  // The service's root has nothing of its own; people land on the console.
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  // Non-strict routing matches /console and /console/ alike; relative links need the slash.
  router.get('/console', (req, res, next) => (req.path === '/console' ? res.redirect(301, '/console/') : next()));

  router.use('/console', consoleHeaders());
  router.get('/console/static/:file', (req, res, next) => {
    const vendored = VENDOR_FILES.get(String(req.params.file));
    if (!vendored) return next();
    res.sendFile(vendored, { headers: { 'Cache-Control': 'public, max-age=3600' } });
  });
  router.use('/console/static', express.static(STATIC_DIR, { fallthrough: false, index: false, maxAge: '1h' }));

  router.use('/console', express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));
  router.use('/console', loadSession(ctx, kit, sweepSessions(ctx, kit)));
  router.use('/console', sameOriginOnly(kit));
  const signIn = signInRoutes(ctx, kit);
  router.use(signIn.routes);

  router.use('/console', requireSignedIn(kit, signIn.keepFormAcrossSignIn));
  router.use('/console', requireCsrf(kit));
  router.use(overviewRoutes(ctx, kit, parts));
  router.use(reviewRoutes(ctx, kit));
  router.use(partnerRoutes(ctx, kit));
  router.use(handoverListRoutes(ctx, kit));
  // Before the story's routes: its POST /console/handovers/:id/:action would take /chase.
  router.use(takedownOverdueRoutes(ctx, kit));
  router.use(storyRoutes(ctx, kit));
  router.use(figuresRoutes(ctx, kit));
  router.use('/console', (req, res) => page(kit, req, res, 'error.njk', { title: 'Not found', message: 'There is no such page in the console.' }, 404));

  // Errors in console pages answer as pages, not JSON; details go to the log by request id.
  const log = ctx.logger.child({ component: 'console' });
  const onError: ErrorRequestHandler = (thrown, req, res, next) => {
    if (!req.originalUrl.startsWith('/console')) return next(thrown);
    const error = coerceError(thrown);
    const status = (error as { status?: number }).status ?? (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) log.error('console page failed', { requestId: req.requestId, error: error.message });
    if (res.headersSent) return next(thrown);
    const message =
      status === 413
        ? 'The form was too large.'
        : status < 500
          ? 'The request could not be handled.'
          : `Something went wrong (request ${req.requestId ?? 'unknown'}).`;
    page(kit, req, res, 'error.njk', { title: status < 500 ? 'Refused' : 'Error', message }, status);
  };
  router.use(onError);
  return router;
}
