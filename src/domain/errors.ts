/**
 * Errors as a small table of named classes with a stable `code` and HTTP status; the HTTP
 * layer answers with them in one place (its error middleware). Handlers throw; nobody else
 * answers. Catch sites receive `unknown` and pass it through `coerceError` first.
 */
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

/** One place that turns anything thrown into an Error (catch sites receive `unknown`). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
