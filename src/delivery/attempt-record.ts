/**
 * What is written down about one delivery attempt, whoever made it (the dispatcher, or the
 * overdue check re-sending a case): the outcome class, status, timing and the digests that
 * prove what was exchanged.
 */
import type { Destination } from '../domain/decision.js';
import type { NewAttempt } from '../store/store.js';
import type { SendResult } from './send-handover.js';

export function attemptRecord(input: {
  handoverId: string;
  attemptNo: number;
  destination: Destination;
  claimToken: string;
  startedAt: number;
  finishedAt: number;
  outcome: SendResult;
  /** For attempts that were not refused: why this attempt was made, if not the usual. */
  note?: string;
}): NewAttempt {
  const { outcome } = input;
  const base = {
    handoverId: input.handoverId,
    attemptNo: input.attemptNo,
    destination: input.destination,
    claimToken: input.claimToken,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationMs: outcome.durationMs,
  };
  if (outcome.kind === 'internal_error') {
    // Nothing reached the destination: no request, no answer. Stored as a refusal of our own.
    return {
      ...base,
      outcome: 'failed',
      statusCode: null,
      errorClass: 'internal_error',
      requestHash: null,
      responseDigest: null,
      detail: `internal_error: ${outcome.error.message}`.slice(0, 500),
    };
  }
  return {
    ...base,
    outcome: outcome.kind,
    statusCode: outcome.statusCode,
    errorClass: outcome.kind === 'delivered' ? (outcome.duplicate ? 'duplicate' : null) : outcome.errorClass,
    requestHash: outcome.requestHash || null,
    responseDigest: outcome.responseDigest,
    detail: outcome.kind === 'failed' || outcome.kind === 'unknown' ? outcome.detail : (input.note ?? null),
  };
}
