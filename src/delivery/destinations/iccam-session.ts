/**
 * ICCAM's bearer token, kept for the life of the adapter (contract §4): authenticate with
 * username and password, reuse the token until shortly before it expires, then refresh it
 * with the refresh token, and authenticate afresh when refreshing fails. All concurrent
 * callers share one in-flight authentication, so a burst of deliveries logs in once.
 */
import type { Clock } from '../../domain/clock.js';
import type { DeliveryErrorClass } from './destination-adapter.js';
import { TransportError, type DestinationHttpClient, type HttpExchange } from './destination-http-client.js';
import { asRecord, nonEmptyString } from './json-fields.js';
import { classifyStatus } from './status-classification.js';

export interface IccamCredentials {
  username: string;
  password: string;
}

/** Authentication did not produce a token. `retryable` tells the caller whether to try later. */
export class IccamAuthError extends Error {
  readonly code = 'iccam_auth';
  readonly errorClass: DeliveryErrorClass;
  readonly retryable: boolean;
  readonly statusCode: number | null;
  readonly retryAfterMs: number | null;
  readonly responseDigest: string | null;
  readonly durationMs: number;
  constructor(
    message: string,
    details: { errorClass: DeliveryErrorClass; retryable: boolean; statusCode: number | null; retryAfterMs?: number | null; responseDigest?: string | null; durationMs: number },
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'IccamAuthError';
    this.errorClass = details.errorClass;
    this.retryable = details.retryable;
    this.statusCode = details.statusCode;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.responseDigest = details.responseDigest ?? null;
    this.durationMs = details.durationMs;
  }
}

interface TokenState {
  token: string;
  refreshToken: string | null;
  /** When to stop using the token (expiry minus the safety margin), ms since the epoch. */
  renewAt: number;
}

export interface IccamSessionStats {
  authentications: number;
  refreshes: number;
}

export class IccamSession {
  private current: TokenState | null = null;
  private inFlight: Promise<TokenState> | null = null;
  readonly stats: IccamSessionStats = { authentications: 0, refreshes: 0 };

  constructor(
    private readonly http: DestinationHttpClient,
    private readonly credentials: IccamCredentials,
    private readonly clock: Clock,
    /** Renew this long before expiry (capped at half the token's life, for short-lived tokens). */
    private readonly renewMarginMs = 60_000,
  ) {}

  /** A token good for now: the cached one, or a renewed one. */
  async token(): Promise<string> {
    const current = this.current;
    if (current && this.clock.now().getTime() < current.renewAt) return current.token;
    return (await this.renew(current?.refreshToken ?? null)).token;
  }

  /**
   * The destination refused `rejectedToken` (a 401): renew once. When another caller has
   * already replaced that token, use the replacement instead of renewing again.
   */
  async tokenAfterRejection(rejectedToken: string): Promise<string> {
    const current = this.current;
    if (current && current.token !== rejectedToken && this.clock.now().getTime() < current.renewAt) return current.token;
    if (current && current.token === rejectedToken) this.current = null;
    return (await this.renew(current?.refreshToken ?? null)).token;
  }

  private renew(refreshToken: string | null): Promise<TokenState> {
    if (this.inFlight) return this.inFlight;
    const attempt = (async () => {
      if (refreshToken !== null) {
        try {
          return await this.refresh(refreshToken);
        } catch {
          // A refused or failed refresh falls back to a full authentication.
        }
      }
      return this.authenticate();
    })();
    this.inFlight = attempt
      .then((state) => {
        this.current = state;
        return state;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  private async authenticate(): Promise<TokenState> {
    this.stats.authentications += 1;
    const body = JSON.stringify({ username: this.credentials.username, password: this.credentials.password });
    return this.tokenFrom(await this.post('/Authentication', body), 'authentication');
  }

  private async refresh(refreshToken: string): Promise<TokenState> {
    this.stats.refreshes += 1;
    return this.tokenFrom(await this.post('/Authentication/refresh', JSON.stringify({ refreshToken })), 'token refresh');
  }

  private async post(path: string, body: string): Promise<HttpExchange> {
    try {
      return await this.http.send('POST', path, {}, body);
    } catch (thrown) {
      if (thrown instanceof TransportError) {
        throw new IccamAuthError(`ICCAM authentication could not be reached: ${thrown.message}`, {
          errorClass: thrown.errorClass,
          retryable: thrown.retryable,
          statusCode: null,
          durationMs: thrown.durationMs,
        }, thrown);
      }
      throw thrown;
    }
  }

  private tokenFrom(exchange: HttpExchange, what: string): TokenState {
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], this.clock.now());
    const common = { statusCode: exchange.statusCode, responseDigest: exchange.responseDigest, durationMs: exchange.durationMs };
    if (cls.kind !== 'success') {
      // Refused credentials are kept retryable: the handover itself was never refused, and an
      // operator fixing the password should not have to retry every handover by hand.
      const retryAfterMs = cls.kind === 'retry' ? cls.retryAfterMs : null;
      const errorClass: DeliveryErrorClass = cls.kind === 'retry' ? cls.errorClass : 'auth_rejected';
      throw new IccamAuthError(`ICCAM ${what} answered HTTP ${exchange.statusCode}`, { errorClass, retryable: true, retryAfterMs, ...common });
    }
    const json = asRecord(exchange.json);
    const token = nonEmptyString(json?.token);
    const expiresIn = typeof json?.expiresIn === 'number' && json.expiresIn > 0 ? json.expiresIn : null;
    if (token === null || expiresIn === null) {
      throw new IccamAuthError(`ICCAM ${what} answered without a token`, { errorClass: 'bad_response', retryable: true, ...common });
    }
    const lifeMs = expiresIn * 1000;
    const margin = Math.min(this.renewMarginMs, lifeMs / 2);
    return { token, refreshToken: nonEmptyString(json?.refreshToken), renewAt: this.clock.now().getTime() + lifeMs - margin };
  }
}
