/**
 * The daily summary: one structured log record with the figures a hotline reports (and that
 * GET /v1/stats answers): handovers per state and destination, overdue, needs review, failed,
 * and the time from referral to delivery, acknowledgement and removal (median, p90) per
 * destination and per hosting country, and the URLs referred again (duplicates, reappearances). Counts and durations only — never a URL or an id list.
 */
import type { Context } from '../context.js';
import { computeHandoverStats, type HandoverStats } from '../domain/handover-stats.js';
import { computeUrlRepeatStats, type UrlRepeatStats } from '../domain/url-repeat-stats.js';

export async function logDailySummary(ctx: Context): Promise<HandoverStats & { urlRepeats: UrlRepeatStats }> {
  const [timings, repeats] = await Promise.all([ctx.store.listTimings(), ctx.store.listUrlRepeats()]);
  const stats = { ...computeHandoverStats(timings), urlRepeats: computeUrlRepeatStats(repeats) };
  ctx.logger.info('daily summary', { component: 'daily-summary', generatedAt: ctx.clock.now().toISOString(), ...stats });
  return stats;
}
