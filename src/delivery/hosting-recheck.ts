/**
 * Just before sending, hosting that was located long ago is looked at again (content moves
 * between hosts and countries; a stale route sends a case to the wrong police force or
 * hotline). Unchanged: the fresh evidence is recorded. Changed: the handover goes back to
 * `locating` with the reason, and is routed again on the new evidence.
 */
import type { Locator } from '../locate/locator.js';
import type { Context } from '../context.js';
import { InvalidTransitionError, coerceError } from '../domain/errors.js';
import { decideRoute } from '../domain/routing/decide-route.js';
import { applyEvidence, isTransientFailure } from '../services/locate-and-route.js';

const ACTOR = 'system:dispatcher';

export async function recheckStaleHosting(ctx: Context, locator: Pick<Locator, 'locate'>, limit = 20): Promise<number> {
  const maxAge = ctx.config.delivery.recheckHostingAfterMs;
  if (maxAge === 0) return 0;
  const now = ctx.clock.now();
  const at = now.getTime();
  const stale = await ctx.store.findHandovers({ states: ['routed'], dueBy: at, locatedBefore: at - maxAge, recheckedBefore: at - maxAge, limit });
  let rechecked = 0;
  for (const handover of stale) {
    // A supervisor's decision is not second-guessed by the machine.
    if (handover.decision?.rule === 'manual-override') continue;
    rechecked++;
    try {
      const evidence = await locator.locate(handover.url);
      if (isTransientFailure(evidence)) {
        await ctx.store.annotate(handover.id, {
          actor: ACTOR,
          kind: 'hosting_recheck_failed',
          reason: `DNS ${evidence.dns.outcome}; sending on the earlier evidence`,
          expectState: 'routed',
          set: { recheckedAt: at },
          now: at,
        });
        continue;
      }
      const decision = decideRoute(evidence, ctx.policy, now);
      const same =
        decision.destination === handover.destination && decision.country === handover.country && decision.assignedCountry === handover.assignedCountry;
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
        data: {
          before: { destination: handover.destination, country: handover.country },
          after: { destination: decision.destination, country: decision.country, reviewReasons: decision.reviewReasons },
        },
        now: at,
      });
      await applyEvidence(ctx, relocating, evidence);
    } catch (thrown) {
      const error = coerceError(thrown);
      if (error instanceof InvalidTransitionError) continue; // claimed meanwhile: fine
      // One URL that makes locating (or routing) throw must not stop the dispatch pass: it is
      // ours to fix, so it is counted and logged, and the case is sent on its earlier evidence.
      ctx.metrics.internalErrors.inc({ component: 'hosting-recheck' });
      ctx.logger.error('re-checking hosting failed', { component: 'hosting-recheck', handoverId: handover.id, error: error.message });
      await noteRecheckFailed(ctx, handover.id, at);
    }
  }
  return rechecked;
}

/** Marks the re-check done (so it is not repeated every pass) and says why nothing changed. */
async function noteRecheckFailed(ctx: Context, handoverId: string, at: number): Promise<void> {
  try {
    await ctx.store.annotate(handoverId, {
      actor: ACTOR,
      kind: 'hosting_recheck_failed',
      reason: 'internal_error while re-checking; sending on the earlier evidence',
      expectState: 'routed',
      set: { recheckedAt: at },
      now: at,
    });
  } catch (thrown) {
    const error = coerceError(thrown);
    if (!(error instanceof InvalidTransitionError))
      ctx.logger.error('recording a failed re-check failed', { component: 'hosting-recheck', handoverId, error: error.message });
  }
}
