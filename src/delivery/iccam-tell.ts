/**
 * Telling ICCAM what became of the partner items it handed us (contract §4 Inbound, Actions
 * back). Each pass reads the items that may still owe ICCAM news and derives, from each one's
 * state alone (src/domain/inbound.ts), what ICCAM is still to hear: our reference first (the
 * claim), then our assessment (only a National one is overruled), then ReportedToLEA, Removed,
 * Unavailable or NotIllegal. Nothing is queued when a case moves on, so whatever moves it — the
 * dispatcher, the police, an observation, a supervisor — the news follows.
 *
 * Each message goes through the ICCAM gate exactly once: before anything is sent the item is
 * read (`GET rest/Content/{id}`), and only sent while ICCAM still has it assigned to the home
 * country and without that action type already (SCARt's `validateAction`). An answer lost on the
 * way is therefore checked against that read in the next pass, never blindly sent again. What
 * ICCAM refuses three times is left to a person. Every message is an audit event.
 */
import type { Context } from '../context.js';
import { InvalidTransitionError } from '../domain/errors.js';
import { HANDOVER_STATES } from '../domain/handover-states.js';
import {
  dueIccamMessages,
  ICCAM_MESSAGE_TRIES,
  inboundSettled,
  reasonText,
  type DueAction,
  type IccamMessage,
  type IccamTold,
  type InboundFacts,
} from '../domain/inbound.js';
import type { HandoverRecord } from '../store/store.js';
import { closeMovedOn } from './close-moved-on.js';
import type { IccamAdapter, IccamContentView, IccamPutResult } from './destinations/iccam-exchange.js';
import { IccamInboundClient } from './destinations/iccam-inbound-client.js';
import { idOf } from './destinations/iccam-lookups.js';

export interface TellSummary {
  /** Partner items looked at. */
  items: number;
  /** Messages ICCAM took (references, assessments, actions). */
  told: number;
  /** Actions ICCAM already had (an answer lost before, or someone else's). */
  found: number;
  refused: number;
  /** Items ICCAM reassigned elsewhere: followed, told nothing more. */
  followed: number;
  /** Items owed nothing more. */
  settled: number;
  tellErrors: number;
}

const ACTOR = 'system:iccam-inbound';

export async function tellIccam(ctx: Context, adapter: IccamAdapter, options: { limit?: number } = {}): Promise<TellSummary> {
  const summary: TellSummary = { items: 0, told: 0, found: 0, refused: 0, followed: 0, settled: 0, tellErrors: 0 };
  const client = new IccamInboundClient(adapter, ctx.clock);
  await adapter.vocabulary.load();
  const open = await ctx.store.findHandovers({ states: HANDOVER_STATES, inboundOpen: true, limit: options.limit ?? 200 });
  // One at a time: ICCAM takes one call at a time anyway (the gate).
  for (const item of open) {
    summary.items++;
    try {
      await tellAbout(ctx, adapter, client, item, summary);
    } catch (error) {
      if (error instanceof InvalidTransitionError) continue; // it moved on meanwhile: the next pass sees it
      summary.tellErrors++;
      ctx.logger.error('telling ICCAM failed', { component: 'iccam-inbound', handoverId: item.id, error: error instanceof Error ? error.name : 'error' });
    }
  }
  return summary;
}

function factsOf(h: HandoverRecord): InboundFacts {
  return {
    state: h.state,
    outcome: h.outcome,
    destination: h.destination,
    deliveredAt: h.deliveredAt,
    partnerAssessment: h.partnerAssessment,
    hotlineAssessment: h.hotlineAssessment,
    iccamTold: h.iccamTold,
  };
}

