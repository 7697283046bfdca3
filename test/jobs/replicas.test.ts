/**
 * Several replicas on one store: two service contexts (each its own connection and processId)
 * on one SQLite file. An exclusive job runs in one of them per period; two dispatchers never
 * send the same handover twice. Replicas that work at the same time are separate processes,
 * as in production: SQLite's busy wait blocks its thread, so two connections in one thread
 * cannot wait for each other.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compose, type Composed, type ComposeOverrides } from '../../src/compose.js';
import type { Context } from '../../src/context.js';
import { createPoliceAdapter } from '../../src/delivery/destinations/police-export.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import type { JobDefinition } from '../../src/jobs/scheduled-job.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { submitReferral } from '../../src/services/intake.js';
import { startPoliceStandin, type PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { TableLocator } from '../support/table-locator.js';
import { LogCapture, createTestService, type TestService } from '../support/test-service.js';
import type { ReplicaReport, ReplicaTask } from './support/replica-process.js';

const REPLICA_SCRIPT = fileURLToPath(new URL('./support/replica-process.ts', import.meta.url));

const PERIOD_MS = 5 * 60_000;

let svc: TestService;
let replicaA: Context;
let replicaB: Context;
let police: PoliceStandin;
const components: Composed[] = [];

beforeEach(async () => {
  svc = await createTestService({ POLICE_CONCURRENCY: '4' });
  // Two processes' worth of context on the one file: own connection, own processId, shared time.
  const replica = async (processId: string) =>
    (
      await compose(svc.config, {
        clock: svc.clock,
        processId,
        logger: createLogger({ level: 'warn', stream: new LogCapture() }),
        metrics: createMetrics(),
        random: () => 0.5,
        locator: new TableLocator({}),
        adapters: {},
      })
    ).ctx;
  replicaA = await replica('replica-a');
  replicaB = await replica('replica-b');
  police = await startPoliceStandin({ token: 't', now: () => svc.clock.now(), behaviour: { ackAfterMs: null, delayMs: 5 } });
});

afterEach(async () => {
  for (const c of components.splice(0)) c.adapters.police?.close();
  await police.close();
  await replicaA.store.close();
  await replicaB.store.close();
  await svc.close();
});

/** The replica's parts on its own store and process id, with the test's locator and police stand-in. */
async function replicaComponents(ctx: Context, locator: TableLocator): Promise<Composed> {
  const same: ComposeOverrides = { store: ctx.store, clock: ctx.clock, processId: ctx.processId, logger: ctx.logger, metrics: ctx.metrics, random: ctx.random };
  const parts = await compose(svc.config, {
    ...same,
    locator,
    adapters: { police: createPoliceAdapter({ baseUrl: police.url, token: 't', timeoutMs: 2_000, clock: svc.clock }) },
  });
  components.push(parts);
  return parts;
}

