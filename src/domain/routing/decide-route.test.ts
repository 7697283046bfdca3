import { describe, expect, it } from 'vitest';
import type { ReviewReasonCode } from '../decision.js';
import type { HostingEvidence } from '../evidence.js';
import { decideRoute } from './decide-route.js';
import { address, evidence, policy } from './evidence-builder.test-helper.js';
import type { DisagreementTreatment, RoutingPolicy } from './routing-policy.js';

const now = new Date('2026-11-29T10:00:02.000Z');

describe('decideRoute: routed by country', () => {
  const cases: Array<{
    name: string;
    evidence: HostingEvidence;
    policy?: RoutingPolicy;
    expected: { destination: 'police' | 'inhope'; country: string; assignedCountry: string | null; targetHotline: string | null; rule: string };
  }> = [
    {
      name: 'hosting in the home country goes to the police',
      evidence: evidence({ addresses: [address({ geo: 'BE' })] }),
      expected: { destination: 'police', country: 'BE', assignedCountry: null, targetHotline: null, rule: 'home-country' },
    },
    {
      name: 'hosting in a member country goes to ICCAM assigned to that country',
      evidence: evidence({ addresses: [address({ geo: 'NL' })] }),
      expected: { destination: 'inhope', country: 'NL', assignedCountry: 'NL', targetHotline: 'Offlimits', rule: 'inhope-member' },
    },
    {
      name: 'hosting in a non-member country goes to the police by default',
      evidence: evidence({ addresses: [address({ geo: 'PA' })] }),
      expected: { destination: 'police', country: 'PA', assignedCountry: null, targetHotline: null, rule: 'non-member-police' },
    },
    {
      name: 'hosting in a non-member country becomes an ICCAM orphan when the policy says so',
      evidence: evidence({ addresses: [address({ geo: 'PA' })] }),
      policy: policy({ nonMemberRule: 'iccam-orphan' }),
      expected: { destination: 'inhope', country: 'PA', assignedCountry: null, targetHotline: null, rule: 'non-member-orphan' },
    },
    {
      name: 'a different home country takes precedence over its membership',
      evidence: evidence({ addresses: [address({ geo: 'NL' })] }),
      policy: policy({ homeCountry: 'NL' }),
      expected: { destination: 'police', country: 'NL', assignedCountry: null, targetHotline: null, rule: 'home-country' },
    },
    {
      name: 'the home country is never sent to ICCAM even though it has a member hotline',
      evidence: evidence({ addresses: [address({ geo: 'BE' })] }),
      policy: policy({ nonMemberRule: 'iccam-orphan' }),
      expected: { destination: 'police', country: 'BE', assignedCountry: null, targetHotline: null, rule: 'home-country' },
    },
    {
      name: 'an IPv6-only host is routed like any other',
      evidence: evidence({ addresses: [address({ address: '2001:67c:1234::10', geo: 'DE' })] }),
      expected: {
        destination: 'inhope',
        country: 'DE',
        assignedCountry: 'DE',
        targetHotline: 'eco / FSM / jugendschutz.net',
        rule: 'inhope-member',
      },
    },
    {
      name: 'IPv4 and IPv6 addresses in the same country agree',
      evidence: evidence({ addresses: [address({ geo: 'US' }), address({ address: '2600:1f18::1', geo: 'US' })] }),
      expected: { destination: 'inhope', country: 'US', assignedCountry: 'US', targetHotline: 'NCMEC', rule: 'inhope-member' },
    },
    {
      name: 'an IP-literal host (no DNS) is routed by its address',
      evidence: evidence({ hostKind: 'ipv4', host: '198.51.100.7', addresses: [address({ address: '198.51.100.7', geo: 'FR' })] }),
      expected: { destination: 'inhope', country: 'FR', assignedCountry: 'FR', targetHotline: 'Point de Contact', rule: 'inhope-member' },
    },
    {
      name: 'a registry that did not answer contributes no country and is no disagreement',
      evidence: evidence({ addresses: [address({ geo: 'DE', registry: 'NL', registryOutcome: 'timeout' })] }),
      expected: {
        destination: 'inhope',
        country: 'DE',
        assignedCountry: 'DE',
        targetHotline: 'eco / FSM / jugendschutz.net',
        rule: 'inhope-member',
      },
    },
    {
      name: 'the registry alone places the address when GeoIP has no answer',
      evidence: evidence({ addresses: [address({ geo: null, registry: 'BE' })] }),
      expected: { destination: 'police', country: 'BE', assignedCountry: null, targetHotline: null, rule: 'home-country' },
    },
    {
      name: 'lower-case codes and the UK alias are normalised',
      evidence: evidence({ addresses: [address({ geo: 'gb', registry: 'UK' })] }),
      expected: { destination: 'inhope', country: 'GB', assignedCountry: 'GB', targetHotline: 'IWF', rule: 'inhope-member' },
    },
    {
      name: 'a regional registry code (EU) is no country and no disagreement',
      evidence: evidence({ addresses: [address({ geo: 'NL', registry: 'EU' })] }),
      expected: { destination: 'inhope', country: 'NL', assignedCountry: 'NL', targetHotline: 'Offlimits', rule: 'inhope-member' },
    },
    {
      name: 'CDN addresses mixed with an origin do not count for the country',
      evidence: evidence({ addresses: [address({ geo: 'US', cdn: 'Cloudflare' }), address({ geo: 'BE' })] }),
      expected: { destination: 'police', country: 'BE', assignedCountry: null, targetHotline: null, rule: 'home-country' },
    },
    {
      name: 'an address the sources cannot place does not block the others',
      evidence: evidence({ addresses: [address({ geo: 'NL' }), address({ geo: null, registry: null })] }),
      expected: { destination: 'inhope', country: 'NL', assignedCountry: 'NL', targetHotline: 'Offlimits', rule: 'inhope-member' },
    },
  ];

  it.each(cases)('$name', ({ evidence: ev, policy: p, expected }) => {
    const decision = decideRoute(ev, p ?? policy(), now);
    expect(decision).toMatchObject({ ...expected, reviewReasons: [] });
    expect(decision.confidence).toBeGreaterThan(0);
    expect(decision.confidence).toBeLessThanOrEqual(1);
  });
});

