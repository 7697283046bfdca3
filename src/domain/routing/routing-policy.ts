/**
 * The routing policy (contract §2): which country is "home", what happens to content hosted
 * outside the INHOPE network, and how conflicting evidence is treated. It is plain data, read
 * from `config/` by src/config/routing-policy.ts and passed into the pure decision functions,
 * so a test can build any policy it likes.
 */

/** Content hosted in a country without an INHOPE member hotline. */
export type NonMemberRule =
  /** The Belgian protocol of 2017: the federal police take it up through their own channels. */
  | 'police'
  /** Submit to ICCAM unassigned; a mandated hotline or the INHOPE secretariat claims the orphan. */
  | 'iccam-orphan';

/**
 * What to do when the evidence names more than one country for the same address (GeoIP says
 * one, the registry another). `prefer-*` settles that conflict per address; it never settles
 * addresses that sit in different countries, because preferring a source says nothing about
 * which address is the real origin — those always go to review.
 */
export type DisagreementTreatment = 'review' | 'prefer-geoip' | 'prefer-registry';

export const NON_MEMBER_RULES: readonly NonMemberRule[] = ['police', 'iccam-orphan'] as const;
export const DISAGREEMENT_TREATMENTS: readonly DisagreementTreatment[] = ['review', 'prefer-geoip', 'prefer-registry'] as const;

interface InhopeMemberList {
  /** The date the list was last checked against inhope.org (YYYY-MM-DD). */
  readonly asOf: string;
  /** Where the list comes from, for the record. */
  readonly source: string;
  /** ISO 3166-1 alpha-2 (upper case) → name of the member hotline(s) in that country. */
  readonly hotlines: Readonly<Record<string, string>>;
}

export interface RoutingPolicy {
  /** ISO alpha-2; hosting here goes to the federal police. */
  readonly homeCountry: string;
  readonly nonMemberRule: NonMemberRule;
  readonly disagreement: DisagreementTreatment;
  /** Our own hotline id as ICCAM knows it, e.g. "BE-ChildFocus". */
  readonly hotlineId: string;
  /** The date the policy file was last changed (YYYY-MM-DD); recorded in every decision. */
  readonly asOf: string;
  readonly inhopeMembers: InhopeMemberList;
}

/** True when `country` has an INHOPE member hotline (case-insensitive). */
export function isInhopeMember(policy: RoutingPolicy, country: string): boolean {
  return memberHotline(policy, country) !== null;
}

/** The member hotline for `country`, or null when the country has none. */
export function memberHotline(policy: RoutingPolicy, country: string): string | null {
  const hotlines = policy.inhopeMembers.hotlines;
  const key = country.trim().toUpperCase();
  return Object.prototype.hasOwnProperty.call(hotlines, key) ? (hotlines[key] ?? null) : null;
}

/**
 * Orphaned ICCAM items (inhope, no assigned country) are only made when the policy says so —
 * both by the automatic rule and by a supervisor's override.
 */
export function orphansAllowed(policy: RoutingPolicy): boolean {
  return policy.nonMemberRule === 'iccam-orphan';
}
