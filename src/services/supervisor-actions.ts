/**
 * What only a supervisor may do (contract §3): route by hand (recorded as an override), send a
 * failed handover back for delivery, or cancel with a reason. Each is one checked transition.
 */
import type { Context } from '../context.js';
import type { Destination } from '../domain/decision.js';
import { manualRoute } from '../domain/routing/manual-route.js';
import type { HandoverRecord } from '../store/store.js';

export async function routeByHand(
  ctx: Context,
  handoverId: string,
  input: { destination: Destination; country?: string | undefined; reason: string },
  actor: string,
): Promise<HandoverRecord> {
  const now = ctx.clock.now();
  const decision = manualRoute({ destination: input.destination, country: input.country ?? null, reason: input.reason, actor }, ctx.policy, now);
  const updated = await ctx.store.transition(handoverId, {
    to: 'routed',
    actor,
    kind: 'override',
    reason: input.reason,
    // From review or from a failure; a handover still locating has no evidence to send yet.
    expectState: ['needs_review', 'failed'],
    set: {
      destination: decision.destination,
      country: decision.country,
      targetHotline: decision.targetHotline,
      assignedCountry: decision.assignedCountry,
      decision,
      nextAttemptAt: now.getTime(),
      attemptCount: 0,
      firstAttemptAt: null,
      failureReason: null,
    },
    data: { destination: decision.destination, country: decision.country, rule: decision.rule },
    now: now.getTime(),
  });
  ctx.wakeups.dispatch.notify();
  return updated;
}

export async function retryFailed(ctx: Context, handoverId: string, actor: string, reason: string | null): Promise<HandoverRecord> {
  const now = ctx.clock.now().getTime();
  const updated = await ctx.store.transition(handoverId, {
    to: 'routed',
    actor,
    reason: reason ?? 'manual retry',
    expectState: 'failed',
    // A new attempt budget: the old one ran out or the destination refused.
    set: { nextAttemptAt: now, attemptCount: 0, firstAttemptAt: null, failureReason: null, outcome: null },
    now,
  });
  ctx.wakeups.dispatch.notify();
  return updated;
}

export function cancelHandover(ctx: Context, handoverId: string, actor: string, reason: string): Promise<HandoverRecord> {
  return ctx.store.transition(handoverId, {
    to: 'cancelled',
    actor,
    reason,
    set: { nextAttemptAt: null, outcome: 'cancelled' },
    now: ctx.clock.now().getTime(),
  });
}