describe('decideRoute: needs review', () => {
  const cases: Array<{ name: string; evidence: HostingEvidence; policy?: RoutingPolicy; reasons: ReviewReasonCode[] }> = [
    {
      name: 'a name that does not exist',
      evidence: evidence({ addresses: [], dnsOutcome: 'nxdomain' }),
      reasons: ['host_unresolvable'],
    },
    {
      name: 'a name with no address records',
      evidence: evidence({ addresses: [], dnsOutcome: 'ok' }),
      reasons: ['host_unresolvable'],
    },
    {
      name: 'a DNS failure even if some address was seen',
      evidence: evidence({ addresses: [address({ geo: 'NL' })], dnsOutcome: 'servfail' }),
      reasons: ['host_unresolvable'],
    },
    {
      name: 'a Tor .onion host',
      evidence: evidence({ host: 'abcdefghijklmnop.onion', hostKind: 'onion', addresses: [] }),
      reasons: ['onion_or_unresolvable_name'],
    },
    {
      name: 'another name that cannot resolve publicly',
      evidence: evidence({ host: 'gallery.internal', hostKind: 'unresolvable-name', addresses: [] }),
      reasons: ['onion_or_unresolvable_name'],
    },
    {
      name: 'every address behind a CDN',
      evidence: evidence({ addresses: [address({ geo: 'CA', cdn: 'Cloudflare' }), address({ address: '2606:4700::1', geo: 'US', cdn: 'Cloudflare' })] }),
      reasons: ['behind_cdn'],
    },
    {
      name: 'a private address only',
      evidence: evidence({ addresses: [address({ address: '10.0.0.5', range: 'private', geo: null, registry: null })] }),
      reasons: ['non_public_address'],
    },
    {
      name: 'a loopback IPv6 address next to a public one',
      evidence: evidence({ addresses: [address({ address: '::1', range: 'loopback', geo: null }), address({ geo: 'NL' })] }),
      reasons: ['non_public_address'],
    },
    {
      name: 'GeoIP and registry disagree on one address',
      evidence: evidence({ addresses: [address({ geo: 'NL', registry: 'DE' })] }),
      reasons: ['country_disagreement'],
    },
    {
      name: 'addresses in two countries',
      evidence: evidence({ addresses: [address({ geo: 'NL' }), address({ address: '2001:db9::1', geo: 'DE' })] }),
      reasons: ['country_disagreement'],
    },
    {
      name: 'no source gives a country',
      evidence: evidence({ addresses: [address({ geo: null, registry: null })] }),
      reasons: ['country_unknown'],
    },
    {
      name: 'GeoIP says unknown (ZZ) and the registry is unavailable',
      evidence: evidence({ addresses: [address({ geo: 'ZZ', registryOutcome: 'unavailable' })] }),
      reasons: ['country_unknown'],
    },
    {
      name: 'a private address and CDN-only public addresses',
      evidence: evidence({ addresses: [address({ address: '192.168.1.2', range: 'private', geo: null }), address({ geo: 'US', cdn: 'Fastly' })] }),
      reasons: ['non_public_address', 'behind_cdn'],
    },
    {
      name: 'a private address and public addresses in two countries',
      evidence: evidence({
        addresses: [address({ address: '100.64.0.1', range: 'carrierGradeNat', geo: null }), address({ geo: 'NL' }), address({ geo: 'FR' })],
      }),
      reasons: ['non_public_address', 'country_disagreement'],
    },
    {
      name: 'a DNS failure with an unplaceable address',
      evidence: evidence({ dnsOutcome: 'timeout', addresses: [address({ geo: null, registry: null })] }),
      reasons: ['host_unresolvable', 'country_unknown'],
    },
  ];

  it.each(cases)('$name → $reasons', ({ evidence: ev, policy: p, reasons }) => {
    const decision = decideRoute(ev, p ?? policy(), now);
    expect(decision).toMatchObject({
      destination: null,
      country: null,
      assignedCountry: null,
      targetHotline: null,
      rule: 'needs-review',
      confidence: 0,
    });
    expect(decision.reviewReasons).toEqual(reasons);
    expect(decision.reasons.length).toBeGreaterThanOrEqual(reasons.length);
  });
});

