/**
 * The service's scheduled jobs, named for their role. Dispatch runs in every replica (claims
 * keep replicas apart); the others run in one replica per period (a lease in the store).
 */
import type { Locator } from '../locate/locator.js';
import type { Context } from '../context.js';
import type { CircuitBreakers } from '../domain/circuit-breaker.js';
import type { Destination } from '../domain/decision.js';
import { pollAcknowledgements } from '../delivery/ack-poller.js';
import type { Adapters, Dispatcher } from '../delivery/dispatcher.js';
import { reapExpiredLeases } from '../delivery/lease-reaper.js';
import { auditCheckpointJob } from './audit-checkpoint.js';
import { locatePending } from './locate-pending.js';
import { isIccamAdapter } from '../delivery/destinations/iccam-exchange.js';
import { followUpIccam } from '../delivery/iccam-followup.js';
import { importFromIccam } from '../delivery/iccam-import.js';
import { tellIccam } from '../delivery/iccam-tell.js';
import type { JobDefinition } from './scheduled-job.js';

/** The working parts the jobs drive, built by the composition root (src/compose.ts). */
export interface JobParts {
  readonly locator: Locator;
  readonly dispatcher: Dispatcher;
  readonly adapters: Adapters;
  readonly breakers: CircuitBreakers<Destination>;
}

/**
 * One dispatch run. The sends go on after the run returns (the next run may claim meanwhile),
 * so its "job run" line reports only what is known then; the outcomes (delivered, retried,
 * failed) are logged once the sends have settled.
 */
async function dispatchRun(ctx: Context, dispatcher: Dispatcher): Promise<Record<string, unknown>> {
  const summary = await dispatcher.runOnce({ waitForDeliveries: false });
  const { delivered: _delivered, retried: _retried, failed: _failed, ...known } = summary;
  if (summary.claimed > 0) {
    void dispatcher.drain().then(() => {
      ctx.logger.child({ component: 'job', job: 'dispatch' }).info('dispatch sends settled', {
        claimed: summary.claimed,
        delivered: summary.delivered,
        retried: summary.retried,
        failed: summary.failed,
        leaseLost: summary.leaseLost,
      });
    });
  }
  return known;
}

export function serviceJobDefinitions(ctx: Context, c: Pick<JobParts, 'locator' | 'dispatcher' | 'adapters'>): JobDefinition[] {
  const s = ctx.config.schedules;
  return [
    { name: 'dispatch', schedule: s.dispatch, exclusive: false, wakeups: [ctx.wakeups.dispatch], run: () => dispatchRun(ctx, c.dispatcher) },
    { name: 'locate', schedule: s.locate, exclusive: true, wakeups: [ctx.wakeups.locate], run: async () => ({ ...(await locatePending(ctx, c.locator)) }) },
    {
      name: 'ack-poll',
      schedule: s.ackPoll,
      exclusive: true,
      run: async () => ({ ...(await pollAcknowledgements(ctx, c.adapters, { intervalMs: ctx.config.ackPollIntervalMs })) }),
    },
    { name: 'lease-reaper', schedule: s.dispatch, exclusive: true, run: async () => ({ returned: await reapExpiredLeases(ctx) }) },
    auditCheckpointJob(ctx),
    ...iccamJobs(ctx, c.adapters),
  ];
}

/** The job that tells ICCAM what partner items came to: the import when it is on, else the follow-up. */
export function iccamTellingJob(config: Context['config']): 'iccam-import' | 'iccam-poll' {
  return config.destinations.inhope?.import.enabled ? 'iccam-import' : 'iccam-poll';
}

/**
 * ICCAM's follow-up (status, country assignment), its lookup lists (at start-up, then daily),
 * and with ICCAM_IMPORT=on the inbound import. What partner items still owe ICCAM is told by
 * one job only — the import when it is on, else the follow-up — so two replicas never tell it twice.
 */
function iccamJobs(ctx: Context, adapters: Adapters): JobDefinition[] {
  const iccam = adapters.inhope;
  if (!isIccamAdapter(iccam)) return [];
  const s = ctx.config.schedules;
  const inbound = ctx.config.destinations.inhope?.import ?? { enabled: false, intervalMs: 60_000 };
  let lookupsRead = false;
  const importJob: JobDefinition = {
    name: 'iccam-import',
    schedule: `every ${Math.round(inbound.intervalMs / 1000)} s (ICCAM_IMPORT_INTERVAL_MS)`,
    everyMs: inbound.intervalMs,
    exclusive: true,
    run: async () => ({ ...(await importFromIccam(ctx, iccam)), ...(await tellIccam(ctx, iccam)) }),
  };
  return [
    ...(inbound.enabled ? [importJob] : []),
    {
      name: 'iccam-poll',
      schedule: s.iccamPoll,
      // A pass is paced (one ICCAM call per interval) and may outlast two ticks: the lease is
      // renewed while it runs, so a replica killed mid-pass hands the follow-up over quickly.
      exclusive: true,
      run: async () => {
        // Start-up: the lists are read once before the first follow-up (then daily, below).
        if (!lookupsRead) {
          lookupsRead = true;
          const lists = await iccam.refreshLookups(ctx.clock.now().getTime());
          if (lists.failed.length > 0)
            ctx.logger.warn('ICCAM lookup lists not read; using the stored or seed ones', { component: 'iccam', failed: lists.failed });
        }
        const followed = await followUpIccam(ctx, iccam);
        return { ...followed, ...(inbound.enabled ? {} : await tellIccam(ctx, iccam)) };
      },
    },
    {
      name: 'iccam-lookups',
      schedule: s.iccamLookups,
      exclusive: true,
      run: async () => {
        const lists = await iccam.refreshLookups(ctx.clock.now().getTime());
        return { read: lists.read.length, failed: lists.failed.length, missing: iccam.vocabulary.missing.length };
      },
    },
  ];
}
