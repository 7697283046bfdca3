/**
 * The reconciliation jobs, added to the service's scheduler by the composition root
 * (createComponents(..., { extraJobs: reconciliationJobs })): overdue, still online, GeoIP
 * refresh and the daily summary. Together with dispatch, locate, ack polling and the lease
 * reaper they make sure every handover either reaches its end or is in front of a person.
 *
 * Schedules come from config (SCHEDULE_RECONCILE, SCHEDULE_GEOIP_REFRESH,
 * SCHEDULE_DAILY_SUMMARY). Jobs that write are exclusive: one replica holds the job's lease
 * and runs it, renewing the lease each run and while a run lasts. The lease is fixed (4 minutes
 * for overdue and still-online, 10 for the daily summary), not derived from the schedule: other
 * replicas take over only once it has expired. The GeoIP refresh runs in every replica, since each process
 * holds its own copy of the database.
 */
import type { Components } from '../components.js';
import type { Context } from '../context.js';
import { logDailySummary } from './daily-summary.js';
import { geoipAgeProbe, refreshGeoipDatabase } from './geoip-refresh.js';
import { checkOverdue } from './overdue-check.js';
import type { JobDefinition } from './scheduled-job.js';
import { checkStillOnline } from './still-online-check.js';

/** What `referral reconcile` runs, in this order (the service's own jobs first). */
export const RECONCILIATION_JOB_NAMES = ['lease-reaper', 'locate', 'ack-poll', 'overdue', 'still-online', 'geoip-refresh', 'daily-summary'] as const;

/** The `extraJobs` for createComponents: the definitions, and the GeoIP age check in /readyz. */
export function reconciliationJobs(ctx: Context, parts: Omit<Components, 'jobs'>): JobDefinition[] {
  ctx.probes.push(geoipAgeProbe(ctx, parts.locator));
  return reconciliationJobDefinitions(ctx, parts);
}

/** The definitions alone, without touching the context (`referral reconcile` uses these). */
export function reconciliationJobDefinitions(ctx: Context, parts: Omit<Components, 'jobs'>): JobDefinition[] {
  const s = ctx.config.schedules;
  return [
    { name: 'overdue', schedule: s.reconcile, exclusive: true, leaseMs: 4 * 60_000, run: async () => ({ ...(await checkOverdue(ctx, parts.adapters, { breakers: parts.breakers })) }) },
    { name: 'still-online', schedule: s.reconcile, exclusive: true, leaseMs: 4 * 60_000, run: async () => ({ ...(await checkStillOnline(ctx, parts.locator)) }) },
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
