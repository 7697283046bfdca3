/**
 * Fixed-window rate limits whose counters live in the store, so a deployment of several
 * replicas allows the limit once, not once per process. Used for what an outsider can send
 * without a key: failed API-key checks and signed callbacks, counted per client address.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock } from '../../domain/clock.js';
import { ServiceError } from '../../domain/errors.js';
import type { Store } from '../../store/store.js';

export interface WindowLimit {
  /** Prefix of the counter key, e.g. `auth-failure`. */
  name: string;
  limit: number;
  windowMs: number;
}

export class StoreRateLimiter {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    readonly settings: WindowLimit,
  ) {}

  private window(): { start: number; retryAfterS: number } {
    const now = this.clock.now().getTime();
    const start = now - (now % this.settings.windowMs);
    return { start, retryAfterS: Math.max(1, Math.ceil((start + this.settings.windowMs - now) / 1000)) };
  }

  /** Counts a hit for the client; true while the window is still within the limit. */
  async hit(client: string): Promise<{ allowed: boolean; retryAfterS: number }> {
    const { start, retryAfterS } = this.window();
    const hits = await this.store.countRateLimitHit(`${this.settings.name}:${client}`, start);
    // The first hit of a window tidies up finished windows, so the table stays small.
    if (hits === 1) await this.store.pruneRateLimitCounters(start - this.settings.windowMs);
    return { allowed: hits <= this.settings.limit, retryAfterS };
  }

  /** True when the client has already used up the window, without counting anything. */
  async exhausted(client: string): Promise<{ exhausted: boolean; retryAfterS: number }> {
    const { start, retryAfterS } = this.window();
    const hits = await this.store.readRateLimitHits(`${this.settings.name}:${client}`, start);
    return { exhausted: hits >= this.settings.limit, retryAfterS };
  }
}

/** The client address express derived (TRUST_PROXY decides whether X-Forwarded-For counts). */
function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

function tooManyRequests(res: Response, retryAfterS: number, message: string): ServiceError {
  res.setHeader('Retry-After', String(retryAfterS));
  return new ServiceError('rate_limited', 429, message);
}

/**
 * Wraps the API-key check and limits failures, not callers: a valid key always passes, however
 * many failures its address has (behind a proxy without TRUST_PROXY every caller shares one
 * address). A failure counts against its address; once the address has used up the window,
 * a failure is answered 429 (counted no further) instead of 401.
 */
export function limitFailedAuthentication(limiter: StoreRateLimiter, authenticate: RequestHandler): RequestHandler {
  return (req, res, next) => {
    let failure = null as unknown;
    try {
      authenticate(req, res, (error?: unknown) => {
        failure = error ?? null;
      });
    } catch (error) {
      failure = error;
    }
    if (!failure) return next();
    if (!(failure instanceof ServiceError && failure.status === 401)) return next(failure);
    const client = clientAddress(req);
    void (async () => {
      const { exhausted, retryAfterS } = await limiter.exhausted(client);
      if (exhausted) throw tooManyRequests(res, retryAfterS, 'Too many failed authentications from this address; wait before trying again.');
      const { allowed } = await limiter.hit(client);
      if (!allowed) throw tooManyRequests(res, retryAfterS, 'Too many failed authentications from this address; wait before trying again.');
      throw failure;
    })().catch(next as NextFunction);
  };
}

/** Counts every callback per client address; over the limit the body is never read. */
export function limitCallbacks(limiter: StoreRateLimiter): RequestHandler {
  return (req, res, next) => {
    limiter.hit(clientAddress(req)).then(({ allowed, retryAfterS }) => {
      next(allowed ? undefined : tooManyRequests(res, retryAfterS, 'Too many callbacks from this address; retry later.'));
    }, next);
  };
}
