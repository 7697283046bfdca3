/**
 * `referral iccam import` (contract §6): one inbound pass now — what ICCAM assigned to the home
 * country is taken in (record first, then claim) and ICCAM is told what partner items came to —
 * whether or not ICCAM_IMPORT is on. It holds the lease of the job that tells ICCAM in a running
 * service, so the two never tell ICCAM the same thing at once; while that job runs, it says so
 * and exits 1. Logs go to stderr so stdout holds only the answer.
 */
import { compose, type ComposeOverrides } from '../../compose.js';
import type { Config } from '../../config/config.js';
import { isIccamAdapter } from '../../delivery/destinations/iccam-exchange.js';
import { importFromIccam } from '../../delivery/iccam-import.js';
import { tellIccam } from '../../delivery/iccam-tell.js';
import { iccamTellingJob } from '../../jobs/service-jobs.js';
import { createLogger } from '../../logging/logger.js';

/** Long enough for a paced pass; released at the end. */
const LEASE_MS = 30 * 60_000;

export async function iccamImportCommand(
  config: Config,
  opts: { json?: boolean },
  deps: { out?: NodeJS.WritableStream; err?: NodeJS.WritableStream; overrides?: ComposeOverrides } = {},
): Promise<number> {
  const out = deps.out ?? process.stdout;
  const err = deps.err ?? process.stderr;
  const service = await compose(config, { logger: createLogger({ level: config.logLevel, stream: process.stderr }), ...deps.overrides });
  try {
    const iccam = service.adapters.inhope;
    if (!isIccamAdapter(iccam)) {
      err.write('ICCAM is not configured (ICCAM_URL, ICCAM_USERNAME, ICCAM_PASSWORD): nothing to import\n');
      return 2;
    }
    const { ctx } = service;
    const job = iccamTellingJob(config);
    if (!(await ctx.store.acquireJobLease(job, ctx.processId, ctx.clock.now().getTime(), LEASE_MS))) {
      err.write(`a running service is telling ICCAM right now (job ${job}): try again in a minute\n`);
      return 1;
    }
    try {
      const imported = await importFromIccam(ctx, iccam);
      const told = await tellIccam(ctx, iccam);
      const result = { ...imported, ...told };
      out.write(
        opts.json
          ? `${JSON.stringify(result, null, 2)}\n`
          : `${Object.entries(result)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}\n`,
      );
      return result.importErrors + result.tellErrors > 0 ? 1 : 0;
    } finally {
      await ctx.store.releaseJobLease(job, ctx.processId);
    }
  } finally {
    await service.close();
  }
}
