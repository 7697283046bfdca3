/**
 * The inbound side of the stand-in (contract §4 Inbound): reports partner hotlines made whose
 * items ICCAM assigned to the stand-in's hotline country, and what that hotline may do with them,
 * refused as a real ICCAM would:
 * - `GET rest/Content/no-reference?maxResults=&countryAssignmentStartDate=` lists the items
 *   assigned to it that carry no hotline reference yet, assigned at or after the date;
 * - `PUT rest/Content/{id}/hotline-reference?reference=` sets its reference (the item leaves the list);
 * - `PUT rest/Content/{id}/assessment` overrules the partner's assessment — only a National one;
 * - `POST rest/Content/{id}/actions` records an action — each type once, a `reasonId` only with
 *   an action id above 3 and always with one above 3.
 * Every change is refused on content not assigned to the hotline's country ("we have NO right",
 * as SCARt puts it).
 */
import type {
  IccamActionName,
  IccamInboundReport,
  IccamLookupEntry,
  IccamLookupName,
  IccamStoredAction,
  IccamStoredContent,
  IccamStoredReport,
} from '../iccam-standin.js';
import { ACTION_TYPE_IDS, CLASSIFICATION_IDS, hasId } from './lookups.js';
import type { IccamErrors } from './report-validation.js';

const HOUR = 3_600_000;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$/;

/**
 * The default four items assigned to the hotline country: a Baseline one and a National one from
 * one partner, a National one (assessed Baseline first, then National: the last one counts) from
 * another with a sibling ICCAM assigned elsewhere, and a Baseline one whose host — in a test's
 * own DNS or locator — has since moved to another member country.
 */
export function defaultInboundReports(hotlineCountry = 'BE'): IccamInboundReport[] {
  const analyst = (name: string) => ({ assessingAnalystName: name });
  return [
    {
      reportId: 30_001,
      reportingHotlineId: 21,
      reportingAnalystName: 'Partner Analyst NL',
      hotlineReference: 'NL-2026-0412',
      hotlineReceivedDate: '2026-02-27T08:15:00Z',
      sourceUrlSiteType: 20,
      memo: 'Gallery of a known series',
      referrerUrl: null,
      contents: [
        {
          contentId: 700_001,
          urlString: 'https://img.partner-one.example/a/1.jpg',
          isSourceUrl: true,
          hostingCountryCode: hotlineCountry,
          hostingIpAddress: '193.190.198.10',
          assignedAgoMs: 3 * HOUR,
          assessments: [{ ...analyst('Partner Analyst NL'), classification: CLASSIFICATION_IDS.baseline, ageCategorization: 3, genderCategorization: 2 }],
        },
        {
          contentId: 700_002,
          urlString: 'https://img.partner-one.example/a/2.jpg',
          isSourceUrl: false,
          hostingCountryCode: hotlineCountry,
          hostingIpAddress: '193.190.198.10',
          assignedAgoMs: 3 * HOUR,
          assessments: [{ ...analyst('Partner Analyst NL'), classification: CLASSIFICATION_IDS.national, ageCategorization: 4, genderCategorization: 1 }],
        },
      ],
    },
    {
      reportId: 30_002,
      reportingHotlineId: 33,
      reportingAnalystName: 'Partner Analyst FR',
      hotlineReference: 'FR-88213',
      hotlineReceivedDate: '2026-02-28T16:40:00Z',
      sourceUrlSiteType: 6,
      contents: [
        {
          contentId: 700_003,
          urlString: 'https://forum.partner-two.example/t/9',
          isSourceUrl: true,
          hostingCountryCode: hotlineCountry,
          hostingIpAddress: '193.190.198.11',
          assignedAgoMs: 2 * HOUR,
          assessments: [
            { ...analyst('Partner Analyst FR'), classification: CLASSIFICATION_IDS.baseline, ageCategorization: 1, genderCategorization: 1 },
            { ...analyst('Partner Analyst FR'), classification: CLASSIFICATION_IDS.national, ageCategorization: 1, genderCategorization: 1 },
          ],
        },
        {
          // ICCAM assigned this sibling to another country: not ours to touch.
          contentId: 700_005,
          urlString: 'https://cdn.partner-two.example/t/9/preview.jpg',
          isSourceUrl: false,
          hostingCountryCode: 'FR',
          hostingIpAddress: '192.0.2.55',
          assignedCountryCode: 'FR',
          assignedAgoMs: 2 * HOUR,
          assessments: [{ ...analyst('Partner Analyst FR'), classification: CLASSIFICATION_IDS.national, ageCategorization: 1, genderCategorization: 1 }],
        },
      ],
    },
    {
      reportId: 30_003,
      reportingHotlineId: 44,
      reportingAnalystName: 'Partner Analyst DE',
      hotlineReference: 'DE-5521',
      hotlineReceivedDate: '2026-03-01T07:05:00Z',
      sourceUrlSiteType: 3,
      contents: [
        {
          contentId: 700_004,
          urlString: 'https://moved.partner-three.example/v/7.mp4',
          isSourceUrl: true,
          hostingCountryCode: hotlineCountry,
          hostingIpAddress: '193.190.198.12',
          assignedAgoMs: HOUR,
          assessments: [{ ...analyst('Partner Analyst DE'), classification: CLASSIFICATION_IDS.baseline, ageCategorization: 2, genderCategorization: 3 }],
        },
      ],
    },
  ];
}

