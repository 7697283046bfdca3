/**
 * The HTTP application (contract §3): hardening, request ids, authentication and roles,
 * per-key rate limits, the routes, and one error middleware.
 */
import type { ReadinessProbe } from '../services/readiness.js';
import type { Locator } from '../locate/locator.js';
import express, { type Express, type RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { Context } from '../context.js';
import { ServiceError } from '../domain/errors.js';
import { authenticate } from './middleware/authenticate.js';
import { closeConnectionsWhenStopping } from './middleware/close-when-stopping.js';
import { errorHandler, notFound } from './middleware/error-handler.js';
import { requestId } from './middleware/request-id.js';
import { limitCallbacks, limitFailedAuthentication, StoreRateLimiter } from './middleware/store-rate-limit.js';
import { OpenApiRegistry } from './openapi-registry.js';
import { assessmentRoutes } from './routes/assessment.js';
import { handoverRoutes } from './routes/handovers.js';
import { operationsRoutes } from './routes/operations.js';
import { referralRoutes } from './routes/referrals.js';
import { statsRoutes } from './routes/stats.js';
import { takedownRoutes } from './routes/takedown.js';
import { ackRoutes } from './routes/acks.js';
import { locateRoutes } from './routes/locate.js';
import { mountConsole, type ConsoleParts } from './console/mount-console.js';

const API_INFO = { title: 'hotline-referral-router', version: '1' };
const BODY_LIMIT = '256kb';

/** Counts and logs every answer by route pattern (ids only; never the body or full URL). */
function observe(ctx: Context): RequestHandler {
  const log = ctx.logger.child({ component: 'http' });
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      ctx.metrics.httpDuration.observe({ method: req.method, route }, seconds);
      // Probes come every few seconds from every orchestrator: they would drown the real traffic.
      const level = route === '/healthz' || route === '/readyz' ? 'debug' : 'info';
      log.log(level, 'request', {
        requestId: req.requestId,
        method: req.method,
        route,
        status: res.statusCode,
        ms: Math.round(seconds * 1000),
        key: req.caller?.keyName,
      });
    });
    next();
  };
}

/**
 * Everything outside /v1 is open without a key: the probes, the metrics, the OpenAPI document,
 * the console's sign-in page, static files and redirects. Each client address gets
 * OPEN_RATE_LIMIT_PER_MINUTE of them, counted in memory: a flood must cost neither the store
 * nor the log, so a refusal is answered before anything else runs.
 */
function limitOpenRoutes(ctx: Context): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: ctx.config.http.openPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip: (req) => req.path === '/v1' || req.path.startsWith('/v1/'),
    keyGenerator: (req) => `open:${ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`,
    handler: (_req, _res, next) => next(new ServiceError('rate_limited', 429, 'Too many requests from this address; slow down.')),
  });
}

/** What the app needs besides the context; absent parts leave their routes out (unit tests). */
export interface AppParts {
  locator?: Pick<Locator, 'locate'>;
  /** The checks behind GET /readyz (none: always ready). */
  readiness?: readonly ReadinessProbe[];
  /** What the web console reports on (circuit breakers, jobs, audit checkpoints). */
  console?: ConsoleParts;
}

export function createApp(ctx: Context, parts: AppParts = {}): Express {
  const app = express();
  const openapi = new OpenApiRegistry();
  app.disable('x-powered-by');
  // The client address (rate limits) and https come from X-Forwarded-* only behind a proxy we trust.
  app.set('trust proxy', ctx.config.http.trustProxy);
  app.use(requestId());
  app.use(closeConnectionsWhenStopping());
  // The service itself speaks plain HTTP: HSTS and upgrade-insecure-requests would be promises
  // it cannot keep. Behind a TLS-terminating proxy (TRUST_PROXY) an https request gets HSTS.
  app.use(helmet({ strictTransportSecurity: false, contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use((req, res, next) => {
    if (req.secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  });
  app.use(limitOpenRoutes(ctx));
  app.use(observe(ctx));
  app.use(operationsRoutes(ctx, openapi, API_INFO, parts.readiness ?? []));

  // Signed callbacks authenticate by signature, not by key: they need the raw body, so they
  // are mounted before the JSON parser and the key check. Counted per address before any body
  // is read; the counters are in the store, so the limit holds across replicas.
  const windowMs = 60_000;
  const callbacks = new StoreRateLimiter(ctx.store, ctx.clock, { name: 'callback', limit: ctx.config.http.callbacksPerMinute, windowMs });
  app.use('/v1/acks', limitCallbacks(callbacks));
  app.use(ackRoutes(ctx, openapi));

  // The key is checked before the body is read: an outsider's 256 KiB never gets inflated or parsed.
  const authFailures = new StoreRateLimiter(ctx.store, ctx.clock, { name: 'auth-failure', limit: ctx.config.http.authFailuresPerMinute, windowMs });
  app.use('/v1', limitFailedAuthentication(authFailures, authenticate(ctx.config.apiKeys)));
  app.use(
    '/v1',
    rateLimit({
      windowMs: 60_000,
      limit: ctx.config.http.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => `key:${req.caller?.keyName ?? 'anonymous'}`,
      handler: (_req, _res, next) => next(new ServiceError('rate_limited', 429, 'Too many requests for this API key; slow down.')),
    }),
  );
  // Parsed only for a known key within its limit.
  app.use('/v1', express.json({ limit: BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));
  app.use(referralRoutes(ctx, openapi));
  app.use(handoverRoutes(ctx, openapi));
  app.use(assessmentRoutes(ctx, openapi));
  app.use(statsRoutes(ctx, openapi));
  app.use(takedownRoutes(ctx, openapi));
  if (parts.locator) app.use(locateRoutes(ctx, openapi, parts.locator));
  app.use(mountConsole(ctx, parts.console));
  app.use(notFound());
  app.use(errorHandler(ctx.logger.child({ component: 'http' })));
  return app;
}
