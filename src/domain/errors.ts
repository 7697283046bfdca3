/**
 * The one error table. Every error the service throws on purpose is a class here, with a stable
 * `code` (snake_case) that logs, events and tests may rely on; messages may be reworded, codes not.
 * Two families, told apart by who hears about them:
 * - ServiceError: answered to an API caller. It carries an HTTP status, and
 *   src/http/middleware/error-handler.ts turns it into the JSON error body (contract §3); the
 *   console (src/http/console/) shows one with a status under 500 on the page instead.
 * - LocalError: stays inside the process. A setting or data file that cannot be used
 *   (SetupError, and ConfigError for an environment variable: the CLI prints its one line and
 *   exits 2), a destination or registry that gave no usable answer (TransportError,
 *   IccamAuthError, RegistryQueryError), a reported URL the locator cannot read
 *   (ReportedUrlError), an audit check that could not run (CannotCheckError). Its code is from
 *   LocalErrorCode; a caller that must answer over HTTP maps it to a ServiceError itself.
 * Each class sets `name` to its own (it shows in logs). Catch sites receive `unknown` and pass
 * it through `coerceError` (or `thrownCode` for a system error's code) before looking at it.
 */
import type { IntakeUrlProblem } from './intake-url.js';

export class ServiceError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  constructor(code: string, status: number, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.details = options?.details;
  }
}

export class ValidationError extends ServiceError {
  constructor(message: string, details?: unknown) {
    super('validation_failed', 400, message, { details });
  }
}
export class UnauthenticatedError extends ServiceError {
  constructor(message = 'A valid API key is required (Authorization: Bearer <key>).') {
    super('unauthenticated', 401, message);
  }
}
export class ForbiddenError extends ServiceError {
  constructor(message: string) {
    super('forbidden', 403, message);
  }
}
export class NotFoundError extends ServiceError {
  constructor(what: string) {
    super('not_found', 404, `${what} was not found.`);
  }
}
export class ConflictError extends ServiceError {
  constructor(code: string, message: string, details?: unknown) {
    super(code, 409, message, { details });
  }
}
/**
 * A `needs_review` handover whose delivery outcome is unknown (ICCAM may hold the report, and
 * keeps duplicates) may be sent again only when the supervisor says so (`"resend": true`):
 * they looked in ICCAM under the handover id and found no report (contract §3, the guard).
 */
export class OutcomeUnknownError extends ServiceError {
  constructor(handoverId: string) {
    super(
      'outcome_unknown',
      409,
      `Handover ${handoverId} may already be at the destination (its delivery outcome is unknown). Look for hotlineReference ${handoverId} in ICCAM: record the report id you find (resolve), or send it again with "resend": true if there is none.`,
      { details: { handoverId, hotlineReference: handoverId } },
    );
  }
}
/** The destination chosen by hand cannot take this handover as it stands: `details.missing` says what it lacks. */
export class IncompleteForDestinationError extends ServiceError {
  constructor(message: string, missing: readonly { need: string; words: string }[]) {
    super('incomplete_for_destination', 409, message, { details: { missing } });
  }
}
/** A transition the state machine (contract §1) does not allow, or a stale expectation. */
export class InvalidTransitionError extends ServiceError {
  constructor(message: string, details?: unknown) {
    super('invalid_transition', 409, message, { details });
  }
}
/** A worker tried to finish a handover whose lease it no longer holds. */
export class LeaseLostError extends ServiceError {
  constructor(handoverId: string) {
    super('lease_lost', 409, `The lease on handover ${handoverId} is no longer held by this worker.`);
  }
}
export class StoreUnavailableError extends ServiceError {
  constructor(cause: unknown) {
    super('store_unavailable', 503, 'The store is unavailable; try again shortly.', { cause });
  }
}

/**
 * Our own fault, not the destination's nor the caller's: a bug, a handover without the
 * evidence it must have, a body builder that threw. It never counts against a destination's
 * circuit breaker; the handover goes to `failed` with the reason `internal_error`, for a person.
 */
export class InternalError extends ServiceError {
  constructor(message: string, cause?: unknown) {
    super('internal_error', 500, message, cause !== undefined ? { cause } : undefined);
  }
}

/**
 * Stable names for why a delivery attempt or status query did not succeed (metrics labels and
 * attempt records):
 * - retry: `timeout`, `connect_timeout`, `connection`, `tls` (certificate or handshake
 *   failure), `rate_limited` (429), `server_error` (5xx), `request_timeout` (408), `too_early`
 *   (425), `bad_response` (a 2xx without the destination's reference: repeating under the same
 *   Idempotency-Key is safe), `auth_rejected` (ICCAM refused our
 *   credentials: the handover itself was never refused, so it waits for the fix);
 * - failed: `redirect` (3xx to another origin, never followed), `rejected` (other 4xx),
 *   `duplicate_mismatch` (a 409 that names another handover), `client` (the request could not
 *   be built);
 * - ICCAM: `not_in_state` and `lookup_missing`; `not_sent` (the "about to send" mark could not
 *   be recorded, so nothing left); `assignment_refused` (ICCAM refused reassigning partner
 *   content: a person looks after three tries).
 */
