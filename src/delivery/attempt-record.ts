/**
 * What is written down about one delivery attempt, whoever made it (the dispatcher, or the
 * overdue check re-sending a case): the outcome class, status, timing and the digests that
 * prove what was exchanged.
 */
import type { Destination } from '../domain/decision.js';
import { coerceError } from '../domain/errors.js';
import type { HandoverRecord, NewAttempt } from '../store/store.js';
import type { DeliveryOutcome, DestinationAdapter } from './destinations/destination-adapter.js';

/**
 * Sends a handover to its destination under its own id as Idempotency-Key. Adapters classify
 * every HTTP answer themselves; something thrown is our own fault: it is kept as a retry
 * rather than lose the case, the record shows it as `client`, and `onThrown` hears why.
 */
export async function sendHandover(adapter: DestinationAdapter, handover: HandoverRecord, hotlineId: string, onThrown: (error: Error) => void): Promise<DeliveryOutcome> {
  try {
    if (!handover.evidence || !handover.decision) throw new Error('no evidence or decision to send');
    return await adapter.deliver({
      handoverId: handover.id,
      hotlineId,
      url: handover.url,
      contentType: handover.contentType,
      classification: handover.classification,
      evidence: handover.evidence,
      decision: handover.decision,
      reappearanceOf: handover.reappearanceOf,
      analystName: handover.referredBy ?? keyNameOf(handover.referralCreatedBy),
      receivedAt: handover.reportedAt ?? handover.referralCreatedAt,
      memo: handover.reappearanceOf ? reappearanceMemo(handover.reappearanceOf) : null,
    });
  } catch (error) {
    onThrown(coerceError(error));
    return { kind: 'retry', statusCode: null, errorClass: 'client', retryAfterMs: null, requestHash: '', responseDigest: null, durationMs: 0 };
  }
}

/**
 * ICCAM's memo for content that came back after its earlier case was over (issue #15): the
 * earlier case was sent under its handover id as `hotlineReference`, so the partner can find it.
 */
export function reappearanceMemo(earlierHandoverId: string): string {
  return `Reappearance: this URL was referred before as hotlineReference ${earlierHandoverId}; that case is over and the content is online again.`;
}

/** The API key's name in an audit actor (`key:<name>`), which stands in for a missing referredBy. */
export function keyNameOf(actor: string): string {
  return actor.startsWith('key:') ? actor.slice(4) : actor;
}

export function attemptRecord(input: {
  handoverId: string;
  attemptNo: number;
  destination: Destination;
  claimToken: string;
  startedAt: number;
  finishedAt: number;
  outcome: DeliveryOutcome;
  /** For attempts that were not refused: why this attempt was made, if not the usual. */
  note?: string;
}): NewAttempt {
  const { outcome } = input;
  return {
    handoverId: input.handoverId,
    attemptNo: input.attemptNo,
    destination: input.destination,
    claimToken: input.claimToken,
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    durationMs: outcome.durationMs,
    outcome: outcome.kind,
    statusCode: outcome.statusCode,
    errorClass: outcome.kind === 'delivered' ? (outcome.duplicate ? 'duplicate' : null) : outcome.errorClass,
    requestHash: outcome.requestHash || null,
    responseDigest: outcome.responseDigest,
    detail: outcome.kind === 'failed' || outcome.kind === 'unknown' ? outcome.detail : (input.note ?? null),
  };
}
