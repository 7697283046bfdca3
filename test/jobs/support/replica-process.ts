/**
 * One service replica in a process of its own, for the several-replicas test: SQLite's write
 * lock is per connection and blocks its thread, so two replicas must be two processes, as in
 * production. Started with fork() under tsx; waits for the parent's "go" so both replicas
 * start together, does its part, and sends back what it did.
 *
 *   mode "dispatch": dispatcher runs until nothing is left to claim.
 *   mode "tick":     an exclusive job's runOnce() once per period, for `periods` periods.
 */
import { loadConfig } from '../../../src/config/config.js';
import { compose } from '../../../src/compose.js';
import { createPoliceAdapter } from '../../../src/delivery/destinations/police-export.js';
import { ManualClock } from '../../../src/domain/clock.js';
import { ScheduledJob } from '../../../src/jobs/scheduled-job.js';
import { createLogger } from '../../../src/logging/logger.js';
import { createMetrics } from '../../../src/metrics/metrics.js';
import { TableLocator } from '../../support/table-locator.js';

export interface ReplicaTask {
  mode: 'dispatch' | 'tick';
  databaseUrl: string;
  processId: string;
  /** The replica's clock (ms); in tick mode, period p runs at startAt + p × periodMs. */
  startAt: number;
  policeUrl?: string;
  periods?: number;
  periodMs?: number;
}

export type ReplicaReport = { claimed: number; delivered: number; rounds: number } | { okPeriods: number[]; skippedPeriods: number[] };

async function main(task: ReplicaTask): Promise<ReplicaReport> {
  const config = loadConfig({ DATABASE_URL: task.databaseUrl, JOBS_ENABLED: 'false', POLICE_CONCURRENCY: '4' });
  const clock = new ManualClock(task.startAt);
  const parts = await compose(config, {
    clock,
    processId: task.processId,
    logger: createLogger({ level: 'error', silent: true }),
    metrics: createMetrics(),
    random: () => 0.5,
    locator: new TableLocator({}),
    adapters: task.policeUrl ? { police: createPoliceAdapter({ baseUrl: task.policeUrl, token: 't', timeoutMs: 5_000, clock }) } : {},
  });
  const { ctx } = parts;
  try {
    if (task.mode === 'tick') {
      const job = new ScheduledJob(ctx, { name: 'tick', schedule: '*/5 * * * *', exclusive: true, leaseMs: 60_000, run: async () => ({}) });
      const report = { okPeriods: [] as number[], skippedPeriods: [] as number[] };
      for (let p = 0; p < task.periods!; p++) {
        clock.set(task.startAt + p * task.periodMs!);
        const result = await job.runOnce();
        (result.status === 'ok' ? report.okPeriods : report.skippedPeriods).push(p);
        // Let the other process at the file between periods.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return report;
    }
    const report = { claimed: 0, delivered: 0, rounds: 0 };
    for (let idle = 0; idle < 3;) {
      const summary = await parts.dispatcher.runOnce();
      report.rounds++;
      report.claimed += summary.claimed;
      report.delivered += summary.delivered;
      idle = summary.claimed === 0 ? idle + 1 : 0;
    }
    return report;
  } finally {
    await parts.close();
  }
}

process.once('message', (task: ReplicaTask) => {
  process.send!({ ready: true });
  process.once('message', () => {
    main(task).then(
      (report) => process.send!({ report }, () => process.exit(0)),
      (error: unknown) => process.send!({ error: String((error as Error).stack ?? error) }, () => process.exit(1)),
    );
  });
});