describe('two replicas on one SQLite file', () => {
  it('runs an exclusive job in one replica per period', async () => {
    const runs: string[][] = [];
    const counting = (ctx: Context): JobDefinition => ({
      name: 'tick',
      schedule: '*/5 * * * *',
      exclusive: true,
      leaseMs: 60_000,
      run: async () => {
        runs.at(-1)!.push(ctx.processId);
        return {};
      },
    });
    const a = new JobRunner(replicaA, [counting(replicaA)]);
    const b = new JobRunner(replicaB, [counting(replicaB)]);
    for (let period = 0; period < 8; period++) {
      runs.push([]);
      // Both schedulers fire on the same tick; the order in which they reach the store varies.
      const [first, second] = period % 2 ? [b, a] : [a, b];
      const results = [await first.job('tick').runOnce(), await second.job('tick').runOnce()];
      expect(results.map((r) => r.status).sort()).toEqual(['ok', 'skipped']);
      expect(results.find((r) => r.status === 'skipped')).toMatchObject({ reason: 'not_leader' });
      svc.clock.advance(PERIOD_MS);
    }
    expect(runs.map((r) => r.length)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    // A holder that stops releases the job at once; the other takes it within the same period.
    const holder = runs.at(-1)![0] === 'replica-a' ? a : b;
    const other = holder === a ? b : a;
    await holder.stop();
    runs.push([]);
    expect(await other.job('tick').runOnce()).toMatchObject({ status: 'ok' });
  });

  it('flags an overdue handover once, whichever replica runs the overdue job', async () => {
    const locator = new TableLocator({ 'be-host.test': { geo: 'BE' } });
    const [partsA, partsB] = [await replicaComponents(replicaA, locator), await replicaComponents(replicaB, locator)];
    await submitReferral(
      replicaA,
      { reportId: 'REP-OV', urls: [{ url: 'https://be-host.test/o' }], classification: { category: 'baseline', ageGroup: 'unknown' } },
      'key:test',
    );
    await locatePending(replicaA, locator);
    await partsA.dispatcher.runOnce();
    svc.clock.advance(2 * 24 * 3_600_000 + 60_000);
    const results = [await partsB.jobs.job('overdue').runOnce(), await partsA.jobs.job('overdue').runOnce()];
    expect(results.map((r) => r.status)).toEqual(['ok', 'skipped']);
    const [h] = await replicaA.store.listHandovers({ overdue: true, limit: 10 });
    expect((await replicaA.store.listAuditEvents(h!.id)).filter((e) => e.kind === 'overdue')).toHaveLength(1);
  });

  it('never delivers the same handover twice from two dispatchers in two processes', async () => {
    const locator = new TableLocator({ 'be-host.test': { geo: 'BE' } });
    const urls = Array.from({ length: 40 }, (_, i) => ({ url: `https://be-host.test/r/${i}` }));
    await submitReferral(replicaA, { reportId: 'REP-1', urls, classification: { category: 'baseline', ageGroup: 'unknown' } }, 'key:test');
    while ((await locatePending(replicaA, locator)).routed > 0);

    const startAt = svc.clock.now().getTime();
    const task = (processId: string): ReplicaTask => ({ mode: 'dispatch', databaseUrl: svc.config.database.url, processId, startAt, policeUrl: police.url });
    const reports = (await runReplicas([task('replica-a'), task('replica-b')])) as { claimed: number; delivered: number }[];

    const handovers = await replicaA.store.listHandovers({ limit: 100 });
    expect(handovers.map((h) => h.state)).toEqual(Array(40).fill('delivered'));
    expect(reports[0]!.delivered + reports[1]!.delivered).toBe(40);
    expect(police.cases.size).toBe(40);
    for (const c of police.cases.values()) expect(c.posts).toBe(1);
    expect(police.requests.exports).toBe(40);
    // Each handover was claimed exactly once, by one replica or the other.
    for (const h of handovers) {
      const claims = (await replicaA.store.listAuditEvents(h.id)).filter((e) => e.fromState === 'routed' && e.toState === 'delivering');
      expect(claims).toHaveLength(1);
    }
  }, 30_000);

  it('runs an exclusive job once per period when two processes tick at the same time', async () => {
    const task = (processId: string): ReplicaTask => ({
      mode: 'tick',
      databaseUrl: svc.config.database.url,
      processId,
      startAt: svc.clock.now().getTime(),
      periods: 20,
      periodMs: PERIOD_MS,
    });
    const reports = (await runReplicas([task('replica-a'), task('replica-b')])) as { okPeriods: number[]; skippedPeriods: number[] }[];
    const ran = [...reports[0]!.okPeriods, ...reports[1]!.okPeriods].sort((x, y) => x - y);
    expect(ran).toEqual(Array.from({ length: 20 }, (_, p) => p));
  }, 30_000);
});

/** Forks one replica process per task, starts them together, and collects their reports. */
async function runReplicas(tasks: ReplicaTask[]): Promise<ReplicaReport[]> {
  const children = tasks.map(() => fork(REPLICA_SCRIPT, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  try {
    const ready = children.map(
      (child, i) =>
        new Promise<void>((resolve, reject) => {
          child.once('message', () => resolve());
          child.once('exit', (code) => reject(new Error(`replica ${i} exited with ${code} before it was ready`)));
          child.send(tasks[i]!);
        }),
    );
    await Promise.all(ready);
    const done = children.map(
      (child) =>
        new Promise<ReplicaReport>((resolve, reject) => {
          child.once('message', (m: { report?: ReplicaReport; error?: string }) => (m.report ? resolve(m.report) : reject(new Error(m.error))));
        }),
    );
    for (const child of children) child.send('go');
    return await Promise.all(done);
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill();
  }
}
