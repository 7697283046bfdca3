/**
 * The daily summary: one structured log record with the figures a hotline reports (and that
 * GET /v1/stats answers): handovers per state and destination, overdue, needs review, failed,
 * and the time from referral to delivery, acknowledgement and removal (median, p90) per
 * destination and per hosting country. Counts and durations only — never a URL or an id list.
 */
import type { Context } from '../context.js';
import { computeHandoverStats, type HandoverStats } from '../domain/handover-stats.js';

export async function logDailySummary(ctx: Context): Promise<HandoverStats> {
  const stats = computeHandoverStats(await ctx.store.listTimings());
  ctx.logger.info('daily summary', { component: 'daily-summary', generatedAt: ctx.clock.now().toISOString(), ...stats });
  return stats;
}