describe('decideRoute: disagreement settings', () => {
  const sourceConflict = evidence({ addresses: [address({ geo: 'NL', registry: 'DE' })] });
  const twoCountries = evidence({ addresses: [address({ geo: 'NL' }), address({ geo: 'FR' })] });
  const table: Array<{ setting: DisagreementTreatment; sources: string | null; addresses: null }> = [
    { setting: 'review', sources: null, addresses: null },
    { setting: 'prefer-geoip', sources: 'NL', addresses: null },
    { setting: 'prefer-registry', sources: 'DE', addresses: null },
  ];

  it.each(table)('$setting: GeoIP vs registry resolves to $sources', ({ setting, sources }) => {
    const decision = decideRoute(sourceConflict, policy({ disagreement: setting }), now);
    expect(decision.country).toBe(sources);
    if (sources === null) {
      expect(decision.reviewReasons).toEqual(['country_disagreement']);
    } else {
      expect(decision.destination).toBe('inhope');
      expect(decision.assignedCountry).toBe(sources);
      expect(decision.confidence).toBe(0.5);
      expect(decision.reasons.some((r) => r.includes(`chose ${sources}`))).toBe(true);
    }
  });

  it.each(table)('$setting: addresses in several countries always go to review', ({ setting }) => {
    const decision = decideRoute(twoCountries, policy({ disagreement: setting }), now);
    expect(decision.destination).toBeNull();
    expect(decision.reviewReasons).toEqual(['country_disagreement']);
    expect(decision.reasons.join(' ')).toContain('FR, NL');
  });

  it('prefer-geoip still reviews when the preferred answers differ between addresses', () => {
    const ev = evidence({ addresses: [address({ geo: 'NL', registry: 'DE' }), address({ geo: 'FR', registry: 'DE' })] });
    expect(decideRoute(ev, policy({ disagreement: 'prefer-geoip' }), now).reviewReasons).toEqual(['country_disagreement']);
    // The registry agrees across addresses, so preferring it settles both conflicts.
    expect(decideRoute(ev, policy({ disagreement: 'prefer-registry' }), now)).toMatchObject({ destination: 'inhope', country: 'DE' });
  });
});

