/**
 * Where a handover goes (contract §2): a pure function of the hosting evidence, the routing
 * policy and the time. It never guesses: whenever the evidence does not name exactly one
 * hosting country it sends the handover to a supervisor, with every reason that applies, so
 * the review queue can be filtered by reason.
 */
import type { AddressEvidence, HostingEvidence } from '../evidence.js';
import type { ReviewReasonCode, RoutingDecision } from '../decision.js';
import { normaliseCountry } from './country-code.js';
import { memberHotline, orphansAllowed, type RoutingPolicy } from './routing-policy.js';

/** Review reasons are reported in this order, whatever order they were found in. */
const REVIEW_REASON_ORDER: readonly ReviewReasonCode[] = [
  'onion_or_unresolvable_name',
  'host_unresolvable',
  'non_public_address',
  'anycast',
  'behind_cdn',
  'country_disagreement',
  'country_unknown',
  'locate_failed',
];

/**
 * Registry "countries" that name a region: RIRs register some blocks to `EU` (RIPE) or `AP`
 * (APNIC). They place nothing, so they neither agree nor disagree with GeoIP.
 */
const REGION_CODES: ReadonlySet<string> = new Set(['EU', 'AP']);

/**
 * Confidence of one counted address: both sources name the same country; only one source
 * answered; the sources disagreed and the policy picked one. An address no source places
 * counts 0.
 */
const CONFIDENCE_SOURCES_AGREE = 1;
const CONFIDENCE_SINGLE_SOURCE = 0.7;
const CONFIDENCE_PREFERRED_SOURCE = 0.5;
/** Some addresses were left out as CDN: the origin may be elsewhere too. */
const FACTOR_CDN_MIXED = 0.8;
/** The bundled, frozen GeoIP data is known to hold errors upstream. */
const FACTOR_OFFLINE_GEOIP = 0.9;

/** What one publicly routable, non-CDN address says about the country. */
interface AddressVerdict {
  geo: string | null;
  registry: string | null;
  /** The country this address counts for, after applying the disagreement setting. */
  country: string | null;
  /** GeoIP and registry both answered with different countries. */
  conflict: boolean;
}

