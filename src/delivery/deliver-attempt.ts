/**
 * The one delivery path: send a handover once, tell the destination's circuit breaker what the
 * destination did, count it, and make the attempt's record. Both the dispatcher (a `routed`
 * handover under its lease) and the overdue check (a `delivered` one sent again) go through
 * here; each then moves the handover on in its own way, since they start from different states.
 * The dispatcher writes the attempt with the change it leads to (sendAttempt, then one
 * transaction); the overdue check records it first (deliverAttempt).
 */
import type { Context } from '../context.js';
import type { CircuitBreaker } from '../domain/circuit-breaker.js';
import type { HandoverRecord, NewAttempt } from '../store/store.js';
import { attemptRecord } from './attempt-record.js';
import { sendHandover, type SendResult } from './send-handover.js';
import type { DestinationAdapter } from './destinations/destination-adapter.js';

export interface DeliveredAttempt {
  outcome: SendResult;
  attemptNo: number;
  startedAt: number;
  finishedAt: number;
  /** What is written down about it (not yet written: see sendAttempt). */
  attempt: NewAttempt;
}

/** Sends once and gives the attempt's record, unwritten: the caller writes it with its change. */
export async function sendAttempt(
  ctx: Context,
  adapter: DestinationAdapter,
  handover: HandoverRecord,
  options: {
    /** The destination's breaker; none when the caller does not gate on it. */
    breaker?: CircuitBreaker;
    claimToken: string;
    /** Who is sending, for the log and hrr_internal_errors_total. */
    component: string;
    /** Why this attempt was made, if not the usual (kept in the attempt record). */
    note?: string;
    /** Records "about to send" just before the request leaves (the dispatcher's ICCAM creates). */
    markSending?: () => Promise<void>;
  },
): Promise<DeliveredAttempt> {
  const destination = adapter.destination;
  const startedAt = ctx.clock.now().getTime();
  const attemptNo = handover.attemptCount + 1;
  const outcome = await sendHandover(adapter, handover, {
    hotlineId: ctx.policy.hotlineId,
    homeCountry: ctx.policy.homeCountry,
    ...(options.markSending ? { markSending: options.markSending } : {}),
  });
  const finishedAt = ctx.clock.now().getTime();

  // Only what the destination did counts for its breaker: an outage is a failure, any answer a
  // success, and our own error neither (a local bug must not stop delivery to a healthy one).
  if (outcome.kind === 'retry') options.breaker?.recordFailure();
  else if (outcome.kind === 'internal_error') options.breaker?.recordNeither();
  else options.breaker?.recordSuccess();

  ctx.metrics.deliveryAttempts.inc({ destination, outcome: outcome.kind });
  if (outcome.kind === 'internal_error') {
    ctx.metrics.internalErrors.inc({ component: options.component });
    ctx.logger.error('delivery attempt failed on our side', { component: options.component, handoverId: handover.id, error: outcome.error.message });
  } else {
    ctx.metrics.deliveryDuration.observe({ destination }, outcome.durationMs / 1000);
  }

  const attempt = attemptRecord({
    handoverId: handover.id,
    attemptNo,
    destination,
    claimToken: options.claimToken,
    startedAt,
    finishedAt,
    outcome,
    ...(options.note ? { note: options.note } : {}),
  });
  return { outcome, attemptNo, startedAt, finishedAt, attempt };
}

/** Sends once and records the attempt before anything else is written. */
export async function deliverAttempt(
  ctx: Context,
  adapter: DestinationAdapter,
  handover: HandoverRecord,
  options: Parameters<typeof sendAttempt>[3],
): Promise<DeliveredAttempt> {
  const sent = await sendAttempt(ctx, adapter, handover, options);
  await ctx.store.recordAttempt(sent.attempt);
  return sent;
}
