/**
 * A supervisor's split (issue #15): a URL recorded as a duplicate turns out to be a report of
 * something else at the same address (different content served at one URL over time, say), so
 * it becomes a case of its own. It starts in `locating` like any new case; the reason is kept
 * in the audit trail of both handovers.
 */
import type { Context } from '../context.js';
import type { HandoverRecord } from '../store/store.js';

export async function splitDuplicate(ctx: Context, handoverId: string, actor: string, reason: string): Promise<HandoverRecord> {
  const split = await ctx.store.splitDuplicate(handoverId, { actor, reason, now: ctx.clock.now().getTime() });
  ctx.logger.info('duplicate split into its own case', { component: 'supervisor', handoverId, duplicateOf: split.duplicateOf });
  ctx.wakeups.locate.notify();
  return split;
}