export function decideRoute(evidence: HostingEvidence, policy: RoutingPolicy, now: Date): RoutingDecision {
  const reasons: string[] = [];
  const review = new Set<ReviewReasonCode>();
  const total = evidence.addresses.length;

  if (evidence.hostKind === 'onion' || evidence.hostKind === 'unresolvable-name') {
    review.add('onion_or_unresolvable_name');
    reasons.push(
      evidence.hostKind === 'onion' ? 'The host is a Tor .onion name: it has no public address to locate.' : 'The host name cannot resolve in the public DNS.',
    );
  } else if (total === 0 || (evidence.hostKind === 'domain' && evidence.dns.outcome !== 'ok')) {
    review.add('host_unresolvable');
    reasons.push(`The host did not resolve (DNS outcome: ${evidence.dns.outcome}; ${total} address(es)).`);
  }

  const publicAddresses = evidence.addresses.filter((a) => a.publiclyRoutable);
  const nonPublic = evidence.addresses.filter((a) => !a.publiclyRoutable);
  if (nonPublic.length > 0) {
    review.add('non_public_address');
    const ranges = distinct(nonPublic.map((a) => a.range)).join(', ');
    reasons.push(`${nonPublic.length} of ${total} address(es) are not publicly routable (${ranges}).`);
  }

  const anycast = publicAddresses.filter((a) => a.geo.anycast === true);
  if (anycast.length > 0) {
    review.add('anycast');
    reasons.push(
      `${anycast.length} of ${publicAddresses.length} public address(es) are anycast (${anycast.map((a) => a.address).join(', ')}): answered from many places, the hosting country is unknown.`,
    );
  }
  const regions = distinct(
    publicAddresses.flatMap((a) =>
      a.registry.outcome === 'ok' && a.registry.country !== null && REGION_CODES.has(a.registry.country.toUpperCase())
        ? [a.registry.country.toUpperCase()]
        : [],
    ),
  );
  if (regions.length > 0) {
    reasons.push(`The registry names a region, not a country (${regions.join(', ')}): not counted as a registry country.`);
  }

  const behindCdn = publicAddresses.filter((a) => a.cdn !== null);
  const counted = publicAddresses.filter((a) => a.cdn === null);
  const providers = distinct(behindCdn.map((a) => a.cdn?.provider ?? 'unknown')).join(', ');
  if (publicAddresses.length > 0 && counted.length === 0) {
    review.add('behind_cdn');
    reasons.push(`Every public address belongs to a CDN or reverse proxy (${providers}): the origin is unknown.`);
  } else if (behindCdn.length > 0) {
    reasons.push(`${behindCdn.length} of ${publicAddresses.length} public address(es) belong to a CDN (${providers}) and do not count for the country.`);
  }

  const verdicts = counted.map((a) => judgeAddress(a, policy));
  const conflicts = verdicts.filter((v) => v.conflict);
  for (const v of conflicts) {
    const resolution = policy.disagreement === 'review' ? 'sent to review' : `policy ${policy.disagreement} chose ${v.country ?? 'none'}`;
    reasons.push(`GeoIP says ${v.geo} but the registry says ${v.registry} for the same address (${resolution}).`);
  }
  if (conflicts.length > 0 && policy.disagreement === 'review') review.add('country_disagreement');

  const countries = distinct(verdicts.flatMap((v) => (v.country === null ? [] : [v.country])));
  if (countries.length > 1) {
    review.add('country_disagreement');
    reasons.push(`The addresses are located in several countries: ${countries.join(', ')}.`);
  }
  const anySourceAnswered = verdicts.some((v) => v.geo !== null || v.registry !== null);
  if (counted.length > 0 && !anySourceAnswered) {
    review.add('country_unknown');
    reasons.push('Neither GeoIP nor the registry gave a country for any counted address.');
  }

  const base = {
    reasons,
    dataVersions: dataVersions(evidence, policy),
    decidedAt: now.toISOString(),
  };

  const country = countries[0];
  if (review.size > 0 || country === undefined) {
    if (review.size === 0) {
      // Unreachable with well-formed evidence; kept so the function can never route blind.
      review.add('country_unknown');
      reasons.push('No hosting country could be derived.');
    }
    return reviewDecision(
      REVIEW_REASON_ORDER.filter((code) => review.has(code)),
      base,
    );
  }

  const placed = verdicts.filter((v) => v.country !== null).length;
  reasons.push(`Hosting country ${country} (${placed} of ${counted.length} counted address(es) placed).`);
  const confidence = scoreConfidence(verdicts, behindCdn.length > 0, evidence.sources.geoipIsOfflineDefault);
  const routed = { ...base, country, confidence, reviewReasons: [] };

  if (country === policy.homeCountry) {
    reasons.push(`${country} is the home country: the federal police take it.`);
    return { ...routed, destination: 'police', targetHotline: null, assignedCountry: null, rule: 'home-country' };
  }
  const hotline = memberHotline(policy, country);
  if (hotline !== null) {
    reasons.push(`${country} has an INHOPE member hotline (${hotline}): ICCAM, assigned to ${country}.`);
    return { ...routed, destination: 'inhope', targetHotline: hotline, assignedCountry: country, rule: 'inhope-member' };
  }
  if (orphansAllowed(policy)) {
    reasons.push(`${country} has no INHOPE member hotline: submitted to ICCAM unassigned (orphan).`);
    return { ...routed, destination: 'inhope', targetHotline: null, assignedCountry: null, rule: 'non-member-orphan' };
  }
  reasons.push(`${country} has no INHOPE member hotline: the federal police take it up internationally.`);
  return { ...routed, destination: 'police', targetHotline: null, assignedCountry: null, rule: 'non-member-police' };
}

