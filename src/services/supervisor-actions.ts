/**
 * What only a supervisor may do (contract §3): route by hand (recorded as an override), send a
 * failed handover back for delivery, or cancel with a reason. Each is one checked transition.
 * Routing by hand checks first what the chosen destination needs (destination-needs.ts) and
 * that a case whose delivery outcome is unknown is sent again only on purpose (resend-guard.ts).
 */
import type { Context } from '../context.js';
import type { Destination } from '../domain/decision.js';
import { IncompleteForDestinationError, NotFoundError } from '../domain/errors.js';
import type { HandoverState } from '../domain/handover-states.js';
import { DESTINATION_NAMES, missingForDestination } from '../domain/routing/destination-needs.js';
import { manualRoute } from '../domain/routing/manual-route.js';
import type { HandoverRecord } from '../store/store.js';
import { deliveryOutcomeUnknown, refuseBlindResend } from './resend-guard.js';

/** Where routing by hand starts from; a handover still locating has no evidence to send yet. */
const ROUTABLE_BY_HAND: readonly HandoverState[] = ['needs_review', 'failed'];

export interface RouteByHandInput {
  destination: Destination;
  country?: string | undefined;
  reason: string;
  /** The supervisor confirms sending again a case whose delivery outcome is unknown. */
  resend?: boolean | undefined;
}

export async function routeByHand(ctx: Context, handoverId: string, input: RouteByHandInput, actor: string): Promise<HandoverRecord> {
  const handover = await ctx.store.getHandover(handoverId);
  if (!handover) throw new NotFoundError(`Handover ${handoverId}`);
  refuseBlindResend(handover, input.resend);
  const now = ctx.clock.now();
  const decision = manualRoute({ destination: input.destination, country: input.country ?? null, reason: input.reason, actor }, ctx.policy, now);
  // From any other state the transition itself refuses, naming the state.
  if (ROUTABLE_BY_HAND.includes(handover.state)) {
    const missing = missingForDestination(input.destination, handover.evidence, decision.country);
    if (missing.length > 0) {
      throw new IncompleteForDestinationError(
        `${DESTINATION_NAMES[input.destination]} cannot take handover ${handoverId} as it stands. ${missing.map((m) => m.words).join(' ')}`,
        missing,
      );
    }
  }
  const resent = deliveryOutcomeUnknown(handover);
  const updated = await ctx.store.transition(handoverId, {
    to: 'routed',
    actor,
    kind: 'override',
    reason: input.reason,
    expectState: ROUTABLE_BY_HAND,
    expectUpdatedAt: handover.updatedAt,
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
    data: {
      destination: decision.destination,
      country: decision.country,
      rule: decision.rule,
      ...(resent ? { resend: true, hotlineReference: handover.id } : {}),
    },
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
