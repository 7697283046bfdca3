import type { Config } from '../../config/config.js';
import { OUTSTANDING_STATES } from '../../domain/handover-states.js';
import { iso, reviewView } from '../../services/record-views.js';
import { openStore } from '../../store/open-store.js';

const REVIEW_LIST_LIMIT = 50;

/** 90 → "1m", 7200 → "2h", 200000 → "2d": the age a supervisor reads at a glance. */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

/** Counts per state and the oldest outstanding handovers; or one handover with its trail. */
export async function statusCommand(config: Config, handoverId: string | undefined, opts: { json?: boolean }): Promise<void> {
  const store = openStore({ url: config.database.url, poolSize: 1, statementTimeoutMs: config.database.statementTimeoutMs });
  try {
    await store.migrate();
    if (handoverId) {
      const h = await store.getHandover(handoverId);
      if (!h) {
        process.stderr.write(`no handover ${handoverId}\n`);
        process.exitCode = 1;
        return;
      }
      const audit = await store.listAuditEvents(handoverId);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ id: h.id, state: h.state, destination: h.destination, country: h.country, reference: h.reference, audit }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(`handover ${h.id}: ${h.state}  destination ${h.destination ?? '-'}  country ${h.country ?? '-'}  reference ${h.reference ?? '-'}\n`);
      for (const e of audit) process.stdout.write(`  ${iso(e.at)}  ${e.fromState ?? '-'} → ${e.toState ?? '-'}  ${e.kind}  by ${e.actor}  ${e.reason ?? ''}\n`);
      return;
    }
    const counts = await store.countByStateAndDestination();
    const oldest = await store.findHandovers({ states: OUTSTANDING_STATES, limit: 10 });
    const now = Date.now();
    const inReview = (await store.findHandovers({ states: ['needs_review'], limit: REVIEW_LIST_LIMIT })).map((h) => ({
      id: h.id,
      country: h.country,
      ...reviewView(h, now)!,
    }));
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ counts, oldestOutstanding: oldest.map((h) => ({ id: h.id, state: h.state, destination: h.destination, createdAt: iso(h.createdAt) })), needsReview: inReview }, null, 2)}\n`,
      );
      return;
    }
    process.stdout.write('state          destination  count\n');
    for (const c of counts) process.stdout.write(`${c.state.padEnd(15)}${(c.destination ?? '-').padEnd(13)}${c.count}\n`);
    process.stdout.write('\noldest outstanding:\n');
    for (const h of oldest) process.stdout.write(`  ${h.id}  ${h.state.padEnd(13)} ${(h.destination ?? '-').padEnd(7)} since ${iso(h.createdAt)}\n`);
    process.stdout.write(`\nneeds review (oldest first${inReview.length === REVIEW_LIST_LIMIT ? `, first ${REVIEW_LIST_LIMIT}` : ''}):\n`);
    if (inReview.length === 0) process.stdout.write('  none\n');
    for (const r of inReview)
      process.stdout.write(`  ${r.id}  ${formatAge(r.ageSeconds).padStart(7)}  ${(r.country ?? '-').padEnd(3)} ${r.reasons.join(', ') || '-'}\n`);
  } finally {
    await store.close();
  }
}
