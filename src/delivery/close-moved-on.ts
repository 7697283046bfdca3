/**
 * A partner item sent on to the hotline of the country that hosts it (contract §4 Inbound,
 * Routing): once ICCAM holds it assigned there, our part is over and the handover closes with
 * outcome `moved_on`. The dispatcher does this right after the reassignment; the inbound pass
 * does it for one a crash left delivered.
 */
import type { Context } from '../context.js';
import { InvalidTransitionError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';

export async function closeMovedOn(ctx: Context, handover: HandoverRecord, actor: string): Promise<void> {
  const now = ctx.clock.now().getTime();
  try {
    await ctx.store.transition(handover.id, {
      to: 'closed',
      actor,
      reason: `moved on: ICCAM now assigns it to ${handover.assignedCountry ?? 'the hosting country'}, whose hotline takes it over`,
      expectState: 'delivered',
      set: { closedAt: now, outcome: 'moved_on', overdueAt: null },
      data: { assignedCountry: handover.assignedCountry, contentId: handover.inboundContentId },
      now,
    });
  } catch (error) {
    // Closed meanwhile (the inbound pass got there first): its change stands.
    if (!(error instanceof InvalidTransitionError)) throw error;
  }
}
