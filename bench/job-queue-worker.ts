/**
 * One worker process of the job-queue comparison (started by job-queue-bench.ts): takes
 * no-op jobs from pg-boss 10 or graphile-worker 0.16 in their own schema on the same
 * PostgreSQL as the delivery benchmark.
 *
 * pg-boss: a tight fetch → complete loop with `batchSize` jobs per fetch, `loops` loops per
 * process. Its `work()` waits its polling interval (at least 0.5 s) after every fetch, even a
 * full one, which would measure the timer rather than the queue. graphile-worker: its own
 * runner with `concurrency` jobs at once (it fetches again at once while jobs are found).
 */
import { Logger, run } from 'graphile-worker';
import PgBoss from 'pg-boss';
import { serveWorker } from './worker-processes.js';

export interface QueueTask {
  queue: 'pg-boss' | 'graphile-worker';
  connectionString: string;
  schema: string;
  /** pg-boss: jobs per fetch; graphile-worker: jobs at once. */
  batchSize: number;
  loops: number;
}

export interface QueueReport {
  processed: number;
}

export const PG_BOSS_QUEUE = 'bench-noop';
export const GRAPHILE_TASK = 'bench_noop';

const silent = new Logger(() => () => {});

serveWorker<QueueTask, QueueReport>(async (task) => {
  if (task.queue === 'pg-boss') {
    const boss = new PgBoss({
      connectionString: task.connectionString,
      schema: task.schema,
      migrate: false,
      supervise: false,
      schedule: false,
      max: task.loops + 1,
    });
    boss.on('error', () => {});
    await boss.start();
    return {
      async run({ progress }) {
        let processed = 0;
        const loop = async () => {
          for (;;) {
            const jobs = await boss.fetch(PG_BOSS_QUEUE, { batchSize: task.batchSize });
            if (!jobs || jobs.length === 0) return;
            await boss.complete(
              PG_BOSS_QUEUE,
              jobs.map((j) => j.id),
            );
            processed += jobs.length;
            progress(jobs.length);
          }
        };
        await Promise.all(Array.from({ length: task.loops }, loop));
        return { processed };
      },
      async close() {
        await boss.stop({ graceful: false, wait: true });
      },
    };
  }

  let processed = 0;
  let progress: (n: number) => void = () => {};
  let started: () => void = () => {};
  const going = new Promise<void>((resolve) => (started = resolve));
  const runner = await run({
    connectionString: task.connectionString,
    schema: task.schema,
    concurrency: task.batchSize,
    maxPoolSize: task.batchSize + 2,
    noHandleSignals: true,
    pollInterval: 1_000,
    logger: silent,
    taskList: {
      [GRAPHILE_TASK]: async () => {
        // Jobs are only taken once the clock runs: hold the first ones until "go".
        await going;
        processed += 1;
        progress(1);
      },
    },
  });
  return {
    async run(io) {
      progress = io.progress;
      started();
      await io.stopped;
      return { processed };
    },
    async close() {
      await runner.stop();
    },
  };
});
