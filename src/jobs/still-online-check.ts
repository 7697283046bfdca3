/**
 * The still-online check: a destination that acknowledged a case but has not closed it after
 * config.stillOnlineAfterMs may be working on content that has since moved (hosts move
 * content between countries to outrun notices). Such handovers are located again. Same
 * country: noted. Another country: the record says so, and a new handover linked to the old
 * one is created and routed on the fresh evidence, so the new country's police or hotline
 * hears of it; the old handover stays open for its destination's own outcome.
 *
 * Each handover is looked at once per stillOnlineAfterMs (recheckedAt), and not at all once a
 * successor exists: the successor carries the case on.
 */
import type { Locator } from '../locate/locator.js';
import type { Context } from '../context.js';
import { coerceError, InvalidTransitionError } from '../domain/errors.js';
import { decideRoute } from '../domain/routing/decide-route.js';
import { applyEvidence, isTransientFailure } from '../services/locate-and-route.js';

export interface StillOnlineSummary {
  /** Located again this run. */
  checked: number;
  /** Same hosting country as when it was routed. */
  unchanged: number;
  /** Hosting country changed: a linked successor was created. */
  moved: number;
  /** No country can be told now (does not resolve, behind a CDN, sources disagree): noted, left as is. */
  undetermined: number;
  /** DNS did not answer: tried again next run, nothing written. */
  unreachable: number;
  errors: number;
}

const ACTOR = 'system:still-online-check';

export async function checkStillOnline(ctx: Context, locator: Pick<Locator, 'locate'>, options: { limit?: number } = {}): Promise<StillOnlineSummary> {
  const summary: StillOnlineSummary = { checked: 0, unchanged: 0, moved: 0, undetermined: 0, unreachable: 0, errors: 0 };
  const now = ctx.clock.now();
  const at = now.getTime();
  const after = ctx.config.stillOnlineAfterMs;
  const due = await ctx.store.findHandovers({
    states: ['acknowledged'],
    acknowledgedBefore: at - after,
    recheckedBefore: at - after,
    noSuccessor: true,
    limit: options.limit ?? 50,
  });
  for (const handover of due) {
    try {
      const evidence = await locator.locate(handover.url);
      summary.checked++;
      if (isTransientFailure(evidence)) {
        summary.unreachable++;
        continue;
      }
      const decision = decideRoute(evidence, ctx.policy, now);
      const before = { country: handover.country, destination: handover.destination };
      const seen = {
        country: decision.country,
        destination: decision.destination,
        assignedCountry: decision.assignedCountry,
        reviewReasons: decision.reviewReasons,
      };
      if (decision.country === null || decision.country === handover.country) {
        const same = decision.country !== null;
        await ctx.store.annotate(handover.id, {
          actor: ACTOR,
          kind: 'still_online_checked',
          reason: same
            ? `still hosted in ${decision.country}`
            : `hosting could not be determined again (${decision.reviewReasons.join(', ') || 'no country'}); left as it is`,
          expectState: 'acknowledged',
          set: { recheckedAt: at },
          data: { before, seen },
          now: at,
        });
        if (same) summary.unchanged++;
        else summary.undetermined++;
        continue;
      }
      // Successor first: should we stop between the two writes, the successor exists (and the
      // parent's audit trail names it), so the next run does not create a second one.
      const reason = `hosting moved from ${handover.country ?? 'unknown'} to ${decision.country} after acknowledgement`;
      const successor = await ctx.store.createLinkedHandover(handover.id, { id: ctx.newId(), actor: ACTOR, reason, now: at });
      await ctx.store
        .annotate(handover.id, {
          actor: ACTOR,
          kind: 'hosting_changed',
          reason: `${reason}; located again as handover ${successor.id}`,
          set: { recheckedAt: at },
          data: { before, seen, successorId: successor.id },
          now: at,
        })
        .catch((error: unknown) => {
          if (!(error instanceof InvalidTransitionError)) throw error;
        });
      // Route the successor on the evidence just gathered; the locate job picks it up otherwise.
      const routed = await applyEvidence(ctx, successor, evidence);
      if (routed !== 'routed' && routed !== 'needs_review') ctx.wakeups.locate.notify();
      summary.moved++;
    } catch (error) {
      if (error instanceof InvalidTransitionError) continue; // closed meanwhile: nothing to do
      summary.errors++;
      ctx.logger.error('still-online check failed', { component: 'still-online-check', handoverId: handover.id, error: coerceError(error).message });
    }
  }
  return summary;
}