async function tellAbout(ctx: Context, adapter: IccamAdapter, client: IccamInboundClient, item: HandoverRecord, summary: TellSummary): Promise<void> {
  let h = item;
  // Sent on to another country's hotline, and left delivered by a crash: our part is over.
  if (h.state === 'delivered' && h.destination === 'inhope') {
    await closeMovedOn(ctx, h, ACTOR);
    h = (await ctx.store.getHandover(h.id))!;
  }
  const carrier = h.state === 'duplicate' && h.duplicateOf ? await ctx.store.getHandover(h.duplicateOf) : null;
  const carrierFacts = carrier ? factsOf(carrier) : null;
  const due = dueIccamMessages(factsOf(h), carrierFacts);
  if (due.length === 0) {
    if (inboundSettled(factsOf(h), carrierFacts)) await settle(ctx, h, summary);
    return;
  }
  const contentId = h.inboundContentId!;
  const content = await adapter.readContent(contentId);
  if ('kind' in content) {
    summary.tellErrors++;
    return;
  }
  const home = ctx.policy.homeCountry;
  if (content.assignedCountryCode !== home) {
    await follow(ctx, h, content.assignedCountryCode, summary);
    return;
  }
  let told: IccamTold = structuredClone(h.iccamTold ?? {});
  const actionsThere = new Set(content.actionWords.map((a) => a.word));
  for (const d of due) {
    // Ids for names ICCAM no longer lists would tell it something else: the reference alone goes
    // (readiness names what is missing), the rest waits, as ICCAM deliveries do.
    if (d.message !== 'reference' && adapter.vocabulary.missing.length > 0) return;
    const step = await tellOne(ctx, adapter, client, h, d, content, actionsThere);
    const now = ctx.clock.now().getTime();
    if (step.kind === 'done' || step.kind === 'found' || step.kind === 'skipped') {
      told = recordTold(told, d.message, now, step);
      if (d.message !== 'reference' && d.message !== 'assessment') actionsThere.add(d.message);
      h = await ctx.store.annotate(h.id, {
        actor: ACTOR,
        kind: step.kind === 'found' ? (d.message === 'assessment' ? 'iccam_assessment_found' : 'iccam_action_found') : messageEvent(d.message),
        reason: tellReason(d, step),
        set: { iccamTold: told },
        data: { contentId, message: d.message, ...(d.reason ? { reason: d.reason } : {}), ...(step.kind === 'done' ? { statusCode: step.statusCode } : {}) },
        now,
      });
      if (step.kind === 'found') summary.found++;
      else if (step.kind === 'done') summary.told++;
      continue;
    }
    if (step.kind === 'error' && step.arrived !== 'refused') return; // not arrived, or unknown: the next pass reads it again
    // Refused (or still not in the right state): counted, and after three times left to a person.
    summary.refused++;
    const tries = (told.refusals?.[d.message] ?? 0) + 1;
    told = { ...told, refusals: { ...told.refusals, [d.message]: tries } };
    const gaveUp = tries >= ICCAM_MESSAGE_TRIES;
    if (gaveUp) told = { ...told, gaveUp: { ...told.gaveUp, [d.message]: { at: now, detail: step.detail } } };
    h = await ctx.store.annotate(h.id, {
      actor: ACTOR,
      kind: gaveUp ? 'iccam_gave_up' : 'iccam_refused',
      reason: gaveUp
        ? `ICCAM refused ${d.message} ${tries} times (${step.detail}): a person looks at it`
        : `ICCAM refused ${d.message}, try ${tries} of ${ICCAM_MESSAGE_TRIES}: ${step.detail}`,
      set: { iccamTold: told },
      data: { contentId, message: d.message, statusCode: step.statusCode, tries },
      now,
    });
    if (!gaveUp) return;
  }
}

type Step = IccamPutResult | { kind: 'found'; date: string | null } | { kind: 'skipped'; why: string };

