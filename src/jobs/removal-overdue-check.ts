/**
 * The takedown escalation: a handover the destination holds (delivered or acknowledged) whose
 * takedown clock passed the last TAKEDOWN_TARGETS mark with its content not known to be down is
 * flagged `removal_overdue` (an audit event; `removalOverdueAt` on the record), so it shows in
 * the console's list of cases to chase and in hrr_handovers_removal_overdue. Nothing is sent:
 * a supervisor chases the partner hotline or the police and notes it.
 */
import type { Context } from '../context.js';
import { DESTINATIONS } from '../domain/decision.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { lastMark } from '../domain/takedown-targets.js';

export interface RemovalOverdueSummary {
  /** Newly flagged this run. */
  flagged: number;
  /** Flagged and still with the destination, content not known to be down, after this run (the gauge's total). */
  overdueNow: number;
}

const ACTOR = 'system:removal-overdue';
/** Flagged per batch; a first run on a large backlog takes several batches, at most MAX_BATCHES. */
const BATCH = 200;
const MAX_BATCHES = 25;

export async function checkRemovalOverdue(ctx: Context): Promise<RemovalOverdueSummary> {
  const summary: RemovalOverdueSummary = { flagged: 0, overdueNow: 0 };
  const mark = lastMark(ctx.config.takedownTargets);
  const at = ctx.clock.now().getTime();
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const pending = await ctx.store.findRemovalPending(at - mark.ms, BATCH);
    for (const candidate of pending) {
      try {
        await ctx.store.annotate(candidate.id, {
          actor: ACTOR,
          kind: 'removal_overdue',
          reason: `${mark.label} since the referral and the content is not known to be down: chase ${candidate.destination ?? 'the destination'}`,
          expectState: ['delivered', 'acknowledged'],
          set: { removalOverdueAt: at },
          data: { destination: candidate.destination, startedAt: new Date(candidate.startedAt).toISOString(), mark: mark.label },
          now: at,
        });
        summary.flagged++;
      } catch (error) {
        if (!(error instanceof InvalidTransitionError)) throw error; // closed meanwhile: nothing to chase
      }
    }
    if (pending.length < BATCH) break;
  }
  // The gauge, from the store: every replica reports the same figure.
  const counts = await ctx.store.countRemovalOverdueByDestination();
  for (const destination of DESTINATIONS) {
    const count = counts.find((c) => c.destination === destination)?.count ?? 0;
    ctx.metrics.removalOverdueHandovers.set({ destination }, count);
    summary.overdueNow += count;
  }
  return summary;
}
