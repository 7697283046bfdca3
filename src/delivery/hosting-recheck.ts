/**
 * Just before sending, hosting that was located long ago is looked at again (content moves
 * between hosts and countries; a stale route sends a case to the wrong police force or
 * hotline). Unchanged: the fresh evidence is recorded. Changed: the handover goes back to
 * `locating` with the reason, and is routed again on the new evidence.
 */
import type { Context } from '../context.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { decideRoute } from '../domain/routing/decide-route.js';
import { applyEvidence, isTransientFailure, type HostingLocator } from '../services/locate-and-route.js';

const ACTOR = 'system:dispatcher';

export async function recheckStaleHosting(ctx: Context, locator: HostingLocator, limit = 20): Promise<number> {
  const maxAge = ctx.config.delivery.recheckHostingAfterMs;
  if (maxAge === 0) return 0;
  const now = ctx.clock.now();
  const at = now.getTime();
  const stale = await ctx.store.findHandovers({ states: ['routed'], dueBy: at, locatedBefore: at - maxAge, recheckedBefore: at - maxAge, limit });
  let rechecked = 0;
  for (const handover of stale) {
    // A supervisor's decision is not second-guessed by the machine.
    if (handover.decision?.rule === 'manual-override') continue;
    const evidence = await locator.locate(handover.url);
    rechecked++;
    try {
      if (isTransientFailure(evidence)) {
        await ctx.store.annotate(handover.id, { actor: ACTOR, kind: 'hosting_recheck_failed', reason: `DNS ${evidence.dns.outcome}; sending on the earlier evidence`, expectState: 'routed', set: { recheckedAt: at }, now: at });
        continue;
      }
      const decision = decideRoute(evidence, ctx.policy, now);
      const same = decision.destination === handover.destination && decision.country === handover.country && decision.assignedCountry === handover.assignedCountry;
      if (same) {
        await ctx.store.annotate(handover.id, {
          actor: ACTOR,
          kind: 'hosting_rechecked',
          reason: 'hosting unchanged before sending',
          expectState: 'routed',
          set: { evidence, decision, locatedAt: at, recheckedAt: at },
          now: at,
        });
        continue;
      }
      const relocating = await ctx.store.transition(handover.id, {
        to: 'locating',
        actor: ACTOR,
        reason: 'hosting changed before sending',
        expectState: 'routed',
        set: { recheckedAt: at },
        data: { before: { destination: handover.destination, country: handover.country }, after: { destination: decision.destination, country: decision.country, reviewReasons: decision.reviewReasons } },
        now: at,
      });
      await applyEvidence(ctx, relocating, evidence);
    } catch (error) {
      if (!(error instanceof InvalidTransitionError)) throw error; // claimed meanwhile: fine
    }
  }
  return rechecked;
}
