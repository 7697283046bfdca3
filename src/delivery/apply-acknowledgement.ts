/**
 * Applies what a destination said about a case — from polling or from a signed callback — to
 * its handover (contract §4). Final outcomes are never overwritten, and nothing moves a state
 * backwards: such news is recorded as refused, not applied.
 */
import type { Context } from '../context.js';
import type { AckObservation } from '../domain/ack-mapping.js';
import { InvalidTransitionError } from '../domain/errors.js';
import type { HandoverState } from '../domain/handover-states.js';
import { removalTime } from '../domain/takedown-clock.js';
import type { HandoverRecord } from '../store/store.js';

export type AckResult =
  | { applied: true; state: HandoverState; successorId?: string }
  | { applied: false; reason: 'no_change' | 'changed_meanwhile' | 'already_final' | 'not_delivered' };

const NOT_YET_DELIVERED: readonly HandoverState[] = ['locating', 'needs_review', 'routed', 'delivering'];

interface AckSource {
  source: 'poll' | 'callback';
  webhookId?: string | null;
  actor: string;
}

/** Which states each effect may be applied from, and where it leads. */
const EFFECT_FROM: Record<Exclude<AckObservation['effect'], 'none'>, readonly HandoverState[]> = {
  acknowledge: ['delivered'],
  close: ['delivered', 'acknowledged'],
  moved: ['delivered', 'acknowledged'],
  fail: ['delivered', 'acknowledged'],
};

export async function applyAcknowledgement(ctx: Context, handover: HandoverRecord, observation: AckObservation, from: AckSource): Promise<AckResult> {
  const now = ctx.clock.now().getTime();
  const ack = (applied: boolean, note: string | null) => ({
    destination: observation.destination,
    source: from.source,
    status: observation.status,
    reference: observation.reference ?? null,
    reason: observation.reason ?? null,
    applied,
    note,
    webhookId: from.webhookId ?? null,
    receivedAt: now,
  });
  const counted = (applied: boolean) =>
    ctx.metrics.acknowledgements.inc({ destination: observation.destination, source: from.source, applied: String(applied) });
  const record = async (applied: boolean, note: string | null, refused?: string) => {
    await ctx.store.recordAck(
      { handoverId: handover.id, ...ack(applied, note) },
      refused ? { actor: from.actor, kind: 'ack_refused', reason: refused, now } : undefined,
    );
    counted(applied);
  };

  if (observation.effect === 'none') {
    return { applied: false, reason: 'no_change' };
  }
  const removedAt =
    observation.removedAt || observation.outcome === 'removed' || observation.outcome === 'unavailable' ? removalTime(observation.removedAt, now) : null;
  const allowedFrom = EFFECT_FROM[observation.effect];
  if (handover.state === 'closed' && handover.contentRemovedAt === null && removedAt !== null) {
    // Closed earlier without a removal time (a police case closed before the content came
    // down, or before the police said so): the news ends its takedown clock, the state stays.
    await ctx.store.annotate(handover.id, {
      actor: from.actor,
      kind: 'content_removed',
      reason: `${observation.destination} says the content came down (${observation.status})`,
      expectState: 'closed',
      set: { contentRemovedAt: removedAt },
      data: { destination: observation.destination, status: observation.status, source: from.source, removedAt: new Date(removedAt).toISOString() },
      now,
    });
    await record(true, 'removal time recorded on the closed case');
    return { applied: true, state: 'closed' };
  }
  if (!allowedFrom.includes(handover.state)) {
    // A repeat of what we already know is simply noted; anything else is refused and recorded.
    if (handover.state === 'acknowledged' && observation.effect === 'acknowledge') return { applied: false, reason: 'no_change' };
    const reason = NOT_YET_DELIVERED.includes(handover.state) ? 'not_delivered' : 'already_final';
    await record(
      false,
      `not applied: handover is ${handover.state}`,
      `${observation.destination} said ${observation.status} while the handover is ${handover.state}`,
    );
    return { applied: false, reason };
  }

  const actor = from.actor;
  const data = {
    destination: observation.destination,
    status: observation.status,
    source: from.source,
    at: observation.at ?? null,
    ...(removedAt !== null ? { removedAt: new Date(removedAt).toISOString() } : {}),
  };
  // The content known to be down ends the takedown clock, whatever the change.
  const removal = removedAt !== null ? { contentRemovedAt: removedAt } : {};
  // The acknowledgement is recorded in the transaction of the change it brings: both or neither.
  const applied = ack(true, null);
  let after: HandoverRecord;
  try {
    switch (observation.effect) {
      case 'acknowledge':
        after = await ctx.store.transition(handover.id, {
          to: 'acknowledged',
          actor,
          reason: `${observation.destination} took the case (${observation.status})`,
          expectState: allowedFrom,
          set: { acknowledgedAt: now, overdueAt: null },
          data,
          ack: applied,
          now,
        });
        break;
      case 'close':
        after = await ctx.store.transition(handover.id, {
          to: 'closed',
          actor,
          reason: `${observation.destination}: ${observation.status}`,
          expectState: allowedFrom,
          set: { closedAt: now, outcome: observation.outcome ?? 'closed', acknowledgedAt: handover.acknowledgedAt ?? now, overdueAt: null, ...removal },
          data,
          ack: applied,
          now,
        });
        break;
      case 'fail':
        // From `delivered` the destination refused the case: it fails, for a person to see.
        // Once acknowledged the state machine only allows closing: the verdict is the outcome.
        after = await ctx.store.transition(handover.id, {
          to: handover.state === 'delivered' ? 'failed' : 'closed',
          actor,
          reason: `${observation.destination}: ${observation.status}${observation.reason ? ` — ${observation.reason}` : ''}`,
          expectState: allowedFrom,
          set:
            handover.state === 'delivered'
              ? {
                  failureReason: observation.reason ?? observation.outcome ?? observation.status,
                  outcome: observation.outcome ?? null,
                  overdueAt: null,
                  ...removal,
                }
              : { closedAt: now, outcome: observation.outcome ?? observation.status, overdueAt: null, ...removal },
          data,
          ack: applied,
          now,
        });
        break;
      case 'moved': {
        await ctx.store.transition(handover.id, {
          to: 'closed',
          actor,
          reason: `${observation.destination}: content moved; located again as a new handover`,
          expectState: allowedFrom,
          set: { closedAt: now, outcome: 'moved', acknowledgedAt: handover.acknowledgedAt ?? now, overdueAt: null },
          data,
          now,
        });
        const successor = await ctx.store.createLinkedHandover(handover.id, { id: ctx.newId(), actor, reason: 'content moved (MO)', now });
        await record(true, `successor ${successor.id}`);
        ctx.wakeups.locate.notify();
        return { applied: true, state: 'closed', successorId: successor.id };
      }
    }
  } catch (error) {
    if (error instanceof InvalidTransitionError) {
      await record(
        false,
        'not applied: the handover changed meanwhile',
        `${observation.destination} said ${observation.status} but the handover changed meanwhile`,
      );
      return { applied: false, reason: 'changed_meanwhile' };
    }
    throw error;
  }
  counted(true);
  return { applied: true, state: after.state };
}
