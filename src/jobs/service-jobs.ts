/**
 * The service's scheduled jobs, named for their role. Dispatch runs in every replica (claims
 * keep replicas apart); the others run in one replica per period (a lease in the store).
 */
import type { Context } from '../context.js';
import { pollAcknowledgements } from '../delivery/ack-poller.js';
import type { Adapters, Dispatcher } from '../delivery/dispatcher.js';
import { reapExpiredLeases } from '../delivery/lease-reaper.js';
import type { HostingLocator } from '../services/locate-and-route.js';
import { auditCheckpointJob } from './audit-checkpoint.js';
import { locatePending } from './locate-pending.js';
import { ScheduledJob, type JobDefinition } from './scheduled-job.js';

export interface JobComponents {
  locator: HostingLocator;
  dispatcher: Dispatcher;
  adapters: Adapters;
  /** Extra job definitions (reconciliation, refreshers) added by the composition root. */
  extra?: JobDefinition[];
}

export function serviceJobDefinitions(ctx: Context, c: JobComponents): JobDefinition[] {
  const s = ctx.config.schedules;
  return [
    { name: 'dispatch', schedule: s.dispatch, exclusive: false, wakeups: [ctx.wakeups.dispatch], run: async () => ({ ...(await c.dispatcher.runOnce({ waitForDeliveries: false })) }) },
    { name: 'locate', schedule: s.locate, exclusive: true, wakeups: [ctx.wakeups.locate], run: async () => ({ ...(await locatePending(ctx, c.locator)) }) },
    { name: 'ack-poll', schedule: s.ackPoll, exclusive: true, run: async () => ({ ...(await pollAcknowledgements(ctx, c.adapters, { intervalMs: ctx.config.ackPollIntervalMs })) }) },
    { name: 'lease-reaper', schedule: s.dispatch, exclusive: true, run: async () => ({ returned: await reapExpiredLeases(ctx) }) },
    auditCheckpointJob(ctx),
    ...(c.extra ?? []),
  ];
}

export class JobRunner {
  readonly jobs: ScheduledJob[];
  constructor(ctx: Context, definitions: JobDefinition[]) {
    this.jobs = definitions.map((d) => new ScheduledJob(ctx, d));
  }
  start(): void {
    for (const job of this.jobs) job.start();
  }
  job(name: string): ScheduledJob {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) throw new Error(`no job named ${name}`);
    return job;
  }
  async stop(): Promise<void> {
    await Promise.all(this.jobs.map((j) => j.stop()));
  }
}
