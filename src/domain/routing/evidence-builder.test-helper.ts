/**
 * Small builders for routing tests: evidence and policies with only the fields a test cares
 * about spelled out. Host names end in `.example`; addresses are documentation-style public
 * ones that no test ever contacts.
 */
import type { AddressEvidence, DnsOutcome, HostKind, HostingEvidence, RegistryOutcome } from '../evidence.js';
import type { RoutingPolicy } from './routing-policy.js';

export interface AddressSpec {
  address?: string;
  /** GeoIP country; null for no answer. Default 'NL'. */
  geo?: string | null;
  /** Registry country; null for no country in an 'ok' answer. Default: same as geo when 'ok'. */
  registry?: string | null;
  registryOutcome?: RegistryOutcome;
  /** CDN provider name; the address counts as behind that CDN. */
  cdn?: string;
  /** ipaddr.js range; anything but 'unicast' makes the address non-public. */
  range?: string;
}

let counter = 0;

export function address(spec: AddressSpec = {}): AddressEvidence {
  counter += 1;
  const addr = spec.address ?? `198.51.${Math.floor(counter / 250) % 250}.${(counter % 250) + 1}`;
  const family = addr.includes(':') ? 6 : 4;
  const range = spec.range ?? 'unicast';
  const geo = spec.geo === undefined ? 'NL' : spec.geo;
  const registryOutcome = spec.registryOutcome ?? 'ok';
  const answered = registryOutcome === 'ok';
  return {
    address: addr,
    family,
    range,
    publiclyRoutable: range === 'unicast',
    geo: {
      country: geo,
      asn: spec.cdn === undefined ? 64500 : 13335,
      asOrganisation: spec.cdn ?? 'Example Hosting',
      source: 'dbip-country-lite',
      databaseBuiltAt: '2026-06-01T00:00:00.000Z',
    },
    registry: {
      outcome: registryOutcome,
      protocol: answered ? 'rdap' : null,
      registry: answered ? 'ripe' : null,
      source: answered ? `https://rdap.db.ripe.net/ip/${addr}` : null,
      handle: answered ? 'EXAMPLE-NET' : null,
      networkName: answered ? 'EXAMPLE-NET' : null,
      range: answered ? '198.51.100.0/24' : null,
      // An explicit registry country is kept even on a failed outcome, so tests can check
      // that a country left behind by a failed lookup is ignored.
      country: spec.registry !== undefined ? spec.registry : answered ? geo : null,
      abuseEmail: answered ? 'abuse@hosting.example' : null,
      observedAt: '2026-11-29T10:00:00.000Z',
    },
    cdn: spec.cdn === undefined ? null : { provider: spec.cdn, matchedBy: 'asn', match: 'AS13335' },
  };
}

export interface EvidenceSpec {
  host?: string;
  hostKind?: HostKind;
  dnsOutcome?: DnsOutcome;
  addresses?: AddressEvidence[];
  offlineGeoip?: boolean;
}

export function evidence(spec: EvidenceSpec = {}): HostingEvidence {
  const host = spec.host ?? 'content.hosting.example';
  const hostKind = spec.hostKind ?? 'domain';
  const addresses = spec.addresses ?? [address()];
  const dnsOutcome = spec.dnsOutcome ?? (hostKind === 'domain' ? (addresses.length > 0 ? 'ok' : 'nxdomain') : 'not_applicable');
  return {
    url: `https://${host}/gallery/1`,
    host,
    hostKind,
    dns: { outcome: dnsOutcome, cnameChain: [], servers: ['system'], observedAt: '2026-11-29T10:00:00.000Z' },
    addresses,
    observedAt: '2026-11-29T10:00:01.000Z',
    sources: {
      geoipCountry: 'dbip-country-lite',
      geoipCountryBuiltAt: '2026-06-01T00:00:00.000Z',
      geoipAsn: 'ip-location-db asn 2026-06-17',
      geoipIsOfflineDefault: spec.offlineGeoip ?? false,
      rdapBootstrap: 'iana 2026-11-01',
    },
  };
}

export function policy(overrides: Partial<Omit<RoutingPolicy, 'inhopeMembers'>> = {}): RoutingPolicy {
  return {
    homeCountry: 'BE',
    nonMemberRule: 'police',
    disagreement: 'review',
    hotlineId: 'BE-ChildFocus',
    asOf: '2026-11-01',
    inhopeMembers: {
      asOf: '2026-10-15',
      source: 'test list',
      hotlines: {
        BE: 'Child Focus',
        NL: 'Offlimits',
        DE: 'eco / FSM / jugendschutz.net',
        US: 'NCMEC',
        GB: 'IWF',
        FR: 'Point de Contact',
      },
    },
    ...overrides,
  };
}
