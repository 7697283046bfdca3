/**
 * The yardstick for the delivery figures: pg-boss 10 and graphile-worker 0.16 processing the
 * same number of no-op jobs on the same PostgreSQL, each in a schema of its own (dropped
 * afterwards), with the same process counts. Jobs are enqueued before the clock starts, as the
 * delivery benchmark seeds its handovers before.
 */
import pg from 'pg';
import PgBoss from 'pg-boss';
import { makeWorkerUtils, Logger } from 'graphile-worker';
import { BENCH_POSTGRES_URL, dropSchema, newSchemaName } from './bench-support.js';
import { GRAPHILE_TASK, PG_BOSS_QUEUE, type QueueReport, type QueueTask } from './job-queue-worker.js';
import { runWorkers } from './worker-processes.js';

export interface QueueRun {
  queue: QueueTask['queue'];
  processes: number;
  jobs: number;
  ms: number;
  perSecond: number;
  processed: number;
}

async function enqueuePgBoss(schema: string, jobs: number): Promise<void> {
  const boss = new PgBoss({ connectionString: BENCH_POSTGRES_URL, schema, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue(PG_BOSS_QUEUE);
  for (let i = 0; i < jobs; i += 500) {
    await boss.insert(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ name: PG_BOSS_QUEUE, data: { i: i + k } })));
  }
  await boss.stop({ graceful: false, wait: true });
}

async function enqueueGraphile(schema: string, jobs: number): Promise<void> {
  const utils = await makeWorkerUtils({ connectionString: BENCH_POSTGRES_URL, schema, logger: new Logger(() => () => {}) });
  try {
    await utils.migrate();
  } finally {
    await utils.release();
  }
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`SELECT ${schema}.add_job($1, json_build_object('i', n)) FROM generate_series(1, $2) AS n`, [GRAPHILE_TASK, jobs]);
  } finally {
    await client.end();
  }
}

export async function benchJobQueue(
  queue: QueueTask['queue'],
  processes: number,
  jobs: number,
  options: { batchSize?: number; loops?: number } = {},
): Promise<QueueRun> {
  const schema = newSchemaName(queue === 'pg-boss' ? 'pgboss' : 'graphile');
  try {
    if (queue === 'pg-boss') await enqueuePgBoss(schema, jobs);
    else await enqueueGraphile(schema, jobs);
    const task: QueueTask = { queue, connectionString: BENCH_POSTGRES_URL, schema, batchSize: options.batchSize ?? 8, loops: options.loops ?? 2 };
    const result = await runWorkers<QueueTask, QueueReport>(
      './job-queue-worker.ts',
      Array.from({ length: processes }, () => task),
      {
        // graphile-worker's runners cannot tell that another process took the last job.
        ...(queue === 'graphile-worker' ? { target: jobs } : {}),
      },
    );
    const processed = result.reports.reduce((sum, r) => sum + r.processed, 0);
    if (processed !== jobs) throw new Error(`${queue}: ${processed} of ${jobs} jobs processed`);
    return { queue, processes, jobs, ms: result.ms, perSecond: jobs / (result.ms / 1000), processed };
  } finally {
    await dropSchema(schema);
  }
}
