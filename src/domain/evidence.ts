/**
 * What was observed about where one URL is hosted. Evidence is a record for auditors and
 * courts: every field says where it came from and when, and nothing in it is ever logged.
 */

/** How the host part of the URL was recognised. */
export type HostKind = 'domain' | 'ipv4' | 'ipv6' | 'onion' | 'unresolvable-name';

/**
 * The outcome of resolving the host name; each failure is kept distinct for the record.
 * `bad_name`: the name cannot be resolved as given: the DNS refuses it as malformed (EBADNAME: a
 * label over 63 characters, over 253 in all, an empty label), or its CNAME chain loops or runs
 * past 8 hops (the detail says which); final, never retried. `not_applicable`: an address literal or a
 * name the public DNS never answers (onion), so nothing was asked.
 * Outcome words are snake_case like every other code the service writes (see OUTCOME_WORDS_BEFORE_SNAKE_CASE).
 */
export type DnsOutcome = 'ok' | 'nxdomain' | 'nodata' | 'servfail' | 'timeout' | 'refused' | 'error' | 'bad_name' | 'not_applicable';

/** ipaddr.js range name ("unicast" is the only publicly routable one). */
type AddressRange = string;

interface GeoObservation {
  /** ISO 3166-1 alpha-2, upper case; null when the database has no answer. */
  country: string | null;
  asn: number | null;
  asOrganisation: string | null;
  /** Which database answered, e.g. "dbip-country-lite" or "GeoLite2-Country". */
  source: string;
  /** Database build date (ISO 8601). */
  databaseBuiltAt: string | null;
  /** True when the GeoIP database marks the address anycast (`traits.is_anycast`); absent when it says nothing. */
  anycast?: boolean;
}

export type RegistryOutcome = 'ok' | 'not_found' | 'rate_limited' | 'timeout' | 'error' | 'unavailable';

/**
 * Evidence stored before the outcome words became snake_case holds these kebab-case words.
 * Stored evidence is a record and is never rewritten, so a reader that compares a stored
 * outcome with anything but `ok` (or shows it next to new ones) reads it through
 * `normaliseEvidenceOutcomes`; both spellings mean the same outcome.
 */
const OUTCOME_WORDS_BEFORE_SNAKE_CASE: Readonly<Record<string, string>> = {
  'not-found': 'not_found',
  'rate-limited': 'rate_limited',
  'bad-name': 'bad_name',
  'not-applicable': 'not_applicable',
};

function currentWord<T extends string>(word: T): T {
  return (OUTCOME_WORDS_BEFORE_SNAKE_CASE[word] as T | undefined) ?? word;
}

/** The same evidence with its DNS and registry outcomes in today's words (a copy when one changed). */
export function normaliseEvidenceOutcomes(evidence: HostingEvidence): HostingEvidence {
  const dns = currentWord(evidence.dns.outcome);
  const changed = dns !== evidence.dns.outcome || evidence.addresses.some((a) => currentWord(a.registry.outcome) !== a.registry.outcome);
  if (!changed) return evidence;
  return {
    ...evidence,
    dns: { ...evidence.dns, outcome: dns },
    addresses: evidence.addresses.map((a) => ({ ...a, registry: { ...a.registry, outcome: currentWord(a.registry.outcome) } })),
  };
}

export interface RegistryObservation {
  outcome: RegistryOutcome;
  /** 'rdap' or 'whois'; null when neither answered. */
  protocol: 'rdap' | 'whois' | null;
  /** The registry that answered: 'arin' | 'ripe' | 'apnic' | 'lacnic' | 'afrinic' | a host name. */
  registry: string | null;
  /** The URL or WHOIS server that was asked. */
  source: string | null;
  handle: string | null;
  networkName: string | null;
  /** The network range holding the address, as "start - end" in canonical text (e.g. "193.190.0.0 - 193.191.255.255"); null when the answer named none that holds it. */
  range: string | null;
  country: string | null;
  abuseEmail: string | null;
  /** Free text detail for a failure (never contains the reported URL). */
  detail?: string;
  observedAt: string;
}

export interface CdnObservation {
  provider: string;
  /** What matched: an ASN, an address range, or a CNAME suffix. */
  matchedBy: 'asn' | 'range' | 'cname';
  match: string;
}

export interface AddressEvidence {
  address: string;
  family: 4 | 6;
  range: AddressRange;
  publiclyRoutable: boolean;
  geo: GeoObservation;
  registry: RegistryObservation;
  cdn: CdnObservation | null;
}

export interface HostingEvidence {
  /** The normalised URL (punycode host, no trailing dot). */
  url: string;
  /** The URL exactly as the back office sent it, when it differs from the stored (WHATWG-serialised) one. */
  reportedUrl?: string;
  host: string;
  hostKind: HostKind;
  dns: {
    outcome: DnsOutcome;
    cnameChain: string[];
    /** DNS servers that were asked ('system' when the system resolver was used). */
    servers: string[];
    detail?: string;
    observedAt: string;
  };
  addresses: AddressEvidence[];
  /** When the whole evidence was gathered. */
  observedAt: string;
  /** Data versions, so the decision can be explained later. */
  sources: {
    geoipCountry: string;
    geoipCountryBuiltAt: string | null;
    geoipAsn: string;
    /** True while the bundled, no-longer-refreshed ip-location-db data is in use. */
    geoipIsOfflineDefault: boolean;
    /** Which RDAP bootstrap was used and its date, e.g. "iana-bootstrap 2025-11-25 (bundled)". */
    rdapBootstrap: string;
    /** The published CDN lists read, each with its date (absent in evidence from before they were recorded). */
    cdnLists?: string;
  };
}

/** A registry observation that found no network: every fact null but what is given. */
export function observationWithoutNetwork(
  outcome: RegistryOutcome,
  observedAt: string,
  detail: string,
  from: Partial<Pick<RegistryObservation, 'protocol' | 'registry' | 'source'>> = {},
): RegistryObservation {
  return {
    outcome,
    protocol: from.protocol ?? null,
    registry: from.registry ?? null,
    source: from.source ?? null,
    handle: null,
    networkName: null,
    range: null,
    country: null,
    abuseEmail: null,
    detail,
    observedAt,
  };
}

/**
 * The address a destination is told the content sits on: the first publicly routable one
 * located in the decided country, else the first publicly routable one, else the first at all.
 */
export function primaryHostingAddress(addresses: readonly AddressEvidence[], country: string | null): AddressEvidence | null {
  const routable = addresses.filter((a) => a.publiclyRoutable);
  const inCountry = routable.find((a) => country !== null && (a.geo.country === country || a.registry.country === country));
  return inCountry ?? routable[0] ?? addresses[0] ?? null;
}

/**
 * The hosting network the takedown clock groups by: the autonomous system of the first
 * publicly routable address that has one (migration 0011 derives stored rows the same way).
 */
export function hostingAsnOf(evidence: HostingEvidence | null): number | null {
  const addresses: readonly AddressEvidence[] = evidence?.addresses ?? [];
  return addresses.find((a) => a.publiclyRoutable && a.geo?.asn !== null && a.geo?.asn !== undefined)?.geo.asn ?? null;
}
