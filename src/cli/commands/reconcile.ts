/**
 * `referral reconcile`: one reconciliation pass now — every reconciliation job once, in order,
 * regardless of the job leases a running service holds (an operator asked for it) — and what
 * each did, as a table or `--json`. Logs go to stderr so stdout holds only the answer.
 */
import { compose, type Composed, type ComposeOverrides } from '../../compose.js';
import type { Config } from '../../config/config.js';
import { createLogger } from '../../logging/logger.js';
import { RECONCILIATION_JOB_NAMES } from '../../jobs/reconciliation-jobs.js';
import type { JobRunResult } from '../../jobs/scheduled-job.js';

export interface ReconcileOptions {
  json?: boolean;
  /** Only these jobs (names from RECONCILIATION_JOB_NAMES). */
  job?: string[];
}

export interface ReconcileDeps {
  out?: NodeJS.WritableStream;
  /** Tests pass a clock, a logger, a stand-in locator and adapters... */
  overrides?: ComposeOverrides;
}

/** Runs the named reconciliation jobs once each, in RECONCILIATION_JOB_NAMES order. */
export async function runReconciliation(service: Composed, names: readonly string[] = RECONCILIATION_JOB_NAMES): Promise<JobRunResult[]> {
  const unknown = names.filter((n) => !(RECONCILIATION_JOB_NAMES as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown job ${unknown.join(', ')}; known: ${RECONCILIATION_JOB_NAMES.join(', ')}`);
  const results: JobRunResult[] = [];
  // compose() registers every one of them with the job runner.
  for (const name of RECONCILIATION_JOB_NAMES.filter((n) => names.includes(n))) results.push(await service.jobs.job(name).runOnce({ ignoreLease: true }));
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
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export async function reconcileCommand(config: Config, opts: ReconcileOptions, deps: ReconcileDeps = {}): Promise<JobRunResult[]> {
  const out = deps.out ?? process.stdout;
  const service = await compose(config, { logger: createLogger({ level: config.logLevel, stream: process.stderr }), ...deps.overrides });
  try {
    const results = await runReconciliation(service, opts.job?.length ? opts.job : RECONCILIATION_JOB_NAMES);
    out.write(opts.json ? `${JSON.stringify({ ranAt: service.ctx.clock.now().toISOString(), jobs: results }, null, 2)}\n` : formatReconciliationTable(results));
    return results;
  } finally {
    await service.close();
  }
}
