/**
 * ICCAM's bearer token (contract §4, Login): `POST Authentication` with `{ username, password }`
 * answers `{ bearerToken, refreshToken, bearerTokenExpiresIn, bearerTokenValidTo? }`. The token
 * is reused until 60 s before it expires (`bearerTokenValidTo` preferred over the seconds), then
 * renewed with `POST Authentication/refresh` and `{ bearerToken, refreshToken }`; a refresh that
 * fails means a fresh login. Concurrent callers share one renewal in flight.
 */
import type { Clock } from '../../domain/clock.js';
import type { DeliveryErrorClass } from './destination-adapter.js';
import { IccamAuthError, TransportError } from '../../domain/errors.js';
import type { HttpExchange } from './destination-http-client.js';
import { asRecord, nonEmptyString } from './json-fields.js';
import { classifyStatus } from './status-classification.js';

export interface IccamCredentials {
  username: string;
  password: string;
}

interface TokenState {
  token: string;
  refreshToken: string | null;
  /** When to stop using the token (expiry minus the renewal margin), ms since the epoch. */
  renewAt: number;
}

export interface IccamSessionStats {
  authentications: number;
  refreshes: number;
}

/** Sends one unauthenticated POST (already paced by the caller). */
export type IccamPost = (path: string, body: string) => Promise<HttpExchange>;

export class IccamSession {
  private current: TokenState | null = null;
  private inFlight: Promise<TokenState> | null = null;
  readonly stats: IccamSessionStats = { authentications: 0, refreshes: 0 };

  constructor(
    private readonly post: IccamPost,
    private readonly credentials: IccamCredentials,
    private readonly clock: Clock,
    /** Renew this long before expiry (capped at half the token's life, for short-lived tokens). */
    private readonly renewMarginMs = 60_000,
  ) {}

  /** A token good for now: the cached one, or a renewed one. */
  async token(): Promise<string> {
    const current = this.current;
    if (current && this.clock.now().getTime() < current.renewAt) return current.token;
    return (await this.renew(current, false)).token;
  }

  /**
   * ICCAM refused `rejectedToken` (a 401): one fresh login. When another caller has already
   * replaced that token, use the replacement instead.
   */
  async tokenAfterRejection(rejectedToken: string): Promise<string> {
    const current = this.current;
    if (current && current.token !== rejectedToken && this.clock.now().getTime() < current.renewAt) return current.token;
    if (current && current.token === rejectedToken) this.current = null;
    return (await this.renew(null, true)).token;
  }

  private renew(previous: TokenState | null, loginOnly: boolean): Promise<TokenState> {
    if (this.inFlight) return this.inFlight;
    const attempt = (async () => {
      if (!loginOnly && previous?.refreshToken) {
        try {
          return await this.refresh(previous.token, previous.refreshToken);
        } catch {
          // A refused or failed refresh falls back to a fresh login.
        }
      }
      return this.login();
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

  private async login(): Promise<TokenState> {
    this.stats.authentications += 1;
    const body = JSON.stringify({ username: this.credentials.username, password: this.credentials.password });
    return this.tokenFrom(await this.send('Authentication', body), 'login');
  }

  private async refresh(bearerToken: string, refreshToken: string): Promise<TokenState> {
    this.stats.refreshes += 1;
    return this.tokenFrom(await this.send('Authentication/refresh', JSON.stringify({ bearerToken, refreshToken })), 'token refresh');
  }

  private async send(path: string, body: string): Promise<HttpExchange> {
    try {
      return await this.post(path, body);
    } catch (thrown) {
      if (thrown instanceof TransportError) {
        throw new IccamAuthError(
          `ICCAM login could not be reached: ${thrown.message}`,
          { errorClass: thrown.errorClass, statusCode: null, durationMs: thrown.durationMs },
          thrown,
        );
      }
      throw thrown;
    }
  }

  private tokenFrom(exchange: HttpExchange, what: string): TokenState {
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], this.clock.now());
    const common = { statusCode: exchange.statusCode, responseDigest: exchange.responseDigest, durationMs: exchange.durationMs };
    if (cls.kind !== 'success') {
      // Refused credentials stay retryable: the handover itself was never refused, and an
      // operator fixing the password should not have to retry every handover by hand.
      const retryAfterMs = cls.kind === 'retry' ? cls.retryAfterMs : null;
      const errorClass: DeliveryErrorClass = cls.kind === 'retry' ? cls.errorClass : 'auth_rejected';
      throw new IccamAuthError(`ICCAM ${what} answered HTTP ${exchange.statusCode}`, { errorClass, retryAfterMs, ...common });
    }
    const json = asRecord(exchange.json);
    const token = nonEmptyString(json?.bearerToken);
    const expiresAt = tokenExpiry(json, this.clock.now().getTime());
    if (token === null) {
      throw new IccamAuthError(`ICCAM ${what} answered without a usable token`, { errorClass: 'bad_response', ...common });
    }
    const now = this.clock.now().getTime();
    const margin = Math.min(this.renewMarginMs, (expiresAt - now) / 2);
    return { token, refreshToken: nonEmptyString(json?.refreshToken), renewAt: expiresAt - margin };
  }
}

/** How long a token lasts when ICCAM does not say (or says it in words): SCARt's 1800 s. */
const DEFAULT_TOKEN_SECONDS = 1800;

/**
 * `bearerTokenValidTo` (ISO) when present and readable, else now + `bearerTokenExpiresIn`
 * seconds (a number, or a number written as text); a missing or non-numeric one counts as 1800 s.
 */
function tokenExpiry(json: Record<string, unknown> | null, now: number): number {
  const validTo = typeof json?.bearerTokenValidTo === 'string' ? Date.parse(json.bearerTokenValidTo) : Number.NaN;
  if (Number.isFinite(validTo) && validTo > now) return validTo;
  const raw = json?.bearerTokenExpiresIn;
  const seconds = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : Number.NaN;
  return now + (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TOKEN_SECONDS) * 1000;
}