export type DeliveryErrorClass =
  | 'timeout'
  | 'connect_timeout'
  | 'connection'
  | 'rate_limited'
  | 'server_error'
  | 'request_timeout'
  | 'too_early'
  | 'redirect'
  | 'rejected'
  | 'auth_rejected'
  | 'duplicate_mismatch'
  | 'bad_response'
  | 'tls'
  | 'client'
  | 'not_in_state'
  | 'lookup_missing'
  | 'not_sent'
  | 'assignment_refused';

/** A setting, file or data set the process needs cannot be used (found at start-up or on a reload). */
export type SetupErrorCode =
  | 'config_invalid'
  | 'routing_policy_invalid'
  | 'iccam_names_invalid'
  | 'destination_config'
  | 'webhook_secret_invalid'
  | 'cdn_list_invalid'
  | 'rdap_bootstrap_unavailable'
  | 'asn_load_failed'
  | 'published_data_invalid'
  | 'geoip_open_failed';
/** A registry (WHOIS or RDAP) gave no usable answer. */
export type RegistryQueryErrorCode = 'whois_timeout' | 'whois_failed' | 'whois_too_long' | 'rdap_redirect_refused';
export type LocalErrorCode = SetupErrorCode | RegistryQueryErrorCode | 'destination_transport' | 'iccam_auth' | 'audit_cannot_check' | IntakeUrlProblem;

/** An error that stays inside the process (see the module comment); never answered over HTTP as it is. */
export class LocalError extends Error {
  readonly code: LocalErrorCode;
  constructor(code: LocalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
  }
}

export class SetupError extends LocalError {
  declare readonly code: SetupErrorCode;
  constructor(code: SetupErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** An environment variable is missing or malformed: one line naming it stops start-up (exit 2). */
export class ConfigError extends SetupError {
  declare readonly code: 'config_invalid';
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super('config_invalid', `Configuration error: ${variable} ${problem}`);
  }
}

export class RegistryQueryError extends LocalError {
  declare readonly code: RegistryQueryErrorCode;
  constructor(code: RegistryQueryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A reported URL the locator cannot read; the code is the intake check's reason. */
export class ReportedUrlError extends LocalError {
  declare readonly code: IntakeUrlProblem;
  constructor(code: IntakeUrlProblem, options?: { cause?: unknown }) {
    super(code, `The reported URL is not acceptable: ${code}`, options);
  }
}

/** A destination request never got an HTTP answer (timeout, refused, reset, TLS, ...). */
export class TransportError extends LocalError {
  declare readonly code: 'destination_transport';
  constructor(
    readonly errorClass: DeliveryErrorClass,
    /** Whether trying again later can help (false only for our own mistakes before sending). */
    readonly retryable: boolean,
    detail: string,
    readonly durationMs: number,
    cause: unknown,
  ) {
    super('destination_transport', detail, { cause });
  }
}

/** ICCAM authentication did not produce a token. Nothing was sent for the handover: always retryable. */
export class IccamAuthError extends LocalError {
  declare readonly code: 'iccam_auth';
  readonly retryable = true;
  readonly errorClass: DeliveryErrorClass;
  readonly statusCode: number | null;
  readonly retryAfterMs: number | null;
  readonly responseDigest: string | null;
  readonly durationMs: number;
  constructor(
    message: string,
    details: { errorClass: DeliveryErrorClass; statusCode: number | null; retryAfterMs?: number | null; responseDigest?: string | null; durationMs: number },
    cause?: unknown,
  ) {
    super('iccam_auth', message, { cause });
    this.errorClass = details.errorClass;
    this.statusCode = details.statusCode;
    this.retryAfterMs = details.retryAfterMs ?? null;
    this.responseDigest = details.responseDigest ?? null;
    this.durationMs = details.durationMs;
  }
}

/** `referral audit verify` could not run its check (exit 2), as opposed to finding the trail broken. */
export class CannotCheckError extends LocalError {
  declare readonly code: 'audit_cannot_check';
  constructor(message: string) {
    super('audit_cannot_check', message);
  }
}

/**
 * One place that turns anything thrown into an Error (catch sites receive `unknown`). A
 * non-Error becomes an Error whose message describes it and whose `cause` is the value itself.
 */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(describeThrown(thrown), { cause: thrown });
}

function describeThrown(thrown: unknown): string {
  if (typeof thrown === 'string') return thrown;
  if (thrown === undefined || typeof thrown === 'bigint' || typeof thrown === 'symbol' || typeof thrown === 'function') return String(thrown);
  try {
    return JSON.stringify(thrown) ?? String(thrown);
  } catch {
    return Object.prototype.toString.call(thrown); // a cycle: no message worth more than the type
  }
}

/**
 * The `code` of whatever was thrown, when it has a string one: ours (LocalErrorCode, a
 * ServiceError's), Node's (`ENOENT`, `EADDRINUSE`), SQLite's or PostgreSQL's.
 */
export function thrownCode(thrown: unknown): string | undefined {
  const code = typeof thrown === 'object' && thrown !== null ? (thrown as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/**
 * A short, stable word for what was thrown, safe to log and to keep in the audit trail: the error's
 * code, else its class name, else `unknown_error`. Never its message (it may hold the URL).
 */
export function errorKind(thrown: unknown): string {
  const code = thrownCode(thrown);
  if (code !== undefined && /^[\w.-]{1,64}$/.test(code)) return code;
  const name = typeof thrown === 'object' && thrown !== null ? (thrown as { name?: unknown }).name : undefined;
  if (typeof name === 'string' && /^\w{1,64}$/.test(name)) return name;
  return 'unknown_error';
}
