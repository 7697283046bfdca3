/**
 * The inbound import (contract §4 Inbound): what partner hotlines hand to the home country
 * through ICCAM becomes our own case, one handover per content item.
 *
 * Record first, then claim. ICCAM lists the items assigned to us that carry no reference of ours
 * (`GET rest/Content/no-reference`, assigned since the last import's start less 30 minutes); for
 * each report its items are read, and recorded in one transaction — the referral once per ICCAM
 * report (`iccam:<reportId>`, the partner hotline, when ICCAM assigned it), a handover once per
 * content id. Only then is our reference (the handover id) set on each item, which takes it off
 * the list: the claim is the first thing the inbound pass (iccam-tell.ts, run right after) tells
 * ICCAM about any item, whatever window the next import asks for. A crash in between is harmless:
 * the next import finds the item recorded, and only the reference is sent. Items ICCAM assigned
 * elsewhere are left alone.
 *
 * ICCAM's last assessment decides where an item starts: Baseline is illegal everywhere, so it is
 * located at once; anything else waits in `awaiting_assessment` for a Belgian analyst.
 */
import type { Context } from '../context.js';
import { canonicalJson, sha256Hex } from '../domain/canonical-json.js';
import type { PartnerAssessment } from '../domain/inbound.js';
import { checkIntakeUrl, serialiseIntakeUrl } from '../domain/intake-url.js';
import type { Classification } from '../domain/referral.js';
import type { NewInboundReport } from '../store/store.js';
import type { IccamAdapter, IccamContentView } from './destinations/iccam-exchange.js';
import { IccamInboundClient, type NoReferenceItem, type PartnerReport } from './destinations/iccam-inbound-client.js';
import type { IccamVocabularyIds } from './destinations/iccam-lookups.js';

export interface ImportSummary {
  /** Items ICCAM listed as ours without our reference. */
  listed: number;
  /** Items recorded now (new handovers). */
  recorded: number;
  /** Items ICCAM assigned elsewhere by the time we read them: left alone. */
  leftAlone: number;
  importErrors: number;
}

const ACTOR = 'system:iccam-import';
/** ICCAM's window reaches back this far before the last import's start (SCARt: its time frame). */
const WINDOW_OVERLAP_MS = 30 * 60_000;
/** Items asked for per pass (SCARt's default): the rest come in the next passes. */
const MAX_RESULTS = 30;

/** The referral's id of an ICCAM report. */
const iccamReportId = (reportId: string) => `iccam:${reportId}`;

export async function importFromIccam(ctx: Context, adapter: IccamAdapter, client = new IccamInboundClient(adapter, ctx.clock)): Promise<ImportSummary> {
  const summary: ImportSummary = { listed: 0, recorded: 0, leftAlone: 0, importErrors: 0 };
  const startedAt = ctx.clock.now().getTime();
  await adapter.vocabulary.load();
  const mark = await ctx.store.readIccamImportMark();
  const listed = await client.listNoReference(mark === null ? null : new Date(mark - WINDOW_OVERLAP_MS), MAX_RESULTS);
  if ('kind' in listed) {
    summary.importErrors++;
    ctx.logger.warn('ICCAM inbound list not read', { component: 'iccam-import', statusCode: listed.statusCode, errorClass: listed.errorClass });
    return summary;
  }
  summary.listed = listed.length;
  let complete = true;
  for (const [reportId, items] of groupByReport(listed)) {
    try {
      const recorded = await importReport(ctx, adapter, client, reportId, items, summary);
      if (!recorded) complete = false;
    } catch (error) {
      complete = false;
      summary.importErrors++;
      ctx.logger.error('ICCAM inbound report not recorded', { component: 'iccam-import', reportId, error: error instanceof Error ? error.name : 'error' });
    }
  }
  // The window moves on only past a pass that left nothing behind; an item still unclaimed is
  // listed again anyway (it has no reference), so this only keeps the window from skipping.
  if (complete) await ctx.store.saveIccamImportMark(startedAt);
  if (summary.recorded > 0) ctx.wakeups.locate.notify();
  return summary;
}

function groupByReport(items: NoReferenceItem[]): Map<string, NoReferenceItem[]> {
  const byReport = new Map<string, NoReferenceItem[]>();
  for (const item of items) byReport.set(item.reportId, [...(byReport.get(item.reportId) ?? []), item]);
  return byReport;
}

