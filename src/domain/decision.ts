/**
 * The routing decision (contract §2): a pure result computed from evidence and policy.
 */
export type Destination = 'police' | 'inhope';
export const DESTINATIONS: readonly Destination[] = ['police', 'inhope'] as const;

/** Stable machine-readable codes for why a person must decide (contract §2, rule 5). */
export type ReviewReasonCode =
  | 'host_unresolvable' // NXDOMAIN, no addresses, or DNS failure that is final
  | 'behind_cdn' // every address belongs to a CDN or reverse proxy: origin unknown
  | 'country_disagreement' // sources disagree on the country
  | 'onion_or_unresolvable_name' // Tor .onion or another name that cannot resolve publicly
  | 'non_public_address' // private, loopback, link-local, CGNAT, reserved, multicast...
  | 'country_unknown' // no source gave a country at all
  | 'anycast' // a GeoIP database marks an address anycast: its country is wherever the nearest site is
  | 'locate_failed'; // locating threw on every attempt: no evidence could be gathered

type RuleId = 'home-country' | 'inhope-member' | 'non-member-police' | 'non-member-orphan' | 'needs-review' | 'manual-override';

export interface RoutingDecision {
  /** null when the decision is to send the handover to review. */
  destination: Destination | null;
  /** Hosting country (ISO alpha-2) the decision rests on, or null. */
  country: string | null;
  /** The partner hotline, for `inhope` with an assigned country. */
  targetHotline: string | null;
  /** For `inhope`: the country the ICCAM report is assigned to; null for an orphan. */
  assignedCountry: string | null;
  rule: RuleId;
  /** 0..1: how sure the machine is (1 for a manual override). */
  confidence: number;
  reviewReasons: ReviewReasonCode[];
  /** Human-readable reasons, in the order they were considered. */
  reasons: string[];
  /** Data versions the decision used (GeoIP build date, RDAP source, policy date). */
  dataVersions: Record<string, string | null>;
  decidedAt: string;
}
