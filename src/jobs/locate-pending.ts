/**
 * Locates handovers waiting in `locating`: new ones within seconds of intake (intake wakes
 * this job), and those whose DNS failed, again after their backoff. A handover whose locating
 * throws is one bad case, not an outage: it gets backoff like a DNS failure, and after a few
 * attempts goes to a supervisor with the reason `locate_failed`, so it can never block the
 * others or fill the log every run.
 */
import type { Locator } from '../locate/locator.js';
import type { Context } from '../context.js';
import type { RoutingDecision } from '../domain/decision.js';
import { reviewDecision } from '../domain/routing/decide-route.js';
import { errorKind, InvalidTransitionError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';
import { forEachConcurrently } from '../domain/bounded-concurrency.js';
import { locateAndRoute, locateRetryDelayMs, type LocateResult } from '../services/locate-and-route.js';

/** Attempts that throw before the handover goes to review (sooner if LOCATE_GIVE_UP_AFTER_MS passes). */
export const MAX_THROWING_LOCATE_ATTEMPTS = 3;

const ACTOR = 'system:locator';

function failedDecision(kind: string, attempts: number, now: Date): RoutingDecision {
  return reviewDecision(['locate_failed'], {
    reasons: [`Locating failed ${attempts} time(s) (${kind}): no evidence could be gathered.`],
    dataVersions: {},
    decidedAt: now.toISOString(),
  });
}

/** Backoff, or review once the attempts or the give-up time have run out. */
async function recordLocateFailure(ctx: Context, handover: HandoverRecord, error: unknown): Promise<'retry_later' | 'needs_review' | 'skipped'> {
  const now = ctx.clock.now();
  const at = now.getTime();
  const attempts = handover.locateAttempts + 1;
  const kind = errorKind(error);
  try {
    if (attempts < MAX_THROWING_LOCATE_ATTEMPTS && at - handover.createdAt < ctx.config.locating.giveUpAfterMs) {
      await ctx.store.annotate(handover.id, {
        actor: ACTOR,
        kind: 'locate_retry',
        reason: `locating failed (${kind}): will try again`,
        expectState: 'locating',
        set: { locateAttempts: attempts, nextAttemptAt: at + locateRetryDelayMs(attempts) },
        data: { error: kind, attempts },
        now: at,
      });
      return 'retry_later';
    }
    const decision = failedDecision(kind, attempts, now);
    await ctx.store.transition(handover.id, {
      to: 'needs_review',
      actor: ACTOR,
      reason: 'locate_failed',
      expectState: 'locating',
      set: { decision, destination: null, country: null, targetHotline: null, assignedCountry: null, locateAttempts: attempts, nextAttemptAt: null },
      data: { rule: decision.rule, reviewReasons: decision.reviewReasons, error: kind, attempts },
      now: at,
    });
    ctx.metrics.locateRuns.inc({ outcome: 'needs_review' });
    return 'needs_review';
  } catch (failure) {
    // A supervisor cancelled it meanwhile: their change stands.
    if (failure instanceof InvalidTransitionError) return 'skipped';
    throw failure;
  }
}

export async function locatePending(
  ctx: Context,
  locator: Pick<Locator, 'locate'>,
  options: { limit?: number; concurrency?: number } = {},
): Promise<Record<LocateResult | 'errors', number>> {
  const now = ctx.clock.now().getTime();
  // A partner's item is located only once it is ours in ICCAM (claimed with our reference): what
  // it leads to — sending it on to another country's hotline, above all — comes after the claim.
  const due = await ctx.store.findHandovers({ states: ['locating'], dueBy: now, partnerItemsClaimed: true, limit: options.limit ?? 100 });
  const counts: Record<LocateResult | 'errors', number> = { routed: 0, needs_review: 0, retry_later: 0, skipped: 0, errors: 0 };
  await forEachConcurrently(due, options.concurrency ?? 8, async (handover) => {
    try {
      counts[await locateAndRoute(ctx, locator, handover)]++;
    } catch (error) {
      counts.errors++;
      ctx.logger.error('locating failed', { component: 'locator', handoverId: handover.id, error: errorKind(error) });
      try {
        counts[await recordLocateFailure(ctx, handover, error)]++;
      } catch (recordError) {
        ctx.logger.error('recording a locate failure failed', { component: 'locator', handoverId: handover.id, error: errorKind(recordError) });
      }
    }
  });
  return counts;
}
