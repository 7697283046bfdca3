/**
 * The service's scheduled jobs as one set: started together, found by name, stopped together
 * (each stop waits for its run in progress).
 */
import type { Context } from '../context.js';
import { ScheduledJob, type JobDefinition } from './scheduled-job.js';

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
