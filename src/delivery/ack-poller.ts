/**
 * Asks destinations where delivered cases stand, until each is acknowledged and closed.
 * Each handover is asked at most once per poll interval; a query that fails is simply asked
 * again next time.
 */
import type { Context } from '../context.js';
import { isStatusFetchError } from './destinations/destination-adapter.js';
import { applyAcknowledgement } from './apply-acknowledgement.js';
import type { Adapters } from './dispatcher.js';

export interface PollSummary {
  asked: number;
  applied: number;
  unchanged: number;
  errors: number;
}

export async function pollAcknowledgements(ctx: Context, adapters: Adapters, options: { intervalMs: number; limit?: number; handoverIds?: string[] }): Promise<PollSummary> {
  const now = ctx.clock.now().getTime();
  const summary: PollSummary = { asked: 0, applied: 0, unchanged: 0, errors: 0 };
  const due = options.handoverIds
    ? (await Promise.all(options.handoverIds.map((id) => ctx.store.getHandover(id)))).filter((h) => h !== null)
    : await ctx.store.findHandovers({ states: ['delivered', 'acknowledged'], lastPolledBefore: now - options.intervalMs, limit: options.limit ?? 200 });
  for (const handover of due) {
    const adapter = handover.destination ? adapters[handover.destination] : undefined;
    if (!adapter || !handover.reference) continue;
    summary.asked++;
    const answer = await adapter.fetchStatus({ handoverId: handover.id, reference: handover.reference, secondaryReference: handover.secondaryReference });
    await ctx.store.markPolled([handover.id], now);
    if (isStatusFetchError(answer)) {
      summary.errors++;
      continue;
    }
    const result = await applyAcknowledgement(ctx, handover, answer, { source: 'poll', actor: 'system:ack-poller' });
    if (result.applied) summary.applied++;
    else summary.unchanged++;
  }
  return summary;
}
