/**
 * The reconciliation jobs: overdue, removal overdue (the takedown escalation), still online,
 * GeoIP refresh and the daily summary. The
 * composition root (src/compose.ts) always registers them with the service's other jobs;
 * together with dispatch, locate, ack polling and the lease reaper they make sure every
 * handover either reaches its end or is in front of a person.
 *
 * Schedules come from config (SCHEDULE_RECONCILE, SCHEDULE_GEOIP_REFRESH,
 * SCHEDULE_DAILY_SUMMARY). Jobs that write are exclusive: a run first takes the job's lease in
 * the store and renews it while it lasts, so two replicas never run the same job at once. The
 * lease has a fixed length (4 minutes for overdue, removal-overdue and still-online, 10 for the daily summary),
 * not derived from the schedule: with the default SCHEDULE_RECONCILE (every 5 minutes) it lapses
 * between runs, and whichever replica ticks first afterwards runs the next one; a replica killed
 * mid-run holds the job up for at most the lease. The GeoIP refresh runs in every replica, since
 * each process holds its own copy of the database.
 */
import type { Context } from '../context.js';
import { logDailySummary } from './daily-summary.js';
import { refreshGeoipDatabase } from './geoip-refresh.js';
import { checkOverdue } from './overdue-check.js';
import { checkRemovalOverdue } from './removal-overdue-check.js';
import type { JobDefinition } from './scheduled-job.js';
import type { JobParts } from './service-jobs.js';
import { checkStillOnline } from './still-online-check.js';

/** What `referral reconcile` runs, in this order (the service's own jobs first). */
export const RECONCILIATION_JOB_NAMES = [
  'lease-reaper',
  'locate',
  'ack-poll',
  'overdue',
  'removal-overdue',
  'still-online',
  'geoip-refresh',
  'daily-summary',
] as const;

/** The definitions; `referral reconcile` runs them (and the service's own) by name. */
export function reconciliationJobDefinitions(ctx: Context, parts: JobParts): JobDefinition[] {
  const s = ctx.config.schedules;
  return [
    {
      name: 'overdue',
      schedule: s.reconcile,
      exclusive: true,
      leaseMs: 4 * 60_000,
      run: async () => ({ ...(await checkOverdue(ctx, parts.adapters, { breakers: parts.breakers })) }),
    },
    {
      name: 'removal-overdue',
      schedule: s.reconcile,
      exclusive: true,
      leaseMs: 4 * 60_000,
      run: async () => ({ ...(await checkRemovalOverdue(ctx)) }),
    },
    {
      name: 'still-online',
      schedule: s.reconcile,
      exclusive: true,
      leaseMs: 4 * 60_000,
      run: async () => ({ ...(await checkStillOnline(ctx, parts.locator)) }),
    },
    { name: 'geoip-refresh', schedule: s.geoipRefresh, exclusive: false, run: async () => ({ ...(await refreshGeoipDatabase(ctx, parts.locator)) }) },
    {
      name: 'daily-summary',
      schedule: s.dailySummary,
      exclusive: true,
      leaseMs: 10 * 60_000,
      run: async () => {
        const stats = await logDailySummary(ctx);
        return { total: stats.total, overdue: stats.overdue, needsReview: stats.needsReview, failed: stats.failed };
      },
    },
  ];
}
