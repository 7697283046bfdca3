/**
 * The inbound calls to ICCAM (contract §4 Inbound), through the adapter's paced, token-carrying
 * calls: what ICCAM assigned to the home country that we have not claimed yet, a partner's report,
 * and what we tell ICCAM about an item — our reference, our assessment, an action. Every analyst
 * name sent is the configured ICCAM one. Answers are read without trusting their shape.
 */
import { canonicalJson } from '../../domain/canonical-json.js';
import type { Clock } from '../../domain/clock.js';
import { IccamAuthError } from '../../domain/errors.js';
import type { IccamActionWord, NotIllegalReason } from '../../domain/iccam-words.js';
import type { StatusFetchError } from './destination-adapter.js';
import type { HttpExchange } from './destination-http-client.js';
import type { IccamAdapter, IccamPutResult } from './iccam-exchange.js';
import { idOf } from './iccam-lookups.js';
import { asRecord, nonEmptyString } from './json-fields.js';
import { statusErrorFromStatus, statusErrorFromThrown } from './attempt-outcome.js';
import { classifyStatus } from './status-classification.js';

/** One entry of `GET rest/Content/no-reference`. */
export interface NoReferenceItem {
  reportId: string;
  contentId: string;
}

/** What we read of a partner's report. */
export interface PartnerReport {
  reportingHotlineId: string | null;
  reportingAnalystName: string | null;
  hotlineReceivedDate: string | null;
  sourceUrlSiteType: number | null;
  /** Every item of the report (some may be assigned to other countries). */
  contents: { contentId: string; urlString: string | null }[];
}

/** Our assessment as ICCAM wants it: ids of its lists. */
export interface IccamAssessmentBody {
  classification: number;
  ageCategorization: number;
  genderCategorization: number;
}

type Read<T> = Promise<T | StatusFetchError>;

export class IccamInboundClient {
  constructor(
    private readonly adapter: IccamAdapter,
    private readonly clock: Clock,
  ) {}

  /** Items ICCAM assigned to us without our reference yet, assigned at or after `since` (all when null). */
  async listNoReference(since: Date | null, maxResults: number): Read<NoReferenceItem[]> {
    const query = `maxResults=${maxResults}${since ? `&countryAssignmentStartDate=${encodeURIComponent(since.toISOString())}` : ''}`;
    const answer = await this.read(`rest/Content/no-reference?${query}`);
    if ('kind' in answer) return answer;
    const json = answer.json;
    if (!Array.isArray(json)) return badResponse('the no-reference answer is not a list');
    const items: NoReferenceItem[] = [];
    for (const raw of json) {
      const r = asRecord(raw);
      const reportId = nonEmptyString(r?.reportId);
      const contentId = nonEmptyString(r?.contentId);
      if (reportId !== null && contentId !== null) items.push({ reportId, contentId });
    }
    return items;
  }

  async readReport(reportId: string): Read<PartnerReport> {
    const answer = await this.read(`rest/Reports/${encodeURIComponent(reportId)}`);
    if ('kind' in answer) return answer;
    const r = asRecord(answer.json);
    if (r === null || !Array.isArray(r.reportContents)) return badResponse('the report answer lists no contents');
    return {
      reportingHotlineId: nonEmptyString(r.reportingHotlineId),
      reportingAnalystName: nonEmptyString(r.reportingAnalystName),
      hotlineReceivedDate: nonEmptyString(r.hotlineReceivedDate),
      sourceUrlSiteType: typeof r.sourceUrlSiteType === 'number' ? r.sourceUrlSiteType : null,
      contents: r.reportContents
        .map(asRecord)
        .filter((c) => c !== null)
        .map((c) => ({ contentId: nonEmptyString(c.contentId) ?? '', urlString: nonEmptyString(c.urlString) }))
        .filter((c) => c.contentId !== ''),
    };
  }

  /** Our reference on the item: it leaves the no-reference list, and ICCAM knows our case by it. */
  setReference(contentId: string, reference: string): Promise<IccamPutResult> {
    return this.adapter.change('PUT', `rest/Content/${encodeURIComponent(contentId)}/hotline-reference?reference=${encodeURIComponent(reference)}`);
  }

  /** Overrules the partner's (National) assessment with ours. */
  putAssessment(contentId: string, assessment: IccamAssessmentBody): Promise<IccamPutResult> {
    const body = { assessingAnalystName: this.adapter.analystName, ...assessment };
    return this.adapter.change('PUT', `rest/Content/${encodeURIComponent(contentId)}/assessment`, canonicalJson(body));
  }

  /**
   * Records an action. `reasonId` and `reasonText` go only with an action id above 3, as ICCAM
   * wants them (SCARt's rule); the id is the word's in ICCAM's list.
   */
  postAction(contentId: string, action: { word: IccamActionWord; at: Date; reason?: NotIllegalReason; reasonText?: string }): Promise<IccamPutResult> {
    const ids = this.adapter.vocabulary.ids;
    const actionType = idOf(ids, 'action-types', action.word);
    const body: Record<string, unknown> = {
      actionType,
      actioningAnalystName: this.adapter.analystName,
      actionDate: action.at.toISOString(),
    };
    if (actionType > 3 && action.reason) {
      body.reasonId = idOf(ids, 'action-reasons', action.reason);
      body.reasonText = action.reasonText ?? '';
    }
    return this.adapter.change('POST', `rest/Content/${encodeURIComponent(contentId)}/actions`, canonicalJson(body));
  }

  private async read(path: string): Promise<{ json: unknown } | StatusFetchError> {
    let exchange: HttpExchange;
    try {
      exchange = await this.adapter.request('GET', path);
    } catch (thrown) {
      if (thrown instanceof IccamAuthError)
        return { kind: 'status_error', retryable: true, statusCode: thrown.statusCode, errorClass: thrown.errorClass, detail: thrown.message };
      return statusErrorFromThrown(thrown);
    }
    const cls = classifyStatus(exchange.statusCode, exchange.headers['retry-after'], this.clock.now());
    if (cls.kind !== 'success') return statusErrorFromStatus(cls, exchange.statusCode);
    return { json: exchange.json };
  }
}

function badResponse(detail: string): StatusFetchError {
  return { kind: 'status_error', retryable: true, statusCode: 200, errorClass: 'bad_response', detail };
}
