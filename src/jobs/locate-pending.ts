/**
 * Locates handovers waiting in `locating`: new ones within seconds of intake (intake wakes
 * this job), and those whose DNS failed, again after their backoff.
 */
import type { Context } from '../context.js';
import { coerceError } from '../domain/errors.js';
import { forEachConcurrently } from './bounded-concurrency.js';
import { locateAndRoute, type HostingLocator, type LocateResult } from '../services/locate-and-route.js';

export async function locatePending(ctx: Context, locator: HostingLocator, options: { limit?: number; concurrency?: number } = {}): Promise<Record<LocateResult | 'errors', number>> {
  const now = ctx.clock.now().getTime();
  const due = await ctx.store.findHandovers({ states: ['locating'], dueBy: now, limit: options.limit ?? 100 });
  const counts: Record<LocateResult | 'errors', number> = { routed: 0, needs_review: 0, retry_later: 0, skipped: 0, errors: 0 };
  await forEachConcurrently(due, options.concurrency ?? 8, async (handover) => {
    try {
      counts[await locateAndRoute(ctx, locator, handover)]++;
    } catch (error) {
      counts.errors++;
      ctx.logger.error('locating failed', { component: 'locator', handoverId: handover.id, error: coerceError(error).message });
    }
  });
  return counts;
}
