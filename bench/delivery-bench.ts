/**
 * Delivery throughput: N routed handovers (half police, half ICCAM) seeded through the real
 * workflow, then 1..k service processes (delivery-worker.ts) claim, deliver and poll until all
 * are acknowledged by the police and ICCAM stand-ins running here in the parent. Afterwards
 * every handover must be acknowledged and every stand-in case posted exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIccamStandin } from '../scripts/sandbox/iccam-standin.js';
import { startPoliceStandin } from '../scripts/sandbox/police-standin.js';
import { benchConfig, benchContext, dropSchema, newSchemaName, openBenchStore, seedRouted, type BenchDatabase } from './bench-support.js';
import type { DeliveryReport, DeliveryTask } from './delivery-worker.js';
import { runWorkers } from './worker-processes.js';

export interface DeliveryRun {
  store: 'sqlite' | 'postgres';
  processes: number;
  handovers: number;
  /** From "go" until the last process saw nothing outstanding. */
  ms: number;
  perSecond: number;
  /** From "go" until the last delivery (acknowledgement polling overlaps it). */
  deliveredMs: number;
  acknowledged: number;
  standinCases: number;
  duplicatePosts: number;
  leaseLost: number;
  retried: number;
  /** CPU the service processes used during the run, ms (PostgreSQL's and the stand-ins' not counted). */
  serviceCpuMs: number;
  /** Cores of the machine busy during the run, everything included (see runWorkers). */
  machineBusyCores: number;
}

export async function benchDelivery(options: {
  store: 'sqlite' | 'postgres';
  processes: number;
  handovers: number;
  concurrency?: number;
}): Promise<DeliveryRun> {
  const dir = mkdtempSync(join(tmpdir(), 'hrr-bench-delivery-'));
  const db: BenchDatabase =
    options.store === 'postgres' ? { kind: 'postgres', schema: newSchemaName('delivery') } : { kind: 'sqlite', file: join(dir, 'delivery.db') };
  const police = await startPoliceStandin({ token: 'bench-police', behaviour: { ackAfterMs: 0 } });
  const iccam = await startIccamStandin({
    username: 'bench',
    password: 'bench',
    notReadyAfterLoginMs: 0,
    progression: [{ afterMs: 0, action: 'ReportedToLEA' }],
  });
  try {
    const config = benchConfig(db);
    const seeder = await benchContext(config, openBenchStore(db));
    await seeder.store.migrate();
    await seedRouted(seeder, options.handovers);
    await seeder.store.close();

    const tasks: DeliveryTask[] = Array.from({ length: options.processes }, (_, i) => ({
      db,
      processId: `bench-delivery-${i + 1}`,
      policeUrl: police.url,
      iccamUrl: iccam.url,
      concurrency: options.concurrency ?? 8,
    }));
    const result = await runWorkers<DeliveryTask, DeliveryReport>('./delivery-worker.ts', tasks, { timeoutMs: 180_000 });
    const lastDelivery = Math.max(...result.reports.map((r) => r.lastDeliveredAt));

    const checker = openBenchStore(db, 2);
    const counts = await checker.countByStateAndDestination();
    await checker.close();
    const iccamReports = Object.values(iccam.snapshot().reportsPerHotlineReference);
    return {
      store: options.store,
      processes: options.processes,
      handovers: options.handovers,
      ms: result.ms,
      perSecond: options.handovers / (result.ms / 1000),
      // The workers' clocks are this machine's.
      deliveredMs: Math.max(0, lastDelivery - result.goAt),
      acknowledged: counts.filter((c) => c.state === 'acknowledged').reduce((sum, c) => sum + c.count, 0),
      standinCases: police.cases.size + iccamReports.length,
      // ICCAM keeps duplicates: a second report for one handover is a second case there.
      duplicatePosts: [...police.cases.values()].filter((c) => c.posts !== 1).length + iccamReports.filter((n) => n !== 1).length,
      leaseLost: result.reports.reduce((sum, r) => sum + r.leaseLost, 0),
      retried: result.reports.reduce((sum, r) => sum + r.retried, 0),
      serviceCpuMs: result.reports.reduce((sum, r) => sum + r.cpuMs, 0),
      machineBusyCores: result.machineBusyCores,
    };
  } finally {
    await Promise.all([police.close(), iccam.close()]);
    if (db.kind === 'postgres') await dropSchema(db.schema);
    rmSync(dir, { recursive: true, force: true });
  }
}