/** One report: its items read, recorded in one transaction. False when something could not be read. */
async function importReport(
  ctx: Context,
  adapter: IccamAdapter,
  client: IccamInboundClient,
  reportId: string,
  listed: NoReferenceItem[],
  summary: ImportSummary,
): Promise<boolean> {
  const report = await client.readReport(reportId);
  if ('kind' in report) {
    summary.importErrors++;
    return false;
  }
  const home = ctx.policy.homeCountry;
  const ids = adapter.vocabulary.ids;
  const items: NewInboundReport['items'] = [];
  let complete = true;
  let assignedAt: number | null = null;
  for (const { contentId } of listed) {
    const content = await adapter.readContent(contentId);
    if ('kind' in content) {
      summary.importErrors++;
      complete = false;
      continue;
    }
    if (content.assignedCountryCode !== home) {
      summary.leftAlone++;
      continue;
    }
    const date = content.countryAssignmentDate ? Date.parse(content.countryAssignmentDate) : Number.NaN;
    if (Number.isFinite(date)) assignedAt = assignedAt === null ? date : Math.min(assignedAt, date);
    items.push(partnerItem(ctx, contentId, content, report, ids));
  }
  if (items.length === 0) return complete;
  const classification = items.find((i) => i.classification !== null)?.classification ?? { category: 'national', ageGroup: 'unknown' };
  const recorded = await ctx.store.recordInboundReport(
    {
      referralId: ctx.newId(),
      reportId: iccamReportId(reportId),
      // What identifies the referral: the ICCAM report and the partner that made it.
      bodyHash: sha256Hex(canonicalJson({ source: 'iccam', reportId, partnerHotline: report.reportingHotlineId })),
      classification,
      reportedAt: report.hotlineReceivedDate && Number.isFinite(Date.parse(report.hotlineReceivedDate)) ? Date.parse(report.hotlineReceivedDate) : null,
      partnerHotline: report.reportingHotlineId,
      countryAssignmentDate: assignedAt,
      items,
    },
    ACTOR,
    ctx.clock.now().getTime(),
  );
  summary.recorded += recorded.recorded.length;
  if (recorded.recorded.length > 0) {
    // Ids and counts only: the URLs never go to the log.
    ctx.logger.info('ICCAM inbound items recorded', { component: 'iccam-import', referralId: recorded.referral.id, items: recorded.recorded.length });
  }
  return complete;
}

function partnerItem(
  ctx: Context,
  contentId: string,
  content: IccamContentView,
  report: PartnerReport,
  ids: IccamVocabularyIds,
): NewInboundReport['items'][number] {
  const raw = content.urlString ?? report.contents.find((c) => c.contentId === contentId)?.urlString ?? '';
  const problem = checkIntakeUrl(raw);
  const url = serialiseIntakeUrl(raw);
  const last = content.assessments.at(-1) ?? null;
  const word = last?.classification === null || last === null ? null : (ids.classifications.word.get(last.classification) ?? null);
  const partnerAssessment: PartnerAssessment = {
    classification: word,
    classificationName: last?.classification == null ? null : (ids.classifications.name.get(last.classification) ?? `id ${last.classification}`),
    ageName: last?.ageCategorization == null ? null : (ids['age-categories'].name.get(last.ageCategorization) ?? null),
    genderName: last?.genderCategorization == null ? null : (ids['gender-categories'].name.get(last.genderCategorization) ?? null),
  };
  const classification = ourClassification(word, last, report, ids);
  return {
    handoverId: ctx.newId(),
    contentId,
    url,
    reportedUrl: url === raw ? null : raw,
    // Baseline is illegal everywhere: no Belgian assessment. A URL we cannot read goes to a person too.
    state: word === 'baseline' && problem === null ? 'locating' : 'awaiting_assessment',
    partnerAssessment,
    classification,
    auditData: {
      partnerHotline: report.reportingHotlineId,
      partnerClassification: partnerAssessment.classificationName,
      countryAssignmentDate: content.countryAssignmentDate,
      ...(problem ? { urlProblem: problem } : {}),
    },
  };
}

/** ICCAM's assessment in our vocabulary, when it is one of ours (Baseline or National). */
function ourClassification(
  word: PartnerAssessment['classification'],
  last: IccamContentView['assessments'][number] | null,
  report: PartnerReport,
  ids: IccamVocabularyIds,
): Classification | null {
  if (word !== 'baseline' && word !== 'national') return null;
  const age = last?.ageCategorization == null ? undefined : ids['age-categories'].word.get(last.ageCategorization);
  const gender = last?.genderCategorization == null ? undefined : ids['gender-categories'].word.get(last.genderCategorization);
  const siteType = report.sourceUrlSiteType === null ? undefined : ids['site-types'].word.get(report.sourceUrlSiteType);
  return {
    category: word,
    ageGroup: age ?? 'unknown',
    ...(gender ? { gender } : {}),
    ...(siteType ? { siteType } : {}),
  };
}
