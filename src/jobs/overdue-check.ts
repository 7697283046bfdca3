/**
 * The overdue check: every destination owes an acknowledgement within its deadline
 * (config.destinations.overdueMs). A delivered handover past it is first asked for its status
 * at once — the answer may simply not have been fetched yet — and only then flagged overdue,
 * so it shows in `GET /v1/handovers?overdue=true`, in hrr_handovers_overdue and in the daily
 * summary. One delivered long ago (resendAfterMs) and still without an acknowledgement is sent
 * once more with the same Idempotency-Key: a destination that has the case drops the repeat,
 * one that lost it gets it again.
 *
 * The state machine has no delivered → routed edge, and the handover must stay `delivered`
 * while we wait, so the re-send is not the dispatcher's: it takes the same delivery path
 * (delivery/deliver-attempt.ts: send, breaker, metrics, attempt record) and then moves the
 * handover on from `delivered`; the audit trail says so (kind `resent`).
 */
import type { Context } from '../context.js';
import { pollAcknowledgements } from '../delivery/ack-poller.js';
import type { SendResult } from '../delivery/send-handover.js';
import { deliverAttempt } from '../delivery/deliver-attempt.js';
import type { Adapters } from '../delivery/dispatcher.js';
import type { DestinationAdapter } from '../delivery/destinations/destination-adapter.js';
import type { CircuitBreaker, CircuitBreakers } from '../domain/circuit-breaker.js';
import { DESTINATIONS, type Destination } from '../domain/decision.js';
import { InvalidTransitionError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';

export interface OverdueSummary {
  /** Past the deadline and asked for their status this run. */
  asked: number;
  /** Of those, the ones whose answer moved them on (acknowledged, closed, failed). */
  answered: number;
  /** Newly flagged overdue this run. */
  flagged: number;
  /** Sent again and accepted (including "already have it"). */
  resent: number;
  /** A re-send that met a transient error: tried again next run. */
  resendRetry: number;
  /** A re-send the destination refused outright: the handover failed, for a person. */
  resendRefused: number;
  /** A re-send that failed on our side (internal_error): the handover failed, for a person. */
  internalErrors: number;
  /** All handovers flagged overdue after this run (the gauge's total). */
  overdueNow: number;
}

const ACTOR = 'system:overdue-check';
const HOUR_MS = 3_600_000;

export interface OverdueOptions {
  /** Circuit breakers of the dispatcher: a destination that is down is not sent re-sends. */
  breakers?: CircuitBreakers<Destination>;
  limit?: number;
}

export async function checkOverdue(ctx: Context, adapters: Adapters, options: OverdueOptions = {}): Promise<OverdueSummary> {
  const summary: OverdueSummary = { asked: 0, answered: 0, flagged: 0, resent: 0, resendRetry: 0, resendRefused: 0, internalErrors: 0, overdueNow: 0 };
  const limit = options.limit ?? 200;
  const at = ctx.clock.now().getTime();

  // 1. Past the deadline and not yet flagged: ask now, flag what is still unanswered.
  const late: HandoverRecord[] = [];
  for (const destination of DESTINATIONS) {
    late.push(
      ...(await ctx.store.findHandovers({
        states: ['delivered'],
        destination,
        deliveredBefore: at - ctx.config.destinations.overdueMs[destination],
        notOverdue: true,
        limit,
      })),
    );
  }
  if (late.length > 0) {
    const polled = await pollAcknowledgements(ctx, adapters, { intervalMs: 0, handoverIds: late.map((h) => h.id) });
    summary.asked = polled.asked;
  }
  for (const handover of late) {
    const current = await ctx.store.getHandover(handover.id);
    if (!current || current.state !== 'delivered') {
      summary.answered++;
      continue;
    }
    const hours = Math.round(ctx.config.destinations.overdueMs[handover.destination!] / HOUR_MS);
    try {
      await ctx.store.annotate(handover.id, {
        actor: ACTOR,
        kind: 'overdue',
        reason: `${handover.destination} has not acknowledged it within ${hours} h of delivery`,
        expectState: 'delivered',
        set: { overdueAt: at },
        data: { destination: handover.destination, deliveredAt: handover.deliveredAt, deadlineHours: hours },
        now: at,
      });
      summary.flagged++;
    } catch (error) {
      if (!(error instanceof InvalidTransitionError)) throw error; // acknowledged meanwhile
      summary.answered++;
    }
  }

  // 2. Delivered long ago and still without an answer: send once more. Never to ICCAM: it has
  // no idempotency key and keeps duplicates (contract §4), so a second report is a second case.
  for (const destination of DESTINATIONS) {
    const adapter = adapters[destination];
    if (!adapter || destination === 'inhope') continue;
    const silent = await ctx.store.findHandovers({
      states: ['delivered'],
      destination,
      deliveredBefore: at - ctx.config.destinations.resendAfterMs[destination],
      notResent: true,
      limit,
    });
    for (const handover of silent) {
      const breaker = options.breakers?.for(destination);
      const admission = breaker?.tryAcquire() ?? { allowed: true as const, trial: false };
      if (!admission.allowed) break; // the destination is down: next run
      const outcome = await resendOne(ctx, adapter, handover, breaker);
      if (outcome === 'delivered') summary.resent++;
      else if (outcome === 'retry') summary.resendRetry++;
      else if (outcome === 'failed') summary.resendRefused++;
      else if (outcome === 'internal_error') summary.internalErrors++;
      if (admission.trial) break; // one trial after an outage, not a batch
    }
  }

  // 3. The gauge, from the store: every replica reports the same figure.
  const counts = await ctx.store.countOverdueByDestination();
  for (const destination of DESTINATIONS) {
    const count = counts.find((c) => c.destination === destination)?.count ?? 0;
    ctx.metrics.overdueHandovers.set({ destination }, count);
    summary.overdueNow += count;
  }
  return summary;
}

/** Sends one delivered handover again under its own id as Idempotency-Key and records it all. */
async function resendOne(
  ctx: Context,
  adapter: DestinationAdapter,
  handover: HandoverRecord,
  breaker: CircuitBreaker | undefined,
): Promise<SendResult['kind'] | 'skipped'> {
  const destination = adapter.destination;
  const { outcome, attemptNo, finishedAt } = await deliverAttempt(ctx, adapter, handover, {
    ...(breaker ? { breaker } : {}),
    claimToken: `resend:${ctx.newId()}`,
    component: 'overdue-check',
    note: 're-sent: no answer long after delivery',
  });
  const days = Math.round(((finishedAt - (handover.deliveredAt ?? finishedAt)) / (24 * HOUR_MS)) * 10) / 10;
  try {
    if (outcome.kind === 'internal_error') {
      // Ours, not the destination's: a person looks at it rather than a re-send every run.
      await ctx.store.transition(handover.id, {
        to: 'failed',
        actor: ACTOR,
        reason: `re-send failed on our side: internal_error: ${outcome.error.message}`,
        expectState: 'delivered',
        set: { resentAt: finishedAt, attemptCount: attemptNo, failureReason: 'internal_error', overdueAt: null },
        data: { attempt: attemptNo, errorClass: 'internal_error', error: outcome.error.name, daysSinceDelivery: days },
        now: finishedAt,
      });
      return outcome.kind;
    }
    const data = { attempt: attemptNo, statusCode: outcome.statusCode, requestHash: outcome.requestHash || null, daysSinceDelivery: days };
    if (outcome.kind === 'delivered') {
      await ctx.store.annotate(handover.id, {
        actor: ACTOR,
        kind: 'resent',
        reason: outcome.duplicate
          ? `no answer ${days} days after delivery: sent again; ${destination} already had it (same Idempotency-Key)`
          : `no answer ${days} days after delivery: sent again; ${destination} accepted it anew`,
        expectState: 'delivered',
        // A new reference means the destination had lost the case: poll the new one from now on.
        set: {
          resentAt: finishedAt,
          attemptCount: attemptNo,
          reference: outcome.reference,
          secondaryReference: outcome.secondaryReference ?? handover.secondaryReference,
          lastPolledAt: null,
        },
        data: { ...data, duplicate: outcome.duplicate },
        now: finishedAt,
      });
    } else if (outcome.kind === 'failed') {
      await ctx.store.transition(handover.id, {
        to: 'failed',
        actor: ACTOR,
        reason: `re-sent after no answer; ${destination} refused it: ${outcome.detail}`,
        expectState: 'delivered',
        set: { resentAt: finishedAt, attemptCount: attemptNo, failureReason: `${destination} refused the re-send: ${outcome.detail}`, overdueAt: null },
        data: { ...data, errorClass: outcome.errorClass },
        now: finishedAt,
      });
    } else {
      await ctx.store.annotate(handover.id, {
        actor: ACTOR,
        kind: 'resend_retry',
        reason: `re-send to ${destination} did not get through (${outcome.errorClass}): trying again next run`,
        expectState: 'delivered',
        set: { attemptCount: attemptNo },
        data: { ...data, errorClass: outcome.errorClass },
        now: finishedAt,
      });
    }
  } catch (error) {
    // Acknowledged (or closed) while we were sending: that answer stands; the attempt is on record.
    if (!(error instanceof InvalidTransitionError)) throw error;
    return 'skipped';
  }
  return outcome.kind;
}
