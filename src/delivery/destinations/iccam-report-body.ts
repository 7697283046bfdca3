/**
 * The body of an ICCAM report (contract §4), shaped after ICCAM's v3 REST API as hotline
 * integrations use it. Pure. Our classification vocabulary is ICCAM's; only the spelling of
 * the values differs, mapped here in one table per field.
 */
import type { AddressEvidence } from '../../domain/evidence.js';
import type { Classification, ContentType } from '../../domain/referral.js';
import type { DeliveryRequest } from './destination-adapter.js';

export interface IccamClassification {
  category: 'Baseline' | 'National';
  ageGroup: 'Infant' | 'PrePubescent' | 'Pubescent' | 'NotDetermined';
  gender?: 'Female' | 'Male' | 'Both' | 'NotDetermined';
  siteType?: 'Website' | 'ImageHost' | 'FileHost' | 'Forum' | 'SocialNetwork' | 'Other';
  commercial?: boolean;
}

export interface IccamReportBody {
  /** Our handover id: how ICCAM and we refer to the same report. */
  reportingHotlineReference: string;
  reportingHotline: string;
  url: string;
  contentType: 'Image' | 'Video' | 'Other' | null;
  classification: IccamClassification;
  hostingCountry: string | null;
  hostingIp: string | null;
  hostingNetName: string | null;
  hostingAsn: number | null;
  /** Who provides the network: the AS organisation, else the registry's network name. */
  hostingProvider: string | null;
  /** The country whose hotline should take it; absent for an orphan (unassigned) report. */
  assignedCountry?: string;
}

const CATEGORY: Record<Classification['category'], IccamClassification['category']> = { baseline: 'Baseline', national: 'National' };
const AGE_GROUP: Record<Classification['ageGroup'], IccamClassification['ageGroup']> = {
  infant: 'Infant',
  prepubescent: 'PrePubescent',
  pubescent: 'Pubescent',
  unknown: 'NotDetermined',
};
const GENDER: Record<NonNullable<Classification['gender']>, NonNullable<IccamClassification['gender']>> = {
  female: 'Female',
  male: 'Male',
  both: 'Both',
  unknown: 'NotDetermined',
};
const SITE_TYPE: Record<NonNullable<Classification['siteType']>, NonNullable<IccamClassification['siteType']>> = {
  website: 'Website',
  'image-host': 'ImageHost',
  'file-host': 'FileHost',
  forum: 'Forum',
  social: 'SocialNetwork',
  other: 'Other',
};
const CONTENT_TYPE: Record<ContentType, NonNullable<IccamReportBody['contentType']>> = { image: 'Image', video: 'Video', other: 'Other' };

export function toIccamClassification(c: Classification): IccamClassification {
  const out: IccamClassification = { category: CATEGORY[c.category], ageGroup: AGE_GROUP[c.ageGroup] };
  if (c.gender !== undefined) out.gender = GENDER[c.gender];
  if (c.siteType !== undefined) out.siteType = SITE_TYPE[c.siteType];
  if (c.commercial !== undefined) out.commercial = c.commercial;
  return out;
}

export function buildIccamReportBody(req: DeliveryRequest): IccamReportBody {
  const hosting = primaryAddress(req.evidence.addresses, req.decision.country);
  const body: IccamReportBody = {
    reportingHotlineReference: req.handoverId,
    reportingHotline: req.hotlineId,
    url: req.url,
    contentType: req.contentType ? CONTENT_TYPE[req.contentType] : null,
    classification: toIccamClassification(req.classification),
    hostingCountry: req.decision.country ?? null,
    hostingIp: hosting?.address ?? null,
    hostingNetName: hosting?.registry.networkName ?? null,
    hostingAsn: hosting?.geo.asn ?? null,
    hostingProvider: hosting?.geo.asOrganisation ?? hosting?.registry.networkName ?? null,
  };
  // An orphan goes without an assigned country, so that a mandated hotline can claim it.
  if (req.decision.assignedCountry) body.assignedCountry = req.decision.assignedCountry;
  return body;
}

/**
 * The address the report names: the first publicly routable one located in the decided
 * country, else the first publicly routable one, else the first at all.
 */
function primaryAddress(addresses: readonly AddressEvidence[], country: string | null): AddressEvidence | null {
  const routable = addresses.filter((a) => a.publiclyRoutable);
  const inCountry = routable.find((a) => country !== null && (a.geo.country === country || a.registry.country === country));
  return inCountry ?? routable[0] ?? addresses[0] ?? null;
}
