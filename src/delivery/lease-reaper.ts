/**
 * Handovers stuck in `delivering` past their lease (the worker crashed or hung) go back to
 * `routed` for another attempt. Whether the lost attempt reached the destination is unknown,
 * and recorded so; the next attempt carries the same Idempotency-Key, so the destination can
 * drop a duplicate.
 */
import type { Context } from '../context.js';
import { LeaseLostError } from '../domain/errors.js';

export async function reapExpiredLeases(ctx: Context, limit = 100): Promise<number> {
  const now = ctx.clock.now().getTime();
  const expired = await ctx.store.findHandovers({ states: ['delivering'], leaseExpiredBy: now, limit });
  let reaped = 0;
  for (const h of expired) {
    try {
      await ctx.store.transition(h.id, {
        to: 'routed',
        actor: 'system:lease-reaper',
        reason: 'lease expired: outcome of the attempt unknown',
        expectLeaseToken: h.leaseToken!,
        set: { leaseToken: null, leaseExpiresAt: null, nextAttemptAt: now, attemptCount: h.attemptCount + 1, firstAttemptAt: h.firstAttemptAt ?? h.updatedAt },
        data: { attempt: h.attemptCount + 1 },
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
        outcome: 'unknown',
        statusCode: null,
        errorClass: 'lease_expired',
        requestHash: null,
        responseDigest: null,
        detail: 'the worker holding the lease did not report back',
      });
      reaped++;
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error; // finished or reaped meanwhile
    }
  }
  if (reaped) ctx.logger.warn('expired leases returned to routed', { component: 'lease-reaper', count: reaped });
  return reaped;
}