interface Reply {
  status: number;
  body?: unknown;
}

const errors = (code: string, message: string): { errors: IccamErrors } => ({ errors: { [code]: [message] } });

/** What the desk works on: the stand-in's own maps and lists, shared. */
export interface InboundDeskParts {
  reports: Map<number, IccamStoredReport>;
  contents: Map<number, IccamStoredContent>;
  lookups: Record<IccamLookupName, IccamLookupEntry[]>;
  hotlineCountry: string;
  now: () => Date;
  /** The content's actions with the scripted progression's due steps. */
  actionsOf(content: IccamStoredContent): IccamStoredAction[];
}

export class InboundDesk {
  constructor(private readonly p: InboundDeskParts) {}

  /** Seeds the partners' reports (at start-up). */
  seed(reports: IccamInboundReport[]): void {
    const started = this.p.now().getTime();
    for (const r of reports) {
      const { contents, ...fields } = r;
      this.p.reports.set(r.reportId, {
        reportId: r.reportId,
        hotlineReference: r.hotlineReference,
        receivedAt: r.hotlineReceivedDate,
        body: { ...fields, memo: r.memo ?? null, referrerUrl: r.referrerUrl ?? null },
        contentIds: contents.map((c) => c.contentId),
        inbound: true,
      });
      for (const c of contents) {
        const assignedAt = new Date(started - (c.assignedAgoMs ?? HOUR)).toISOString();
        const assigned = c.assignedCountryCode === undefined ? this.p.hotlineCountry : c.assignedCountryCode;
        this.p.contents.set(c.contentId, {
          contentId: c.contentId,
          reportId: r.reportId,
          urlString: c.urlString,
          hostingCountryCode: c.hostingCountryCode,
          hostingIpAddress: c.hostingIpAddress,
          assignedCountryCode: assigned,
          countryAssignmentDate: assigned === null ? null : assignedAt,
          createdAt: assignedAt,
          actions: [],
          corrections: [],
          hotlineReference: null,
          referencePuts: [],
          isSourceUrl: c.isSourceUrl,
          memo: c.memo ?? null,
          assessments: c.assessments.map((a) => ({ ...a, assessmentDate: assignedAt })),
        });
      }
    }
  }

  /** `GET rest/Content/no-reference`: ours, without a reference, assigned since the date, oldest first. */
  listNoReference(query: URLSearchParams): Reply {
    const problems: IccamErrors = {};
    const max = query.has('maxResults') ? Number(query.get('maxResults')) : 200;
    if (!Number.isInteger(max) || max < 1 || max > 200) problems.maxResults = ['The maxResults field must be between 1 and 200.'];
    const since = query.get('countryAssignmentStartDate');
    const sinceMs = since === null ? null : Date.parse(since);
    if (sinceMs !== null && Number.isNaN(sinceMs)) problems.countryAssignmentStartDate = [`'${since}' is not a date.`];
    if (Object.keys(problems).length > 0) return { status: 400, body: { errors: problems } };
    const items = [...this.p.contents.values()]
      .filter((c) => c.assignedCountryCode === this.p.hotlineCountry && c.hotlineReference === null && c.countryAssignmentDate !== null)
      .filter((c) => sinceMs === null || Date.parse(c.countryAssignmentDate!) >= sinceMs)
      .sort((a, b) => a.countryAssignmentDate!.localeCompare(b.countryAssignmentDate!) || a.contentId - b.contentId)
      .slice(0, max);
    return {
      status: 200,
      body: items.map((c) => ({
        reportId: c.reportId,
        contentId: c.contentId,
        countryAssignmentDate: c.countryAssignmentDate,
        assignedCountryCode: c.assignedCountryCode,
      })),
    };
  }

  /** A change to content not assigned to our country is refused: it is another hotline's. */
  private ours(id: number): { content: IccamStoredContent } | { reply: Reply } {
    const content = this.p.contents.get(id);
    if (!content) return { reply: { status: 404, body: errors('Content', `Content ${id} not found`) } };
    if (content.assignedCountryCode !== this.p.hotlineCountry) {
      return {
        reply: {
          status: 403,
          body: errors('Content', `Content ${id} is assigned to ${content.assignedCountryCode ?? 'no country'}, not to ${this.p.hotlineCountry}`),
        },
      };
    }
    return { content };
  }

