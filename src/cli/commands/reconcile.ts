/**
 * `referral reconcile`: one reconciliation pass now — every reconciliation job once, in order,
 * regardless of the job leases a running service holds (an operator asked for it) — and what
 * each did, as a table or `--json`. Logs go to stderr so stdout holds only the answer.
 */
import { createComponents, type ComponentOverrides, type Components, type LocatorFactory } from '../../components.js';
import type { Config } from '../../config/config.js';
import { createContext, type Context, type ContextOverrides } from '../../context.js';
import { createLogger } from '../../logging/logger.js';
import { RECONCILIATION_JOB_NAMES, reconciliationJobDefinitions } from '../../jobs/reconciliation-jobs.js';
import { ScheduledJob, type JobRunResult } from '../../jobs/scheduled-job.js';

export interface ReconcileOptions {
  json?: boolean;
  /** Only these jobs (names from RECONCILIATION_JOB_NAMES). */
  job?: string[];
}

export interface ReconcileDeps {
  locatorFactory: LocatorFactory;
  out?: NodeJS.WritableStream;
  /** Tests pass a clock, a logger, stand-in adapters... */
  context?: ContextOverrides;
  components?: ComponentOverrides;
}

/** Runs the named reconciliation jobs once each, in RECONCILIATION_JOB_NAMES order. */
export async function runReconciliation(ctx: Context, components: Components, names: readonly string[] = RECONCILIATION_JOB_NAMES): Promise<JobRunResult[]> {
  const unknown = names.filter((n) => !(RECONCILIATION_JOB_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown job ${unknown.join(', ')}; known: ${RECONCILIATION_JOB_NAMES.join(', ')}`);
  // The reconciliation jobs may or may not be registered with the runner already (the service
  // registers them as extraJobs); take the runner's where it has them, build the rest.
  const extra = new Map(reconciliationJobDefinitions(ctx, components).map((d) => [d.name, d]));
  const results: JobRunResult[] = [];
  for (const name of RECONCILIATION_JOB_NAMES.filter((n) => names.includes(n))) {
    const job = components.jobs.jobs.find((j) => j.name === name) ?? new ScheduledJob(ctx, extra.get(name)!);
    results.push(await job.runOnce({ ignoreLease: true }));
  }
  return results;
}

function describeReport(result: JobRunResult): string {
  if (result.status === 'failed') return result.error;
  if (result.status === 'skipped') return result.reason;
  return Object.entries(result.report)
    .filter(([, v]) => v !== null && v !== undefined && !(typeof v === 'object' && Object.keys(v).length === 0))
    .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(' ');
}

export function formatReconciliationTable(results: readonly JobRunResult[]): string {
  const rows = results.map((r) => [r.job, r.status, 'ms' in r ? `${r.ms}` : '-', describeReport(r)]);
  const header = ['job', 'status', 'ms', 'what it did'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export async function reconcileCommand(config: Config, opts: ReconcileOptions, deps: ReconcileDeps): Promise<JobRunResult[]> {
  const out = deps.out ?? process.stdout;
  const ctx = createContext(config, { logger: createLogger({ level: config.logLevel, stream: process.stderr }), ...deps.context });
  let components: Components | null = null;
  try {
    await ctx.store.migrate();
    components = await createComponents(ctx, deps.locatorFactory, deps.components);
    const results = await runReconciliation(ctx, components, opts.job?.length ? opts.job : RECONCILIATION_JOB_NAMES);
    out.write(opts.json ? `${JSON.stringify({ ranAt: ctx.clock.now().toISOString(), jobs: results }, null, 2)}\n` : formatReconciliationTable(results));
    return results;
  } finally {
    if (components) {
      for (const adapter of Object.values(components.adapters)) adapter.close();
      await components.locator.close();
    }
    await ctx.store.close();
  }
}