/** Reads one address's two country sources and applies the disagreement setting. */
function judgeAddress(address: AddressEvidence, policy: RoutingPolicy): AddressVerdict {
  const geo = normaliseCountry(address.geo.country);
  // A registry that did not answer contributes nothing; that is not a disagreement.
  // normaliseCountry drops region codes (EU, AP): they are named in the reasons instead.
  const registry = address.registry.outcome === 'ok' ? normaliseCountry(address.registry.country) : null;
  if (geo !== null && registry !== null && geo !== registry) {
    const country = policy.disagreement === 'prefer-geoip' ? geo : policy.disagreement === 'prefer-registry' ? registry : null;
    return { geo, registry, country, conflict: true };
  }
  return { geo, registry, country: geo ?? registry, conflict: false };
}

/** 0..1, two decimals: the mean per-address confidence, lowered for CDN mixes and stale data. */
function scoreConfidence(verdicts: AddressVerdict[], cdnMixed: boolean, offlineGeoip: boolean): number {
  if (verdicts.length === 0) return 0;
  const perAddress = verdicts.map((v): number => {
    if (v.country === null) return 0;
    if (v.conflict) return CONFIDENCE_PREFERRED_SOURCE;
    return v.geo !== null && v.registry !== null ? CONFIDENCE_SOURCES_AGREE : CONFIDENCE_SINGLE_SOURCE;
  });
  let score = perAddress.reduce((sum, s) => sum + s, 0) / perAddress.length;
  if (cdnMixed) score *= FACTOR_CDN_MIXED;
  if (offlineGeoip) score *= FACTOR_OFFLINE_GEOIP;
  return Math.round(score * 100) / 100;
}

/** The versions of every data source the decision used, so it can be explained later. */
function dataVersions(evidence: HostingEvidence, policy: RoutingPolicy): Record<string, string | null> {
  const registries = distinct(
    evidence.addresses.flatMap((a) =>
      a.registry.outcome === 'ok' && a.registry.registry !== null
        ? [`${a.registry.registry}${a.registry.protocol === null ? '' : ` (${a.registry.protocol})`}`]
        : [],
    ),
  );
  const registrySources = distinct(
    evidence.addresses.flatMap((a) => (a.registry.outcome === 'ok' && a.registry.source !== null ? [sourceOrigin(a.registry.source)] : [])),
  );
  return {
    geoipCountry: evidence.sources.geoipCountry,
    geoipCountryBuiltAt: evidence.sources.geoipCountryBuiltAt,
    geoipAsn: evidence.sources.geoipAsn,
    geoipOfflineDefault: String(evidence.sources.geoipIsOfflineDefault),
    rdapBootstrap: evidence.sources.rdapBootstrap,
    ...(evidence.sources.cdnLists !== undefined ? { cdnLists: evidence.sources.cdnLists } : {}),
    registries: registries.length > 0 ? registries.join(', ') : null,
    registrySources: registrySources.length > 0 ? registrySources.join(', ') : null,
    evidenceObservedAt: evidence.observedAt,
    policyAsOf: policy.asOf,
    inhopeMembersAsOf: policy.inhopeMembers.asOf,
  };
}

/**
 * The service an answer came from, without the query: an RDAP URL ends in the address that
 * was asked about, which is evidence, not a version. WHOIS sources are bare server names.
 */
function sourceOrigin(source: string): string {
  try {
    const url = new URL(source);
    return url.origin === 'null' ? source : url.origin;
  } catch {
    return source;
  }
}

/** Distinct values, sorted, so reasons and versions read the same for the same evidence. */
function distinct(values: string[]): string[] {
  return [...new Set(values)].sort();
}

/** A decision that routes nowhere and names why a person must look (the reasons in words too). */
export function reviewDecision(
  reviewReasons: RoutingDecision['reviewReasons'],
  facts: Pick<RoutingDecision, 'reasons' | 'dataVersions' | 'decidedAt'>,
): RoutingDecision {
  return { ...facts, destination: null, country: null, targetHotline: null, assignedCountry: null, rule: 'needs-review', confidence: 0, reviewReasons };
}
