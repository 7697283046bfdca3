/**
 * The ICCAM follow-up (contract §4 `inhope`, Status and Country assignment). ICCAM has no
 * callbacks, so every delivered case is asked for by polling, the least recently asked first:
 * at most every ICCAM_POLL_DELIVERED_MS before its acknowledgement, every
 * ICCAM_POLL_ACKNOWLEDGED_MS after. Each pass per case:
 *  1. finds the content id when the create could not (its second call failed);
 *  2. reads the content, and applies what its actions say (by name);
 *  3. when ICCAM assigned the case to the home country though our evidence says another,
 *     moves it: first the hosting (one PUT), in a later pass the assigned country (the other
 *     PUT), each recorded in the audit trail; "not in correct state" is tried again for a while,
 *     a refusal three times at most. Assigned to any other country, the case follows ICCAM.
 */
import type { Context } from '../context.js';
import { coerceError, InvalidTransitionError } from '../domain/errors.js';
import { memberHotline } from '../domain/routing/routing-policy.js';
import type { HandoverRecord } from '../store/store.js';
import { applyAcknowledgement } from './apply-acknowledgement.js';
import type { IccamAdapter, IccamContentView } from './destinations/iccam-exchange.js';
import { primaryHostingAddress } from '../domain/evidence.js';

export interface IccamFollowUpSummary {
  asked: number;
  applied: number;
  contentIdsFound: number;
  hostingCorrected: number;
  countriesAssigned: number;
  /** ICCAM had assigned it to another country, which the handover now follows. */
  assignmentsFollowed: number;
  /** ICCAM refused the reassignment three times: now in needs_review. */
  assignmentsRefused: number;
  notInState: number;
  errors: number;
}

const ACTOR = 'system:iccam-followup';
const DEFAULT_ICCAM_POLL = { deliveredMs: 3_600_000, acknowledgedMs: 21_600_000 };

export async function followUpIccam(ctx: Context, adapter: IccamAdapter, options: { limit?: number } = {}): Promise<IccamFollowUpSummary> {
  const summary: IccamFollowUpSummary = {
    asked: 0,
    applied: 0,
    contentIdsFound: 0,
    hostingCorrected: 0,
    countriesAssigned: 0,
    assignmentsFollowed: 0,
    assignmentsRefused: 0,
    notInState: 0,
    errors: 0,
  };
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

/** How soon a reassignment that did not go through is tried again. */
const ASSIGNMENT_RETRY_MS = 5 * 60_000;
/** ICCAM refusing a reassignment this many times leaves it to a person. */
const ASSIGNMENT_TRIES = 3;

/**
 * The country assignment, one step per pass (contract §4). We move a report only when ICCAM
 * assigned it to the home country and our evidence says another: first the hosting (one PUT),
 * in a later pass the assigned country (the other). Content ICCAM assigned to any other country
 * belongs to that country's hotline: we never move it back, but follow it — recorded, and
 * counted under that country from then on. A refused PUT goes to a person after three tries.
 */
async function correctAssignment(
  ctx: Context,
  adapter: IccamAdapter,
  handover: HandoverRecord,
  contentId: string,
  content: IccamContentView,
  summary: IccamFollowUpSummary,
): Promise<void> {
  const target = handover.decision?.assignedCountry ?? null;
  const assigned = content.assignedCountryCode;
  const home = ctx.policy.homeCountry;
  const step = handover.iccamAssignment;
  // An orphan stays unassigned; what ICCAM assigned as we decided needs nothing; a step done or given up is not repeated.
  if (target === null || assigned === null || assigned === target || step === 'assigned' || step === 'gave-up' || step === 'followed') return;
  const now = ctx.clock.now().getTime();
  if (assigned !== home) {
    await followAssignment(ctx, handover, contentId, assigned, now);
    summary.assignmentsFollowed++;
    return;
  }
  const hostingCountry = handover.decision?.country ?? target;
  const ip = primaryIp(handover) ?? content.hostingIpAddress ?? '';
  const result = step === null ? await adapter.correctHosting(contentId, ip, hostingCountry) : await adapter.assignCountry(contentId, target);
  const what = step === null ? `hosting corrected to ${hostingCountry}` : `assigned to ${target}`;
  if (result.kind === 'done') {
    await ctx.store.annotate(handover.id, {
      actor: ACTOR,
      kind: step === null ? 'iccam_hosting_corrected' : 'iccam_country_assigned',
      reason: `ICCAM had assigned it to ${assigned}: ${what}`,
      expectState: ['delivered'],
      // The second PUT comes in the next pass, which this makes due at once.
      set: step === null ? { iccamAssignment: 'hosting-corrected', lastPolledAt: null } : { iccamAssignment: 'assigned' },
      data: { contentId, assignedCountryCode: assigned, target, hostingCountry, statusCode: result.statusCode },
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
  if (result.kind === 'error' && result.arrived === 'refused') {
    const tries = handover.iccamAssignmentTries + 1;
    if (tries >= ASSIGNMENT_TRIES) {
      await ctx.store.transition(handover.id, {
        to: 'needs_review',
        actor: ACTOR,
        reason: `iccam_assignment_refused: ICCAM refused the reassignment (${what}) ${tries} times: ${result.detail}`,
        expectState: ['delivered'],
        set: { iccamAssignment: 'gave-up', iccamAssignmentTries: tries, failureReason: 'iccam_assignment_refused' },
        data: { contentId, target, statusCode: result.statusCode, tries, reviewReason: 'iccam_assignment_refused' },
        now,
      });
      summary.assignmentsRefused++;
      return;
    }
    await ctx.store.annotate(handover.id, {
      actor: ACTOR,
      kind: 'iccam_assignment_refused',
      reason: `ICCAM refused the reassignment (${what}), try ${tries} of ${ASSIGNMENT_TRIES}: ${result.detail}`,
      expectState: ['delivered'],
      set: { iccamAssignmentTries: tries },
      data: { contentId, target, statusCode: result.statusCode, tries },
      now,
    });
  }
  // Asked again in a few minutes rather than in an hour: the step is still owed. (No audit event
  // for each try that did not arrive; the one that succeeds, is refused or gives up has one.)
  const deliveredMs = ctx.config.destinations.inhope?.pollDeliveredMs ?? DEFAULT_ICCAM_POLL.deliveredMs;
  await ctx.store.markPolled([handover.id], now - deliveredMs + ASSIGNMENT_RETRY_MS);
}

/**
 * ICCAM assigned the content to another country than ours or the one we chose: it is that
 * country's hotline's now. The handover follows — recorded, and counted under that country.
 */
async function followAssignment(ctx: Context, handover: HandoverRecord, contentId: string, country: string, now: number): Promise<void> {
  await ctx.store.annotate(handover.id, {
    actor: ACTOR,
    kind: 'iccam_assignment_followed',
    reason: `ICCAM assigned it to ${country} (we chose ${handover.assignedCountry ?? 'none'}): that country's hotline has it now; never moved back`,
    set: { iccamAssignment: 'followed', assignedCountry: country, country, targetHotline: memberHotline(ctx.policy, country) },
    data: { contentId, assignedCountryCode: country, previousCountry: handover.country, previousAssignedCountry: handover.assignedCountry },
    now,
  });
}

function primaryIp(handover: HandoverRecord): string | null {
  return primaryHostingAddress(handover.evidence?.addresses ?? [], handover.decision?.country ?? null)?.address ?? null;
}
