/**
 * Asks destinations where delivered cases stand, until each is acknowledged and closed.
 * Each handover is asked at most once per poll interval; a query that fails is simply asked
 * again next time.
 */
import type { Context } from '../context.js';
import { DESTINATIONS } from '../domain/decision.js';
import { forEachConcurrently } from '../domain/bounded-concurrency.js';
import { isStatusFetchError } from './destinations/destination-adapter.js';
import { applyAcknowledgement } from './apply-acknowledgement.js';
import type { Adapters } from './dispatcher.js';

export interface PollSummary {
  asked: number;
  applied: number;
  unchanged: number;
  errors: number;
}

export async function pollAcknowledgements(
  ctx: Context,
  adapters: Adapters,
  options: { intervalMs: number; limit?: number; handoverIds?: string[] },
): Promise<PollSummary> {
  const now = ctx.clock.now().getTime();
  const summary: PollSummary = { asked: 0, applied: 0, unchanged: 0, errors: 0 };
  const limit = options.limit ?? 200;
  // Delivered cases wait for their acknowledgement and are asked every interval; acknowledged
  // ones wait for an outcome that takes days, and are asked ten times less often. The least
  // recently asked go first, so a long queue is worked through rather than starved.
  const due = options.handoverIds
    ? (await Promise.all(options.handoverIds.map((id) => ctx.store.getHandover(id)))).filter((h) => h !== null)
    : [
        ...(await ctx.store.findHandovers({ states: ['delivered'], lastPolledBefore: now - options.intervalMs, order: 'least-recently-polled', limit })),
        ...(await ctx.store.findHandovers({
          states: ['acknowledged'],
          lastPolledBefore: now - 10 * options.intervalMs,
          order: 'least-recently-polled',
          limit,
        })),
      ];
  // Each destination is asked with its own delivery concurrency (ICCAM prefers one at a time).
  for (const destination of DESTINATIONS) {
    // ICCAM is followed up on its own cadence (iccam-followup.ts); asked here only by id (overdue check).
    if (destination === 'inhope' && !options.handoverIds) continue;
    const adapter = adapters[destination];
    let mine = due.filter((h) => h.destination === destination && h.reference);
    if (!adapter || mine.length === 0) continue;
    // Marked asked in one statement up front: a query that fails is asked again next interval.
    if (options.handoverIds) {
      await ctx.store.markPolled(
        mine.map((h) => h.id),
        now,
      );
    } else {
      // Only the ones this process marked: replicas polling at once split the cases.
      const claimed = new Set([
        ...(await ctx.store.claimPolls(
          mine.filter((h) => h.state === 'delivered').map((h) => h.id),
          now,
          now - options.intervalMs,
        )),
        ...(await ctx.store.claimPolls(
          mine.filter((h) => h.state !== 'delivered').map((h) => h.id),
          now,
          now - 10 * options.intervalMs,
        )),
      ]);
      mine = mine.filter((h) => claimed.has(h.id));
    }
    await forEachConcurrently(mine, ctx.config.destinations.concurrency[destination], async (handover) => {
      summary.asked++;
      const answer = await adapter.fetchStatus({ handoverId: handover.id, reference: handover.reference!, secondaryReference: handover.secondaryReference });
      if (isStatusFetchError(answer)) {
        summary.errors++;
        return;
      }
      const result = await applyAcknowledgement(ctx, handover, answer, { source: 'poll', actor: 'system:ack-poller' });
      if (result.applied) summary.applied++;
      else summary.unchanged++;
    });
  }
  return summary;
}
