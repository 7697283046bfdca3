/**
 * One service process of the delivery benchmark (started by delivery-bench.ts): a real
 * context and Dispatcher on the shared store, the real police and ICCAM adapters pointed at
 * the parent's stand-ins, looping dispatch + police acknowledgement polling + the ICCAM
 * follow-up until no handover of the run is left routed, delivering or delivered.
 *
 * ICCAM pacing is off here (a gate of this process, no interval, no pause after login): in the
 * service the deployment-wide gate lets one ICCAM call through per ICCAM_MIN_INTERVAL_MS
 * (1 s), which alone would make 500 ICCAM handovers take half an hour whatever the service
 * does. The benchmark measures the service; the pacing is ICCAM's limit, stated in the README.
 */
import { pollAcknowledgements } from '../src/delivery/ack-poller.js';
import { followUpIccam } from '../src/delivery/iccam-followup.js';
import { createIccamAdapter } from '../src/delivery/destinations/iccam-exchange.js';
import { LocalIccamGate } from '../src/delivery/destinations/iccam-gate.js';
import { createPoliceAdapter } from '../src/delivery/destinations/police-export.js';
import { systemClock } from '../src/domain/clock.js';
import { benchCompose, benchConfig, benchLocator, openBenchStore, type BenchDatabase } from './bench-support.js';
import { serveWorker } from './worker-processes.js';

export interface DeliveryTask {
  db: BenchDatabase;
  processId: string;
  policeUrl: string;
  iccamUrl: string;
  /** Deliveries in flight per destination in this process. */
  concurrency: number;
}

export interface DeliveryReport {
  processId: string;
  claimed: number;
  delivered: number;
  acknowledged: number;
  retried: number;
  leaseLost: number;
  rounds: number;
  /** ms since the epoch of this process's last delivery. */
  lastDeliveredAt: number;
  /** CPU this process used during the run (user + system), ms. */
  cpuMs: number;
}

const OUTSTANDING = new Set(['locating', 'routed', 'delivering', 'delivered']);

serveWorker<DeliveryTask, DeliveryReport>(async (task) => {
  const concurrency = String(task.concurrency);
  const config = benchConfig(task.db, {
    POLICE_CONCURRENCY: concurrency,
    INHOPE_CONCURRENCY: concurrency,
    LEASE_MS: '60000',
    // The follow-up reads its cadence from the ICCAM settings: a delivered case is asked again
    // after 2 s at the soonest (the stand-in acknowledges at once, so once is the rule).
    ICCAM_URL: task.iccamUrl,
    ICCAM_USERNAME: 'bench',
    ICCAM_PASSWORD: 'bench',
    ICCAM_POLL_DELIVERED_MS: '2000',
  });
  const locator = benchLocator();
  const iccam = createIccamAdapter({
    baseUrl: task.iccamUrl,
    username: 'bench',
    password: 'bench',
    timeoutMs: 10_000,
    clock: systemClock,
    gate: new LocalIccamGate(0),
    loginPauseMs: 0,
  });
  const parts = await benchCompose(config, openBenchStore(task.db, task.concurrency * 2 + 2), {
    processId: task.processId,
    locator,
    adapters: {
      police: createPoliceAdapter({ baseUrl: task.policeUrl, token: 'bench-police', timeoutMs: 10_000, clock: systemClock }),
      inhope: iccam,
    },
  });
  const { ctx } = parts;
  await ctx.store.ping();
  return {
    async run() {
      const report: DeliveryReport = {
        processId: task.processId,
        claimed: 0,
        delivered: 0,
        acknowledged: 0,
        retried: 0,
        leaseLost: 0,
        rounds: 0,
        lastDeliveredAt: 0,
        cpuMs: 0,
      };
      const cpuAtStart = process.cpuUsage();
      const done = () => {
        const used = process.cpuUsage(cpuAtStart);
        report.cpuMs = (used.user + used.system) / 1000;
        return report;
      };
      let idleWaitMs = 1;
      for (;;) {
        report.rounds += 1;
        const sent = await parts.dispatcher.runOnce();
        report.claimed += sent.claimed;
        report.delivered += sent.delivered;
        report.retried += sent.retried;
        report.leaseLost += sent.leaseLost;
        if (sent.delivered > 0) report.lastDeliveredAt = Date.now();
        // The stand-ins acknowledge at once; the default interval only keeps acknowledged
        // cases from being asked again while the run lasts.
        const polled = await pollAcknowledgements(ctx, parts.adapters, { intervalMs: config.ackPollIntervalMs, limit: 64 });
        // ICCAM has no callbacks and is not polled above: its follow-up asks. In the service
        // that is one replica's exclusive job; here every process runs it, and since each pass
        // marks its cases asked before asking, concurrent passes mostly take different cases
        // (a case asked twice is applied once: the second finds it acknowledged).
        const followed = await followUpIccam(ctx, iccam, { limit: 64 });
        report.acknowledged += polled.applied + followed.applied;
        if (sent.claimed === 0 && polled.asked === 0 && followed.asked === 0) {
          const counts = await ctx.store.countByStateAndDestination();
          if (!counts.some((c) => OUTSTANDING.has(c.state) && c.count > 0)) return done();
          // Others hold the rest under their leases: wait for them, longer each idle round, so
          // idle processes do not take the CPU and the database from the busy ones (capped, so the
          // end of the run is seen within 50 ms).
          idleWaitMs = Math.min(idleWaitMs * 2, 50);
          await new Promise((resolve) => setTimeout(resolve, idleWaitMs));
        } else idleWaitMs = 1;
      }
    },
    async close() {
      parts.adapters.police?.close();
      parts.adapters.inhope?.close();
      await ctx.store.close();
    },
  };
});
