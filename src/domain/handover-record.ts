/**
 * One handover as the ledger holds it: the record every layer reads (the store returns it,
 * the audit facts are computed from it). A type only.
 */
import type { Destination, RoutingDecision } from './decision.js';
import type { HostingEvidence } from './evidence.js';
import type { HandoverState } from './handover-states.js';
import type { HotlineAssessment, IccamTold, PartnerAssessment, ReferralSource } from './inbound.js';
import type { Classification, ContentType } from './referral.js';

export interface HandoverRecord {
  id: string;
  /** Insertion order; the cursor of list pagination. */
  seq: number;
  referralId: string;
  reportId: string;
  position: number;
  /** The WHATWG-serialised URL: what is located and delivered. */
  url: string;
  /** The URL exactly as the back office sent it, when that differs from `url`; null otherwise. */
  reportedUrl?: string | null;
  contentType: ContentType | null;
  /** Its own classification when it has one (a partner item's), else its referral's. */
  classification: Classification;
  /** The classification it has of its own (a partner item's, as assessed), null when it is its referral's. */
  ownClassification: Classification | null;
  state: HandoverState;
  destination: Destination | null;
  country: string | null;
  targetHotline: string | null;
  assignedCountry: string | null;
  evidence: HostingEvidence | null;
  decision: RoutingDecision | null;
  locatedAt: number | null;
  locateAttempts: number;
  nextAttemptAt: number | null;
  attemptCount: number;
  firstAttemptAt: number | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  reference: string | null;
  secondaryReference: string | null;
  deliveredAt: number | null;
  acknowledgedAt: number | null;
  closedAt: number | null;
  lastPolledAt: number | null;
  outcome: string | null;
  failureReason: string | null;
  overdueAt: number | null;
  resentAt: number | null;
  recheckedAt: number | null;
  parentId: string | null;
  /** The URL's identity key (src/domain/url-identity.ts); null only on rows not backfilled yet. */
  urlKey: string | null;
  /** A `duplicate` entry's link to the live handover that carried its URL when it was referred. */
  duplicateOf: string | null;
  /** A new case's link to the earlier case of the same URL, over when this one was referred. */
  reappearanceOf: string | null;
  /** When a supervisor split this duplicate into a case of its own. */
  splitAt: number | null;
  createdAt: number;
  updatedAt: number;
  /** From the referral: who referred it, when the hotline received it, who submitted it. */
  referredBy: string | null;
  reportedAt: number | null;
  referralCreatedAt: number;
  referralCreatedBy: string;
  /** ICCAM country-assignment correction: null, 'hosting-corrected', 'assigned' or 'gave-up'. */
  iccamAssignment: string | null;
  /**
   * When the content was known to be down (the police export's contentRemovedAt, the date of
   * ICCAM's Removed or Unavailable action, or the back office's observation): the end of the
   * takedown clock. Null while that is not known.
   */
  contentRemovedAt: number | null;
  /** When the case was found past the last takedown mark with its content not known to be down (kept as a record). */
  removalOverdueAt: number | null;
  /** The hosting network's autonomous system number, derived from the evidence when it is written. */
  hostingAsn: number | null;
  /** How many times ICCAM refused an assignment PUT for it (a person after three). */
  iccamAssignmentTries: number;
  /** The claim token under which an ICCAM create was about to be sent ("about to send"). */
  sendingToken: string | null;
  /** From the referral: where it came from, and for a partner's, the hotline and when ICCAM assigned it to us. */
  source: ReferralSource;
  partnerHotline: string | null;
  countryAssignmentDate: number | null;
  /** A partner item's ICCAM content id (its report's id is the referral's `iccam:<reportId>`). */
  inboundContentId: string | null;
  partnerAssessment: PartnerAssessment | null;
  hotlineAssessment: HotlineAssessment | null;
  /** What ICCAM has been told about a partner item. */
  iccamTold: IccamTold | null;
  /** When ICCAM was owed nothing more about a partner item. */
  inboundDoneAt: number | null;
}

/**
 * The fields a transition or update may set besides the state: the one list of them. Each is
 * stored in the handovers column of the same name in snake_case (src/store/handover-queries.ts).
 */
export const PATCHABLE_HANDOVER_FIELDS = [
  'destination',
  'country',
  'targetHotline',
  'assignedCountry',
  'evidence',
  'decision',
  'locatedAt',
  'locateAttempts',
  'nextAttemptAt',
  'attemptCount',
  'firstAttemptAt',
  'leaseToken',
  'leaseExpiresAt',
  'reference',
  'secondaryReference',
  'deliveredAt',
  'acknowledgedAt',
  'closedAt',
  'lastPolledAt',
  'outcome',
  'failureReason',
  'overdueAt',
  'resentAt',
  'recheckedAt',
  'iccamAssignment',
  'contentRemovedAt',
  'removalOverdueAt',
  'iccamAssignmentTries',
  'sendingToken',
  'ownClassification',
  'hotlineAssessment',
  'iccamTold',
  'inboundDoneAt',
] as const satisfies readonly (keyof HandoverRecord)[];

/**
 * Columns added after the facts' digest was fixed (events written before do not cover them): they
 * are recorded in a digest of their own, `laterDigest` (src/domain/handover-facts.ts).
 */
export const LATER_HANDOVER_FIELDS = [
  'iccamAssignmentTries',
  'sendingToken',
  'inboundContentId',
  'partnerAssessment',
  'ownClassification',
  'hotlineAssessment',
  'iccamTold',
  'inboundDoneAt',
] as const satisfies readonly (keyof HandoverRecord)[];
