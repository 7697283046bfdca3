/**
 * Handovers stuck in `delivering` past their lease (the worker crashed or hung) go back to
 * `routed` for another attempt. Whether the lost attempt reached the destination is unknown,
 * and recorded so; the next attempt carries the same Idempotency-Key, so the destination can
 * drop a duplicate. Not so for ICCAM: it has no idempotency key and keeps duplicates. A create
 * is marked "about to send" under its lease just before it leaves; a lost ICCAM attempt so
 * marked goes to `needs_review` (delivery_outcome_unknown) for a person (contract §4), and one
 * not marked never left — waiting for the pacing slot or the login — and goes back to `routed`.
 */
import type { Context } from '../context.js';
import { LeaseLostError } from '../domain/errors.js';

export async function reapExpiredLeases(ctx: Context, limit = 100): Promise<number> {
  const now = ctx.clock.now().getTime();
  const expired = await ctx.store.findHandovers({ states: ['delivering'], leaseExpiredBy: now, limit });
  let reaped = 0;
  for (const h of expired) {
    const common = { leaseToken: null, leaseExpiresAt: null, attemptCount: h.attemptCount + 1, firstAttemptAt: h.firstAttemptAt ?? h.updatedAt };
    const sent = h.destination !== 'inhope' || h.sendingToken === h.leaseToken;
    // ICCAM keeps duplicates: a create that may have left waits for a person.
    const unknown = sent && h.destination === 'inhope';
    try {
      await ctx.store.transition(h.id, {
        to: unknown ? 'needs_review' : 'routed',
        actor: 'system:lease-reaper',
        reason: unknown
          ? 'delivery_outcome_unknown: lease expired; ICCAM may hold the report and keeps duplicates, so it is not sent again without a person'
          : sent
            ? 'lease expired: outcome of the attempt unknown'
            : 'lease expired before the report was about to be sent to ICCAM: nothing left, so it goes out again',
        expectLeaseToken: h.leaseToken!,
        set: unknown ? { ...common, nextAttemptAt: null, failureReason: 'delivery_outcome_unknown' } : { ...common, nextAttemptAt: now },
        data: { attempt: h.attemptCount + 1, ...(unknown ? { reviewReason: 'delivery_outcome_unknown' } : {}), ...(sent ? {} : { sent: false }) },
        now,
      });
      await ctx.store.recordAttempt({
        handoverId: h.id,
        attemptNo: h.attemptCount + 1,
        destination: h.destination!,
        claimToken: h.leaseToken!,
        startedAt: h.updatedAt,
        finishedAt: null,
        durationMs: null,
        outcome: sent ? 'unknown' : 'retry',
        statusCode: null,
        errorClass: sent ? 'lease_expired' : 'not_sent',
        requestHash: null,
        responseDigest: null,
        detail: sent ? 'the worker holding the lease did not report back' : 'the worker holding the lease stopped before the report was about to be sent',
      });
      reaped++;
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error; // finished or reaped meanwhile
    }
  }
  if (reaped)
    ctx.logger.warn('expired leases returned to routed (ICCAM, once about to be sent: to needs_review)', { component: 'lease-reaper', count: reaped });
  return reaped;
}
