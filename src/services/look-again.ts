/**
 * "Look again" (contract §1: needs_review → locating): a supervisor asks the service to gather
 * the hosting evidence afresh, e.g. once a CDN customer's origin may have become visible or a
 * name that did not resolve may now. The locate job picks it up at once; the old evidence stays
 * in the audit trail and is replaced when the new evidence is recorded. A case whose delivery
 * outcome is unknown would be sent again afterwards: that needs `resend` (resend-guard.ts).
 */
import type { Context } from '../context.js';
import { NotFoundError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';
import { deliveryOutcomeUnknown, refuseBlindResend } from './resend-guard.js';

export async function lookAgain(ctx: Context, handoverId: string, actor: string, reason: string, options: { resend?: boolean } = {}): Promise<HandoverRecord> {
  const handover = await ctx.store.getHandover(handoverId);
  if (!handover) throw new NotFoundError(`Handover ${handoverId}`);
  refuseBlindResend(handover, options.resend);
  const now = ctx.clock.now().getTime();
  const updated = await ctx.store.transition(handoverId, {
    to: 'locating',
    actor,
    reason,
    expectState: 'needs_review',
    expectUpdatedAt: handover.updatedAt,
    // Due now, with a fresh count of locate attempts for the backoff.
    set: { nextAttemptAt: now, locateAttempts: 0 },
    ...(deliveryOutcomeUnknown(handover) ? { data: { resend: true, hotlineReference: handover.id } } : {}),
    now,
  });
  ctx.wakeups.locate.notify();
  return updated;
}