describe('decideRoute: confidence', () => {
  const cases = [
    { name: 'both sources agree', ev: evidence({ addresses: [address({ geo: 'NL' })] }), confidence: 1 },
    { name: 'a single source', ev: evidence({ addresses: [address({ geo: 'NL', registryOutcome: 'rate_limited' })] }), confidence: 0.7 },
    {
      name: 'one agreeing address and one unplaced',
      ev: evidence({ addresses: [address({ geo: 'NL' }), address({ geo: null, registry: null })] }),
      confidence: 0.5,
    },
    { name: 'CDN-mixed', ev: evidence({ addresses: [address({ geo: 'NL' }), address({ geo: 'US', cdn: 'Akamai' })] }), confidence: 0.8 },
    { name: 'offline GeoIP data', ev: evidence({ addresses: [address({ geo: 'NL' })], offlineGeoip: true }), confidence: 0.9 },
  ];
  it.each(cases)('$name → $confidence', ({ ev, confidence }) => {
    expect(decideRoute(ev, policy(), now).confidence).toBe(confidence);
  });
});

describe('decideRoute: the record', () => {
  it('records data versions without the queried address', () => {
    const ev = evidence({ addresses: [address({ address: '198.51.100.77', geo: 'NL' })] });
    const decision = decideRoute(ev, policy(), now);
    expect(decision.dataVersions).toEqual({
      geoipCountry: 'dbip-country-lite',
      geoipCountryBuiltAt: '2026-06-01T00:00:00.000Z',
      geoipAsn: 'ip-location-db asn 2026-06-17',
      geoipOfflineDefault: 'false',
      rdapBootstrap: 'iana 2026-11-01',
      registries: 'ripe (rdap)',
      registrySources: 'https://rdap.db.ripe.net',
      evidenceObservedAt: '2026-11-29T10:00:01.000Z',
      policyAsOf: '2026-11-01',
      inhopeMembersAsOf: '2026-10-15',
    });
    expect(JSON.stringify(decision.dataVersions)).not.toContain('198.51.100.77');
  });

  it('states the decided time and human-readable reasons ending with the rule', () => {
    const decision = decideRoute(evidence({ addresses: [address({ geo: 'PA' })] }), policy(), now);
    expect(decision.decidedAt).toBe('2026-11-29T10:00:02.000Z');
    expect(decision.reasons.at(-1)).toMatch(/PA has no INHOPE member hotline: the federal police/);
  });

  it('no registry answer leaves the registry versions null', () => {
    const decision = decideRoute(evidence({ addresses: [address({ geo: 'NL', registryOutcome: 'error' })] }), policy(), now);
    expect(decision.dataVersions.registries).toBeNull();
    expect(decision.dataVersions.registrySources).toBeNull();
  });

  it('is pure: frozen input, same answer twice', () => {
    const ev = deepFreeze(evidence({ addresses: [address({ geo: 'NL' }), address({ geo: 'US', cdn: 'Cloudflare' })] }));
    const p = deepFreeze(policy());
    expect(decideRoute(ev, p, now)).toEqual(decideRoute(ev, p, now));
  });
});

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('signals beyond the country', () => {
  it('an address the GeoIP database marks anycast sends the case to review with reason anycast', () => {
    const anycast = { ...address({ geo: 'NL' }), geo: { ...address({ geo: 'NL' }).geo, anycast: true } };
    const decision = decideRoute(evidence({ addresses: [anycast] }), policy(), now);
    expect(decision).toMatchObject({ destination: null, reviewReasons: ['anycast'] });
    expect(decision.reasons.join(' ')).toMatch(/anycast/);
  });

  it('a registry region code (EU, AP) is named in the reasons and counts as no registry country', () => {
    for (const region of ['EU', 'AP']) {
      const decision = decideRoute(evidence({ addresses: [address({ geo: 'NL', registry: region })] }), policy(), now);
      expect(decision).toMatchObject({ destination: 'inhope', country: 'NL', confidence: 0.7 });
      expect(decision.reasons.join(' ')).toContain(`region, not a country (${region})`);
    }
    // Alone, a region places nothing: review, not a route.
    const alone = decideRoute(evidence({ addresses: [address({ geo: null, registry: 'EU' })] }), policy(), now);
    expect(alone.reviewReasons).toEqual(['country_unknown']);
  });

  it('a host name the DNS refuses as malformed goes to review at once', () => {
    const decision = decideRoute(evidence({ dnsOutcome: 'bad_name', addresses: [] }), policy(), now);
    expect(decision.reviewReasons).toEqual(['host_unresolvable']);
  });
});
