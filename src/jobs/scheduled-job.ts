/**
 * A scheduled job: a named unit with start(), runOnce() and stop(). A run never overlaps
 * itself; with `exclusive`, a run happens in one process per period across replicas (a lease
 * row in the store); each run logs one line and counts in metrics; a failing run is logged and
 * tried again next time, never crashing the service.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Context } from '../context.js';
import { coerceError } from '../domain/errors.js';
import type { Wakeup } from '../domain/wakeup.js';
import { runOutsideRequestScope } from '../logging/request-scope.js';

export type JobReport = Record<string, unknown>;

export interface JobDefinition {
  name: string;
  /** node-cron expression (5 or 6 fields); with `everyMs`, only a description of it for people. */
  schedule: string;
  /** Run every this many ms instead of on the cron schedule (a setting given in ms). */
  everyMs?: number;
  /** Run in one process at a time across replicas. */
  exclusive: boolean;
  /**
   * How long an exclusive holder keeps the job without renewing it. Default: two periods of
   * the schedule, so a replica that dies hands its jobs over within two ticks. A run that lasts
   * longer (a paced ICCAM pass) renews the lease while it runs, so it need not be longer.
   */
  leaseMs?: number;
  run(): Promise<JobReport>;
  /** Nudges that should bring the next run forward. */
  wakeups?: Wakeup[];
}

export type JobRunResult =
  | { job: string; status: 'ok'; report: JobReport; ms: number }
  | { job: string; status: 'failed'; error: string; ms: number }
  | { job: string; status: 'skipped'; reason: 'overlap' | 'not_leader' | 'stopped' };

/** The time between two runs of a cron schedule (from its next two occurrences). */
function schedulePeriodMs(schedule: string): number {
  const probe = cron.createTask(schedule, () => undefined);
  const [first, second] = probe.getNextRuns(2);
  void probe.destroy();
  return first && second ? second.getTime() - first.getTime() : 60_000;
}

export class ScheduledJob {
  private task: ScheduledTask | null = null;
  private interval: NodeJS.Timeout | null = null;
  private running: Promise<JobRunResult> | null = null;
  private rerunRequested = false;
  private stopped = false;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly ctx: Context,
    readonly definition: JobDefinition,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  /** The lease an exclusive run takes: as configured, or two periods of the schedule. */
  get leaseMs(): number {
    if (this.definition.leaseMs !== undefined) return this.definition.leaseMs;
    this.derivedLeaseMs ??= 2 * (this.definition.everyMs ?? schedulePeriodMs(this.definition.schedule));
    return this.derivedLeaseMs;
  }
  private derivedLeaseMs: number | undefined;

  start(): void {
    this.stopped = false;
    // runOnce never overlaps itself (a tick during a run is skipped), whichever drives it.
    if (this.definition.everyMs !== undefined) this.interval = setInterval(() => void this.runOnce(), this.definition.everyMs);
    else this.task = cron.schedule(this.definition.schedule, () => this.runOnce().then(() => undefined), { name: this.name, noOverlap: true });
    for (const wakeup of this.definition.wakeups ?? []) this.unsubscribe.push(wakeup.subscribe(() => this.nudge()));
  }

  /** Runs soon; if a run is in progress, once more right after it. */
  private nudge(): void {
    if (this.stopped) return;
    if (this.running) {
      this.rerunRequested = true;
      return;
    }
    // A nudge comes from inside a request (an intake wakes the dispatcher): the run is not part of it.
    runOutsideRequestScope(() => setImmediate(() => void this.runOnce()));
  }

  /** One run now (tests and `referral reconcile` call this directly). */
  async runOnce(options: { ignoreLease?: boolean } = {}): Promise<JobRunResult> {
    if (this.running) return { job: this.name, status: 'skipped', reason: 'overlap' };
    this.running = this.execute(options);
    try {
      return await this.running;
    } finally {
      this.running = null;
      if (this.rerunRequested && !this.stopped) {
        this.rerunRequested = false;
        runOutsideRequestScope(() => setImmediate(() => void this.runOnce()));
      }
    }
  }

  private async execute(options: { ignoreLease?: boolean }): Promise<JobRunResult> {
    const log = this.ctx.logger.child({ component: 'job', job: this.name });
    const started = Date.now();
    try {
      if (this.definition.exclusive && !options.ignoreLease) {
        const leader = await this.ctx.store.acquireJobLease(this.name, this.ctx.processId, this.ctx.clock.now().getTime(), this.leaseMs);
        if (!leader) {
          this.ctx.metrics.jobRuns.inc({ job: this.name, outcome: 'skipped' });
          return { job: this.name, status: 'skipped', reason: 'not_leader' };
        }
      }
      const report = this.definition.exclusive && !options.ignoreLease ? await this.runRenewingLease() : await this.definition.run();
      const ms = Date.now() - started;
      this.ctx.metrics.jobRuns.inc({ job: this.name, outcome: 'ok' });
      this.ctx.metrics.jobLastSuccess.set({ job: this.name }, Date.now() / 1000);
      // Quiet runs (nothing to do) log at debug, so a 5-second schedule does not flood the log.
      const busy = Object.values(report).some((v) => typeof v === 'number' && v > 0);
      log.log(busy ? 'info' : 'debug', 'job run', { ms, ...report });
      return { job: this.name, status: 'ok', report, ms };
    } catch (thrown) {
      const error = coerceError(thrown);
      this.ctx.metrics.jobRuns.inc({ job: this.name, outcome: 'failed' });
      log.error('job run failed', { error: error.message, ms: Date.now() - started });
      return { job: this.name, status: 'failed', error: error.message, ms: Date.now() - started };
    }
  }

  /**
   * Runs while renewing the lease every third of its length, so a long run keeps its job and a
   * process killed mid-run hands the job over within one lease, not after a long fixed one.
   */
  private async runRenewingLease(): Promise<JobReport> {
    const renew = setInterval(
      () => {
        this.ctx.store.acquireJobLease(this.name, this.ctx.processId, this.ctx.clock.now().getTime(), this.leaseMs).catch(() => undefined);
      },
      Math.max(250, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    try {
      return await this.definition.run();
    } finally {
      clearInterval(renew);
    }
  }

  /** Stops the schedule and waits for the run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.unsubscribe.splice(0)) off();
    if (this.task) {
      await this.task.destroy();
      this.task = null;
    }
    if (this.interval) {
      clearInterval(this.interval);
      this.interval = null;
    }
    if (this.running) await this.running;
    if (this.definition.exclusive) await this.ctx.store.releaseJobLease(this.name, this.ctx.processId).catch(() => undefined);
  }
}
