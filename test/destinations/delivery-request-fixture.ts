/**
 * A DeliveryRequest as the dispatcher would build it, with fake hosting evidence. Host names
 * end in `.example` (contract §7); the addresses are documentation-range ones.
 */
import type { DeliveryRequest } from '../../src/delivery/destinations/destination-adapter.js';
import type { RoutingDecision } from '../../src/domain/decision.js';
import type { AddressEvidence, HostingEvidence } from '../../src/domain/evidence.js';

const OBSERVED_AT = '2026-01-01T00:00:00.000Z';

export function addressEvidence(address: string, country: string, overrides: Partial<AddressEvidence> = {}): AddressEvidence {
  return {
    address,
    family: address.includes(':') ? 6 : 4,
    range: 'unicast',
    publiclyRoutable: true,
    geo: { country, asn: 64500, asOrganisation: `Example Hosting ${country}`, source: 'test-geoip', databaseBuiltAt: '2026-01-01' },
    registry: {
      outcome: 'ok',
      protocol: 'rdap',
      registry: 'ripe',
      source: 'https://rdap.example/ip/',
      handle: 'NET-EXAMPLE-1',
      networkName: `EXAMPLE-NET-${country}`,
      range: '198.51.100.0/24',
      country,
      abuseEmail: 'abuse@hosting.example',
      observedAt: OBSERVED_AT,
    },
    cdn: null,
    ...overrides,
  };
}

export function hostingEvidence(addresses: AddressEvidence[] = [addressEvidence('198.51.100.7', 'NL')]): HostingEvidence {
  return {
    url: 'https://files.hosting.example/a/1.jpg',
    host: 'files.hosting.example',
    hostKind: 'domain',
    dns: { outcome: 'ok', cnameChain: [], servers: ['127.0.0.1:5353'], observedAt: OBSERVED_AT },
    addresses,
    observedAt: OBSERVED_AT,
    sources: {
      geoipCountry: 'test-geoip',
      geoipCountryBuiltAt: '2026-01-01',
      geoipAsn: 'test-asn',
      geoipIsOfflineDefault: false,
      rdapBootstrap: 'test-bootstrap',
    },
  };
}

export function routingDecision(overrides: Partial<RoutingDecision> = {}): RoutingDecision {
  return {
    destination: 'inhope',
    country: 'NL',
    targetHotline: 'hotline-nl',
    assignedCountry: 'NL',
    rule: 'inhope-member',
    confidence: 0.9,
    reviewReasons: [],
    reasons: ['hosted in NL, an INHOPE member country'],
    dataVersions: { geoip: '2026-01-01' },
    decidedAt: OBSERVED_AT,
    ...overrides,
  };
}

export function deliveryRequest(overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return {
    handoverId: 'ho_01TEST',
    hotlineId: 'BE-childfocus',
    url: 'https://files.hosting.example/a/1.jpg',
    contentType: 'image',
    classification: { category: 'baseline', ageGroup: 'prepubescent', gender: 'female', siteType: 'image-host', commercial: false },
    evidence: hostingEvidence(),
    decision: routingDecision(),
    receivedAt: Date.parse('2026-01-01T08:30:00.000Z'),
    ...overrides,
  };
}

/** The same request for the police: hosted at home. */
export function policeRequest(overrides: Partial<DeliveryRequest> = {}): DeliveryRequest {
  return deliveryRequest({
    evidence: hostingEvidence([addressEvidence('192.0.2.10', 'BE')]),
    decision: routingDecision({ destination: 'police', country: 'BE', targetHotline: null, assignedCountry: null, rule: 'home-country' }),
    ...overrides,
  });
}
