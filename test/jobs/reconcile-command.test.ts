/**
 * `referral reconcile`: one pass over a store holding a handover in each stuck situation
 * brings each to its right state, and says what it did (table or --json).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatReconciliationTable, reconcileCommand } from '../../src/cli/commands/reconcile.js';
import type { IccamAdapter } from '../../src/delivery/destinations/iccam-exchange.js';
import { followUpIccam } from '../../src/delivery/iccam-followup.js';
import type { Composed } from '../../src/compose.js';
import { pollAcknowledgements } from '../../src/delivery/ack-poller.js';
import { locatePending } from '../../src/jobs/locate-pending.js';
import { RECONCILIATION_JOB_NAMES } from '../../src/jobs/reconciliation-jobs.js';
import { createLogger } from '../../src/logging/logger.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { submitReferral } from '../../src/services/intake.js';
import type { PoliceStandin } from '../../scripts/sandbox/police-standin.js';
import { startStandinDestinations, type StandinDestinations } from '../support/standin-destinations.js';
import { TableLocator } from '../support/table-locator.js';
import { LogCapture, createTestService, type TestService } from '../support/test-service.js';

const DAY = 24 * 3_600_000;

let svc: TestService;
let police: PoliceStandin;
let locator: TableLocator;
let parts: Composed;
let destinations: StandinDestinations;

beforeEach(async () => {
  svc = await createTestService();
  destinations = await startStandinDestinations(svc.clock, {
    police: { behaviour: { ackAfterMs: null } },
    iccam: { progression: [{ afterMs: 0, action: 'ReportedToLEA' }] },
  });
  ({ police } = destinations);
  locator = new TableLocator({ 'be-host.test': { geo: 'BE' }, 'nl-host.test': { geo: 'NL' }, 'late-dns.test': { dns: 'timeout' } });
  parts = await svc.recompose({ locator, adapters: destinations.adapters() });
});

afterEach(async () => {
  await destinations.close();
  await svc.close();
});

async function refer(reportId: string, host: string): Promise<string> {
  const { handovers } = await submitReferral(
    svc.ctx,
    { reportId, urls: [{ url: `https://${host}/${reportId}` }], classification: { category: 'baseline', ageGroup: 'unknown' } },
    'key:test',
  );
  return handovers[0]!.id;
}

function capture() {
  const out = new LogCapture();
  const run = (opts: { json?: boolean; job?: string[] }) =>
    reconcileCommand(svc.config, opts, {
      out,
      overrides: {
        clock: svc.clock,
        logger: createLogger({ level: 'warn', stream: new LogCapture() }),
        metrics: createMetrics(),
        locator,
        adapters: destinations.adapters(),
      },
    });
  return { out, run };
}

describe('referral reconcile', () => {
  it('brings a handover in each stuck situation to its right state in one pass', async () => {
    // A week ago: one case acknowledged by ICCAM (never closed), one the police never answered.
    const moved = await refer('S-ACK', 'nl-host.test');
    const silent = await refer('S-SILENT', 'be-host.test');
    await locatePending(svc.ctx, locator);
    await parts.dispatcher.runOnce();
    await pollAcknowledgements(svc.ctx, parts.adapters, { intervalMs: 0 });
    await followUpIccam(svc.ctx, parts.adapters.inhope as IccamAdapter);
    svc.clock.advance(7 * DAY + 60_000);
    locator.set('nl-host.test', { geo: 'BE' });

    // Now: one whose DNS timed out (answers again), one whose worker died mid-delivery.
    const lateDns = await refer('S-DNS', 'late-dns.test');
    const crashed = await refer('S-CRASH', 'be-host.test');
    await locatePending(svc.ctx, locator);
    await svc.ctx.store.claimDue({
      destination: 'police',
      now: svc.clock.now().getTime(),
      limit: 1,
      leaseMs: 120_000,
      token: 'dead-worker',
      actor: 'system:test',
    });
    locator.set('late-dns.test', { geo: 'BE' });
    svc.clock.advance(3 * 60_000);

    const { out, run } = capture();
    const results = await run({ json: true });
    expect(results.map((r) => [r.job, r.status])).toEqual(RECONCILIATION_JOB_NAMES.map((n) => [n, 'ok']));
    const report = Object.fromEntries(results.map((r) => [r.job, (r as { report: object }).report]));
    expect(report).toMatchObject({
      'lease-reaper': { returned: 1 },
      locate: { routed: 1 },
      overdue: { asked: 1, flagged: 1, resent: 1 },
      // Both a week past their referral, with their content not known to be down.
      'removal-overdue': { flagged: 2, overdueNow: 2 },
      'still-online': { checked: 1, moved: 1 },
      'daily-summary': { overdue: 1 },
    });

    const get = async (id: string) => (await svc.ctx.store.getHandover(id))!;
    expect(await get(crashed)).toMatchObject({ state: 'routed' });
    expect(await get(lateDns)).toMatchObject({ state: 'routed', destination: 'police' });
    expect(await get(silent)).toMatchObject({ state: 'delivered', overdueAt: expect.any(Number), resentAt: expect.any(Number) });
    expect(police.cases.get(silent)!.posts).toBe(2);
    const successors = (await svc.ctx.store.getReferralByReportId('S-ACK'))!.handovers.filter((h) => h.parentId === moved);
    expect(successors).toMatchObject([{ state: 'routed', destination: 'police', country: 'BE' }]);

    const printed = JSON.parse(out.text) as { jobs: { job: string }[] };
    expect(printed.jobs.map((j) => j.job)).toEqual([...RECONCILIATION_JOB_NAMES]);
    // A second pass right after finds nothing left to do.
    const again = await capture().run({ job: ['lease-reaper', 'locate', 'overdue', 'still-online'] });
    expect(again.map((r) => (r as { report: Record<string, number> }).report)).toMatchObject([
      { returned: 0 },
      { routed: 0 },
      { flagged: 0, resent: 0 },
      { checked: 0 },
    ]);
  });

  it('prints a table, one row per job', async () => {
    const { out, run } = capture();
    await run({ job: ['overdue', 'daily-summary'] });
    const lines = out.text.split('\n');
    expect(lines[0]).toMatch(/^job\s+status\s+ms\s+what it did$/);
    expect(lines[1]).toMatch(/^overdue\s+ok\s+\d+\s+asked=0 answered=0 flagged=0 resent=0/);
    expect(lines[2]).toMatch(/^daily-summary\s+ok\s+\d+\s+total=0 overdue=0 needsReview=0 failed=0$/);
  });

  it('refuses an unknown job name', async () => {
    await expect(capture().run({ job: ['dispatch'] })).rejects.toThrow(/unknown job dispatch/);
  });

  it('formats failures and skips readably', () => {
    const table = formatReconciliationTable([
      { job: 'overdue', status: 'failed', error: 'database is locked', ms: 12 },
      { job: 'locate', status: 'skipped', reason: 'overlap' },
    ]);
    expect(table).toBe('job      status   ms  what it did\noverdue  failed   12  database is locked\nlocate   skipped  -   overlap\n');
  });
});
