/**
 * The ICCAM follow-up (contract §4 `inhope`, Status and Country assignment). ICCAM has no
 * callbacks, so every delivered case is asked for by polling, the least recently asked first:
 * at most every ICCAM_POLL_DELIVERED_MS before its acknowledgement, every
 * ICCAM_POLL_ACKNOWLEDGED_MS after. Each pass per case:
 *  1. finds the content id when the create could not (its second call failed);
 *  2. reads the content, and applies what its actions say (by name);
 *  3. when ICCAM assigned the case to another country than ours, corrects it: first the
 *     hosting (one PUT), in a later pass the assigned country (the other PUT), each recorded
 *     in the audit trail. "Not in correct state" is tried again next pass, for a while.
 */
import type { Context } from '../context.js';
import { coerceError, InvalidTransitionError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';
import { applyAcknowledgement } from './apply-acknowledgement.js';
import type { IccamAdapter, IccamContentView } from './destinations/iccam-exchange.js';

export interface IccamFollowUpSummary {
  asked: number;
  applied: number;
  contentIdsFound: number;
  hostingCorrected: number;
  countriesAssigned: number;
  notInState: number;
  errors: number;
}

const ACTOR = 'system:iccam-followup';
const DEFAULT_ICCAM_POLL = { deliveredMs: 3_600_000, acknowledgedMs: 21_600_000 };

export async function followUpIccam(ctx: Context, adapter: IccamAdapter, options: { limit?: number } = {}): Promise<IccamFollowUpSummary> {
  const summary: IccamFollowUpSummary = { asked: 0, applied: 0, contentIdsFound: 0, hostingCorrected: 0, countriesAssigned: 0, notInState: 0, errors: 0 };
  const settings = ctx.config.destinations.inhope;
  const deliveredMs = settings?.pollDeliveredMs ?? DEFAULT_ICCAM_POLL.deliveredMs;
  const acknowledgedMs = settings?.pollAcknowledgedMs ?? DEFAULT_ICCAM_POLL.acknowledgedMs;
  const limit = options.limit ?? 100;
  // Another replica may have read the lookup lists since: use what the store holds.
  await adapter.vocabulary.load();
  const now = ctx.clock.now().getTime();
  const due = [
    ...(await ctx.store.findHandovers({
      states: ['delivered'],
      destination: 'inhope',
      lastPolledBefore: now - deliveredMs,
      order: 'least-recently-polled',
      limit,
    })),
    ...(await ctx.store.findHandovers({
      states: ['acknowledged'],
      destination: 'inhope',
      lastPolledBefore: now - acknowledgedMs,
      order: 'least-recently-polled',
      limit,
    })),
  ].filter((h) => h.reference);
  if (due.length === 0) return summary;
  // Marked asked up front: a query that fails is asked again at the next interval.
  await ctx.store.markPolled(
    due.map((h) => h.id),
    now,
  );
  // One at a time: ICCAM takes one call at a time anyway (the gate).
  for (const handover of due) {
    try {
      await followUpOne(ctx, adapter, handover, summary);
    } catch (error) {
      if (error instanceof InvalidTransitionError) continue; // changed meanwhile: its new state stands
      summary.errors++;
      ctx.logger.error('iccam follow-up failed', { component: 'iccam-followup', handoverId: handover.id, error: coerceError(error).message });
    }
  }
  return summary;
}

async function followUpOne(ctx: Context, adapter: IccamAdapter, handover: HandoverRecord, summary: IccamFollowUpSummary): Promise<void> {
  let contentId = handover.secondaryReference;
  if (!contentId) {
    const found = await adapter.findContentId(handover.reference!, handover.url);
    if (typeof found !== 'string') {
      summary.errors++;
      return;
    }
    contentId = found;
    await ctx.store.annotate(handover.id, {
      actor: ACTOR,
      kind: 'iccam_content_found',
      reason: `ICCAM report ${handover.reference} holds our URL as content ${found}`,
      set: { secondaryReference: found },
      data: { reportId: handover.reference, contentId: found },
      now: ctx.clock.now().getTime(),
    });
    summary.contentIdsFound++;
  }
  summary.asked++;
  const content = await adapter.readContent(contentId);
  if ('kind' in content) {
    summary.errors++;
    return;
  }
  const observation = adapter.observe(content, handover.reference!);
  if (observation.effect !== 'none') {
    const result = await applyAcknowledgement(ctx, handover, observation, { source: 'poll', actor: ACTOR });
    if (result.applied) summary.applied++;
    if (observation.effect !== 'acknowledge') return; // a final word: nothing left to correct
  }
  if (handover.state === 'delivered') await correctAssignment(ctx, adapter, handover, contentId, content, summary);
}

/** One step of the country-assignment correction per pass (contract §4). */
async function correctAssignment(
  ctx: Context,
  adapter: IccamAdapter,
  handover: HandoverRecord,
  contentId: string,
  content: IccamContentView,
  summary: IccamFollowUpSummary,
): Promise<void> {
  const target = handover.decision?.assignedCountry ?? null;
  // An orphan stays unassigned; a case ICCAM already assigned to our country needs nothing.
  if (target === null || content.assignedCountryCode === target) return;
  const step = handover.iccamAssignment;
  if (step === 'assigned' || step === 'gave-up') return;
  const now = ctx.clock.now().getTime();
  const hostingCountry = handover.decision?.country ?? target;
  const ip = primaryIp(handover) ?? content.hostingIpAddress ?? '';
  const result = step === null ? await adapter.correctHosting(contentId, ip, hostingCountry) : await adapter.assignCountry(contentId, target);
  const what = step === null ? `hosting corrected to ${hostingCountry}` : `assigned to ${target}`;
  if (result.kind === 'done') {
    await ctx.store.annotate(handover.id, {
      actor: ACTOR,
      kind: step === null ? 'iccam_hosting_corrected' : 'iccam_country_assigned',
      reason: `ICCAM had assigned it to ${content.assignedCountryCode ?? 'no country'}: ${what}`,
      expectState: ['delivered'],
      // The second PUT comes in the next pass, which this makes due at once.
      set: step === null ? { iccamAssignment: 'hosting-corrected', lastPolledAt: null } : { iccamAssignment: 'assigned' },
      data: { contentId, assignedCountryCode: content.assignedCountryCode, target, hostingCountry, statusCode: result.statusCode },
      now,
    });
    if (step === null) summary.hostingCorrected++;
    else summary.countriesAssigned++;
    return;
  }
  if (result.kind === 'not_in_state') summary.notInState++;
  else summary.errors++;
  const retryMs = adapter.notReadyRetryMs;
  if (result.kind === 'not_in_state' && now - (handover.deliveredAt ?? now) >= retryMs) {
    await ctx.store.annotate(handover.id, {
      actor: ACTOR,
      kind: 'iccam_assignment_gave_up',
      reason: `ICCAM kept answering "not in correct state" for ${Math.round(retryMs / 60_000)} min: the assignment (${what}) needs a person`,
      expectState: ['delivered'],
      set: { iccamAssignment: 'gave-up' },
      data: { contentId, target, statusCode: result.statusCode },
      now,
    });
    return;
  }
  // Asked again next pass rather than in an hour: the correction is still owed. (Marked as if
  // asked long ago: no audit event for every try; the attempt that succeeds or gives up has one.)
  await ctx.store.markPolled([handover.id], 0);
}

function primaryIp(handover: HandoverRecord): string | null {
  const addresses = handover.evidence?.addresses ?? [];
  const country = handover.decision?.country ?? null;
  const routable = addresses.filter((a) => a.publiclyRoutable);
  return (routable.find((a) => a.geo.country === country || a.registry.country === country) ?? routable[0] ?? addresses[0])?.address ?? null;
}
