/**
 * The body of `POST rest/Reports` (contract §4 `inhope`, Create): one report per handover, with
 * one URL, its hosting and our assessment as ICCAM's numeric ids. Pure: the ids come from the
 * lookup lists (resolved by name), the received date from the referral, and the analyst's name
 * is the configured ICCAM one (the people of the back office are not ICCAM users, as in SCARt).
 * Every field but `memo` is always present.
 */
import { primaryHostingAddress } from '../../domain/evidence.js';
import { currentSiteType } from '../../domain/referral.js';
import type { DeliveryRequest } from './destination-adapter.js';
import type { CommercialityWord } from '../../domain/iccam-words.js';
import { idOf, type IccamVocabularyIds } from './iccam-lookups.js';

interface IccamAssessment {
  assessingAnalystName: string;
  classification: number;
  ageCategorization: number;
  genderCategorization: number;
}

interface IccamReportUrl {
  urlString: string;
  isSourceUrl: true;
  hotlineReference: string;
  contentType: number;
  hostingCountryCode: string;
  hostingIpAddress: string;
  hostingIsp: string;
  hostingOrganization: { organizationName: string };
  assessment: IccamAssessment;
}

export interface IccamReportBody {
  hotlineReference: string;
  reportingAnalystName: string;
  /** ISO time in UTC ("Z"). */
  hotlineReceivedDate: string;
  memo?: string;
  sourceUrlSiteType: number;
  sourceUrlCommerciality: number;
  sourceUrlPaymentMethods: number[];
  urls: [IccamReportUrl];
}

/** ICCAM content types (contract §4: 1 media, 2 website; open, so configurable). */
export interface IccamContentTypeIds {
  media: number;
  website: number;
}
const DEFAULT_CONTENT_TYPE_IDS: IccamContentTypeIds = { media: 1, website: 2 };
const UNKNOWN = 'unknown';
const DEFAULT_PAYMENT_METHODS: readonly number[] = [1];

/** What the report is built from: the delivery request's own fields (the rest it ignores). */
export type IccamReportInput = Pick<DeliveryRequest, 'handoverId' | 'url' | 'contentType' | 'classification' | 'evidence' | 'decision' | 'receivedAt' | 'memo'>;

export interface IccamReportOptions {
  /** ICCAM_ANALYST_NAME: the reporting and assessing analyst of every report. */
  analystName: string;
  contentTypes?: IccamContentTypeIds;
  paymentMethods?: readonly number[];
}

function commercialityOf(commercial: boolean | undefined): CommercialityWord {
  if (commercial === undefined) return 'not-determined';
  return commercial ? 'commercial' : 'non-commercial';
}

export function buildIccamReportBody(input: IccamReportInput, ids: IccamVocabularyIds, options: IccamReportOptions): IccamReportBody {
  const c = input.classification;
  const contentTypes = options.contentTypes ?? DEFAULT_CONTENT_TYPE_IDS;
  const hosting = primaryHostingAddress(input.evidence.addresses, input.decision.country);
  // ICCAM requires every hosting field: what we could not learn is said so, not left empty.
  const isp = hosting?.geo.asOrganisation ?? hosting?.registry.networkName ?? UNKNOWN;
  const body: IccamReportBody = {
    hotlineReference: input.handoverId,
    reportingAnalystName: options.analystName,
    hotlineReceivedDate: new Date(input.receivedAt).toISOString(),
    sourceUrlSiteType: idOf(ids, 'site-types', c.siteType === undefined ? 'not-applicable' : currentSiteType(c.siteType)),
    sourceUrlCommerciality: idOf(ids, 'commercialities', commercialityOf(c.commercial)),
    sourceUrlPaymentMethods: [...(options.paymentMethods ?? DEFAULT_PAYMENT_METHODS)],
    urls: [
      {
        urlString: input.url,
        isSourceUrl: true,
        hotlineReference: input.handoverId,
        contentType: input.contentType === 'image' || input.contentType === 'video' ? contentTypes.media : contentTypes.website,
        // The real hosting country, also for an orphan (left unassigned in ICCAM).
        hostingCountryCode: input.decision.country ?? hosting?.geo.country ?? '',
        hostingIpAddress: hosting?.address ?? '',
        hostingIsp: isp,
        hostingOrganization: { organizationName: hosting?.registry.networkName ?? isp },
        assessment: {
          assessingAnalystName: options.analystName,
          classification: idOf(ids, 'classifications', c.category),
          ageCategorization: idOf(ids, 'age-categories', c.ageGroup),
          genderCategorization: idOf(ids, 'gender-categories', c.gender ?? 'unknown'),
        },
      },
    ],
  };
  if (input.memo) body.memo = input.memo;
  return body;
}