  /** The guard for the two assignment PUTs (standin.ts): null when the content is ours to move. */
  refuseUnlessOurs(id: number): Reply | null {
    const found = this.ours(id);
    return 'reply' in found ? found.reply : null;
  }

  putHotlineReference(id: number, query: URLSearchParams): Reply {
    const found = this.ours(id);
    if ('reply' in found) return found.reply;
    const reference = query.get('reference') ?? '';
    if (reference.trim() === '') return { status: 400, body: errors('reference', 'The reference field is required.') };
    const at = this.p.now().toISOString();
    found.content.hotlineReference = reference;
    found.content.referencePuts.push({ reference, at });
    return { status: 200 };
  }

  putAssessment(id: number, body: unknown): Reply {
    const found = this.ours(id);
    if ('reply' in found) return found.reply;
    const { content } = found;
    const last = content.assessments.at(-1);
    // Baseline is illegal everywhere (not editable); only a National assessment may be overruled.
    if (last?.classification !== CLASSIFICATION_IDS.national) {
      return {
        status: 400,
        body: errors('Assessment', `Only a National assessment may be overruled; content ${id} is assessed ${this.classificationName(last?.classification)}`),
      };
    }
    const b = asRecord(body);
    const problems: IccamErrors = {};
    if (typeof b?.assessingAnalystName !== 'string' || b.assessingAnalystName === '')
      problems.assessingAnalystName = ['The assessingAnalystName field is required.'];
    const ids: [string, IccamLookupName][] = [
      ['classification', 'classifications'],
      ['ageCategorization', 'age-categories'],
      ['genderCategorization', 'gender-categories'],
    ];
    for (const [field, list] of ids) {
      const value = b?.[field];
      if (typeof value !== 'number' || !Number.isInteger(value)) problems[field] = [`The JSON value at ${field} could not be converted to System.Int32.`];
      else if (!hasId(this.p.lookups[list], value)) problems[field] = [`Unknown ${list} id ${value}.`];
    }
    if (Object.keys(problems).length > 0) return { status: 400, body: { errors: problems } };
    content.assessments.push({
      assessingAnalystName: String(b!.assessingAnalystName),
      classification: b!.classification as number,
      ageCategorization: b!.ageCategorization as number,
      genderCategorization: b!.genderCategorization as number,
      assessmentDate: this.p.now().toISOString(),
    });
    return { status: 200 };
  }

  postAction(id: number, body: unknown): Reply {
    const found = this.ours(id);
    if ('reply' in found) return found.reply;
    const { content } = found;
    const b = asRecord(body);
    const problems: IccamErrors = {};
    const type = b?.actionType;
    const name = (Object.entries(ACTION_TYPE_IDS) as [IccamActionName, number][]).find(([, v]) => v === type)?.[0];
    if (typeof type !== 'number' || !Number.isInteger(type)) problems.actionType = ['The JSON value at actionType could not be converted to System.Int32.'];
    else if (name === undefined || !hasId(this.p.lookups['action-types'], type)) problems.actionType = [`Unknown action type ${String(type)}.`];
    if (typeof b?.actioningAnalystName !== 'string' || b.actioningAnalystName === '')
      problems.actioningAnalystName = ['The actioningAnalystName field is required.'];
    if (typeof b?.actionDate !== 'string' || !ISO_UTC.test(b.actionDate))
      problems.actionDate = ['The actionDate field must be an ISO 8601 UTC time ending in Z.'];
    const reasonId = b?.reasonId;
    if (typeof type === 'number' && type <= 3 && reasonId !== undefined && reasonId !== null)
      problems.reasonId = [`An action of type ${type} takes no reason.`];
    if (typeof type === 'number' && type > 3) {
      if (reasonId === undefined || reasonId === null) problems.reasonId = [`An action of type ${type} needs a reasonId.`];
      else if (typeof reasonId !== 'number' || !hasId(this.p.lookups['action-reasons'], reasonId))
        problems.reasonId = [`Unknown reason id ${String(reasonId)}.`];
    }
    if (Object.keys(problems).length > 0) return { status: 400, body: { errors: problems } };
    if (this.p.actionsOf(content).some((a) => a.actionType === type)) {
      return { status: 400, body: errors('Action', `Content ${id} already has an action of type ${String(type)}`) };
    }
    content.actions.push({
      actionType: type as number,
      actionName: name!,
      analystName: String(b!.actioningAnalystName),
      actionDate: String(b!.actionDate),
      ...(typeof reasonId === 'number' ? { reasonId, reasonText: typeof b?.reasonText === 'string' ? b.reasonText : '' } : {}),
    });
    return { status: 200 };
  }

  private classificationName(id: number | undefined): string {
    return this.p.lookups.classifications.find((e) => e.id === id)?.name ?? 'not at all';
  }
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}
