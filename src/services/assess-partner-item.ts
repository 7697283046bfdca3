/**
 * A Belgian analyst's assessment of content a partner hotline handed us through ICCAM (contract
 * §3 `POST /v1/handovers/:id/assessment`, §4 Inbound). Illegal here: the handover takes our
 * classification and is located; not illegal here: it closes with outcome `not_illegal` and the
 * reason. What ICCAM is told of it (the assessment when ICCAM's was National; NotIllegal, or
 * Unavailable for content not found) follows from the recorded assessment in the next inbound
 * pass (src/delivery/iccam-tell.ts): the analyst never waits on ICCAM.
 */
import type { Context } from '../context.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { HotlineAssessment } from '../domain/inbound.js';
import type { NotIllegalReason } from '../domain/iccam-words.js';
import { normaliseClassification, type Classification } from '../domain/referral.js';
import type { HandoverRecord } from '../store/store.js';

export type PartnerItemAssessment = { illegal: true; classification: Classification } | { illegal: false; reason: NotIllegalReason; note?: string | undefined };

export async function assessPartnerItem(ctx: Context, handoverId: string, input: PartnerItemAssessment, actor: string): Promise<HandoverRecord> {
  const handover = await ctx.store.getHandover(handoverId);
  if (!handover) throw new NotFoundError(`Handover ${handoverId}`);
  if (handover.state !== 'awaiting_assessment') {
    throw new ConflictError(
      'not_awaiting_assessment',
      `Handover ${handoverId} is ${handover.state}: only a partner's item awaiting its assessment can be assessed.`,
      {
        state: handover.state,
      },
    );
  }
  const now = ctx.clock.now().getTime();
  if (input.illegal) {
    const classification = normaliseClassification(input.classification);
    const assessment: HotlineAssessment = { illegal: true, classification, at: now, by: actor };
    const updated = await ctx.store.transition(handoverId, {
      to: 'locating',
      actor,
      kind: 'assessment',
      reason: `assessed illegal in Belgium (${classification.category}): located next`,
      expectState: 'awaiting_assessment',
      set: { ownClassification: classification, hotlineAssessment: assessment, nextAttemptAt: now, locateAttempts: 0 },
      data: { illegal: true, classification },
      now,
    });
    ctx.wakeups.locate.notify();
    return updated;
  }
  const assessment: HotlineAssessment = { illegal: false, reason: input.reason, note: input.note ?? null, at: now, by: actor };
  return ctx.store.transition(handoverId, {
    to: 'closed',
    actor,
    kind: 'assessment',
    reason: `assessed not illegal in Belgium (${input.reason})`,
    expectState: 'awaiting_assessment',
    set: { hotlineAssessment: assessment, outcome: 'not_illegal', closedAt: now, nextAttemptAt: null },
    // The note is the analyst's own words: kept with the assessment, never logged.
    data: { illegal: false, reason: input.reason },
    now,
  });
}