/** One message, checked against what ICCAM shows right now. */
async function tellOne(
  ctx: Context,
  adapter: IccamAdapter,
  client: IccamInboundClient,
  h: HandoverRecord,
  d: DueAction,
  content: IccamContentView,
  actionsThere: ReadonlySet<string>,
): Promise<Step> {
  const contentId = h.inboundContentId!;
  const ids = adapter.vocabulary.ids;
  if (d.message === 'reference') return client.setReference(contentId, h.id);
  if (d.message === 'assessment') {
    const c = h.classification;
    const ours = {
      classification: idOf(ids, 'classifications', c.category),
      ageCategorization: idOf(ids, 'age-categories', c.ageGroup),
      genderCategorization: idOf(ids, 'gender-categories', c.gender ?? 'unknown'),
    };
    const last = content.assessments.at(-1);
    // Ours already (an answer lost on the way): not sent again.
    if (
      last?.assessingAnalystName === adapter.analystName &&
      last.classification === ours.classification &&
      last.ageCategorization === ours.ageCategorization &&
      last.genderCategorization === ours.genderCategorization
    ) {
      return { kind: 'found', date: null };
    }
    const national = last?.classification == null ? false : ids.classifications.word.get(last.classification) === 'national';
    // Only a National assessment may be overruled; ICCAM holding another now (the partner's own change) stands.
    if (!national) return { kind: 'skipped', why: 'ICCAM no longer holds a National assessment to overrule' };
    return client.putAssessment(contentId, ours);
  }
  if (actionsThere.has(d.message)) return { kind: 'found', date: content.actionWords.find((a) => a.word === d.message)?.date ?? null };
  const note = h.hotlineAssessment?.illegal === false ? h.hotlineAssessment.note : null;
  return client.postAction(contentId, {
    word: d.message,
    at: ctx.clock.now(),
    ...(d.reason ? { reason: d.reason, reasonText: reasonText(d.reason, d.message === 'NotIllegal' ? note : null) } : {}),
  });
}

function recordTold(told: IccamTold, message: IccamMessage, at: number, step: Step): IccamTold {
  if (message === 'reference') return { ...told, reference: { at } };
  if (message === 'assessment')
    return { ...told, assessment: { at, ...(step.kind === 'skipped' ? { skipped: step.why } : {}), ...(step.kind === 'found' ? { found: true } : {}) } };
  return { ...told, actions: { ...told.actions, [message]: { at, found: step.kind === 'found' } } };
}

function messageEvent(message: IccamMessage): string {
  if (message === 'reference') return 'iccam_reference_set';
  if (message === 'assessment') return 'iccam_assessment_sent';
  return 'iccam_action_sent';
}

function tellReason(d: DueAction, step: Step): string {
  if (step.kind === 'found') return `ICCAM already holds our ${d.message} on the content: not sent again`;
  if (step.kind === 'skipped') return `assessment not sent: ${step.why}`;
  if (d.message === 'reference') return 'our reference (this handover id) set on the content in ICCAM: the item is ours';
  if (d.message === 'assessment') return 'our assessment sent to ICCAM (it overrules the partner’s National one)';
  return `${d.message} sent to ICCAM${d.reason ? ` (reason ${d.reason})` : ''}`;
}

/**
 * ICCAM has the item assigned to another country now: that country's hotline's. It is followed,
 * recorded once, told nothing more; one still waiting for our assessment is over for us.
 */
async function follow(ctx: Context, h: HandoverRecord, country: string | null, summary: TellSummary): Promise<void> {
  const now = ctx.clock.now().getTime();
  const told: IccamTold = { ...h.iccamTold, followed: { country: country ?? 'none', at: now } };
  const reason = `ICCAM now assigns the content to ${country ?? 'no country'}: that hotline's now, and told nothing more by us`;
  const data = { contentId: h.inboundContentId, assignedCountryCode: country };
  if (h.state === 'awaiting_assessment') {
    await ctx.store.transition(h.id, {
      to: 'closed',
      actor: ACTOR,
      kind: 'iccam_assignment_followed',
      reason,
      expectState: 'awaiting_assessment',
      set: { iccamTold: told, outcome: 'moved_on', closedAt: now, inboundDoneAt: now },
      data,
      now,
    });
  } else {
    await ctx.store.annotate(h.id, { actor: ACTOR, kind: 'iccam_assignment_followed', reason, set: { iccamTold: told, inboundDoneAt: now }, data, now });
  }
  summary.followed++;
}

async function settle(ctx: Context, h: HandoverRecord, summary: TellSummary): Promise<void> {
  const now = ctx.clock.now().getTime();
  await ctx.store.annotate(h.id, {
    actor: ACTOR,
    kind: 'iccam_inbound_settled',
    reason: 'ICCAM has been told everything this case came to',
    set: { inboundDoneAt: now },
    data: { contentId: h.inboundContentId, told: Object.keys(h.iccamTold?.actions ?? {}) },
    now,
  });
  summary.settled++;
}
