import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { createLocator, type Locator, type LocatorOptions } from '../../src/locate/locator.js';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';
import { readRdapFixtures, startRdapStandin, type RdapStandin } from '../../scripts/sandbox/rdap-standin.js';
import { startWhoisStandin, type WhoisStandin } from '../../scripts/sandbox/whois-standin.js';
import { GEOIP_FIXTURES, RDAP_FIXTURES, silentLogger } from './support.js';

/** Every TCP connection opened in this process, as host:port. */
const connections: string[] = [];
const realConnect = net.Socket.prototype.connect;
vi.spyOn(net.Socket.prototype, 'connect').mockImplementation(function (this: net.Socket, ...args: unknown[]) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'object' && first !== null) {
    const o = first as { host?: string; port?: number; path?: string };
    connections.push(o.path ?? `${o.host ?? 'localhost'}:${o.port}`);
  } else {
    connections.push(`${String(args[1] ?? 'localhost')}:${String(first)}`);
  }
  return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect);

const RESOLVED_ADDRESSES = ['193.190.198.10', '104.16.0.1', '2001:67c:2e8::1', '10.0.0.5', '145.100.0.1', '12.0.0.1'];

let dns: DnsStandin;
let rdap: RdapStandin;
let whois: WhoisStandin;

beforeAll(async () => {
  dns = await startDnsStandin({
    'www.be-host.example': { a: ['193.190.198.10'] },
    'cdn.shop.example': { cname: 'shop.example.cdn.cloudflare.net' },
    'shop.example.cdn.cloudflare.net': { a: ['104.16.0.1'] },
    'v6.hosting.example': { aaaa: ['2001:67c:2e8::1'] },
    'internal.hosting.example': { a: ['10.0.0.5'] },
    'slow-registry.hosting.example': { a: ['145.100.0.1'] },
    'us.hosting.example': { a: ['12.0.0.1'] },
    'gone.hosting.example': { behaviour: 'nxdomain' },
  });
  rdap = await startRdapStandin({ networks: readRdapFixtures(RDAP_FIXTURES), behaviours: { '145.100.0.1': { hang: true }, '12.0.0.1': { status: 503 } } });
  whois = await startWhoisStandin({
    '145.100.0.1': 'hang',
    'n + 12.0.0.1': 'NetRange: 12.0.0.0 - 12.255.255.255\nNetName: ATT\nCountry: US\nOrgAbuseEmail: abuse@carrier-us.example\n',
  });
});
afterAll(async () => {
  await Promise.all([dns.close(), rdap.close(), whois.close()]);
});

function options(overrides: Partial<LocatorOptions> = {}): LocatorOptions {
  return {
    dnsServers: [dns.server],
    dnsTimeoutMs: 300,
    dnsTries: 1,
    geoipCountryDb: join(GEOIP_FIXTURES, 'test-country.mmdb'),
    geoipAsnDb: join(GEOIP_FIXTURES, 'test-asn.mmdb'),
    rdapBootstrapUrl: rdap.bootstrapUrl,
    registryLocalTestMode: true,
    rdapTimeoutMs: 300,
    registryEnabled: true,
    whoisServers: { ripe: whois.server, arin: whois.server, apnic: whois.server, lacnic: whois.server, afrinic: whois.server },
    clock: new ManualClock('2026-11-29T10:00:00Z'),
    logger: silentLogger,
    ...overrides,
  };
}

describe('locator end to end against local DNS, RDAP and WHOIS stand-ins', () => {
  let locator: Locator;
  beforeAll(async () => {
    locator = await createLocator(options());
  });
  afterAll(async () => {
    await locator.close();
  });

  it('gathers complete evidence for a Belgian host', async () => {
    const evidence = await locator.locate('https://WWW.be-host.example./gallery/1');
    expect(evidence).toMatchObject({
      url: 'https://www.be-host.example/gallery/1',
      host: 'www.be-host.example',
      hostKind: 'domain',
      dns: { outcome: 'ok', cnameChain: [], servers: [dns.server], observedAt: '2026-11-29T10:00:00.000Z' },
      observedAt: '2026-11-29T10:00:00.000Z',
      sources: { geoipCountry: 'Test-Country-Flat', geoipAsn: 'GeoLite2-ASN', geoipIsOfflineDefault: false, rdapBootstrap: rdap.bootstrapUrl },
    });
    expect(evidence.sources.geoipCountryBuiltAt).toMatch(/^\d{4}-/);
    expect(evidence.addresses).toEqual([
      {
        address: '193.190.198.10',
        family: 4,
        range: 'unicast',
        publiclyRoutable: true,
        geo: { country: 'BE', asn: 2611, asOrganisation: 'BELNET', source: 'Test-Country-Flat', databaseBuiltAt: evidence.sources.geoipCountryBuiltAt },
        registry: {
          outcome: 'ok',
          protocol: 'rdap',
          registry: 'ripe',
          source: `${rdap.url}ripe/ip/193.190.198.10`,
          handle: '193.190.0.0 - 193.191.255.255',
          networkName: 'BELNET-NET',
          range: '193.190.0.0 - 193.191.255.255',
          country: 'BE',
          abuseEmail: 'abuse@network-be.example',
          observedAt: '2026-11-29T10:00:00.000Z',
        },
        cdn: null,
      },
    ]);
  });

  it('sees a CDN through the CNAME chain and the ASN', async () => {
    const evidence = await locator.locate('https://cdn.shop.example/x');
    expect(evidence.dns.cnameChain).toEqual(['shop.example.cdn.cloudflare.net']);
    expect(evidence.addresses[0]?.cdn).toEqual({ provider: 'Cloudflare', matchedBy: 'asn', match: 'AS13335' });
  });

  it('locates an IPv6-only host', async () => {
    const evidence = await locator.locate('http://v6.hosting.example/');
    expect(evidence.addresses[0]).toMatchObject({
      address: '2001:67c:2e8::1',
      family: 6,
      geo: { country: 'NL', asn: 3333 },
      registry: { outcome: 'ok', country: 'NL' },
    });
  });

  it('marks a private address and asks no registry about it', async () => {
    const evidence = await locator.locate('http://internal.hosting.example/');
    expect(evidence.addresses[0]).toMatchObject({ range: 'private', publiclyRoutable: false, registry: { outcome: 'unavailable' }, cdn: null });
    expect(rdap.requests.some((p) => p.endsWith('/10.0.0.5'))).toBe(false);
  });

  it('falls back to WHOIS when RDAP fails', async () => {
    const evidence = await locator.locate('http://us.hosting.example/');
    expect(evidence.addresses[0]?.registry).toMatchObject({ outcome: 'ok', protocol: 'whois', registry: 'arin', country: 'US', networkName: 'ATT' });
  });

  it('returns with "registry unknown" when RDAP and WHOIS both hang', async () => {
    // The stand-ins never answer: only the locator's own deadline can end this (the test's
    // timeout would fail it otherwise), so no wall-clock assertion is needed.
    const evidence = await locator.locate('http://slow-registry.hosting.example/');
    expect(evidence.addresses[0]?.geo.country).toBe('NL');
    expect(evidence.addresses[0]?.registry).toMatchObject({ outcome: 'timeout', country: null });
  });

  it('records DNS failures, onion and unresolvable names without addresses', async () => {
    expect(await locator.locate('http://gone.hosting.example/')).toMatchObject({ dns: { outcome: 'nxdomain' }, addresses: [] });
    expect(await locator.locate('http://abcdefghijklmnop.onion/')).toMatchObject({
      hostKind: 'onion',
      dns: { outcome: 'not_applicable', servers: [] },
      addresses: [],
    });
    expect(await locator.locate('http://nas.local/')).toMatchObject({ hostKind: 'unresolvable-name', addresses: [] });
  });

  it('takes an address literal as the only address', async () => {
    const evidence = await locator.locate('http://[::ffff:193.190.198.10]/');
    expect(evidence).toMatchObject({ hostKind: 'ipv6', dns: { outcome: 'not_applicable' } });
    expect(evidence.addresses[0]).toMatchObject({ address: '193.190.198.10', family: 4, geo: { country: 'BE' } });
  });

  it('never connected to a reported host: only the stand-ins were contacted', async () => {
    // Locates on its own, so it holds when run alone (-t) as well as after the others.
    await locator.locate('https://www.be-host.example/again');
    await locator.locate('http://us.hosting.example/again');
    const allowed = new Set([`127.0.0.1:${new URL(rdap.url).port}`, whois.server]);
    expect(connections.length).toBeGreaterThan(0);
    expect(connections.filter((c) => !allowed.has(c))).toEqual([]);
    for (const address of RESOLVED_ADDRESSES) expect(connections.some((c) => c.includes(address))).toBe(false);
    expect(dns.queries.length).toBeGreaterThan(0);
  });
});

describe('published data', () => {
  it('picks up a newer CDN list without a restart, and names the bootstrap and its date', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-published-'));
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const locator = await createLocator(options({ publishedDataDir: dir, clock, rdapBootstrapUrl: null, registryEnabled: false, dataCheckIntervalMs: 60_000 }));
    const before = await locator.locate('http://145.100.0.1/x');
    expect(before.addresses[0]?.cdn).toBeNull();
    expect(before.sources.cdnLists).toMatch(/aws-cloudfront 2025-07-24/);

    mkdirSync(join(dir, 'cdn'));
    writeFileSync(join(dir, 'cdn/fastly.json'), JSON.stringify({ addresses: ['145.100.0.0/16'], ipv6_addresses: [] }));
    // Within the check interval the old list still answers; after it, the new one.
    expect((await locator.locate('http://145.100.0.1/x')).addresses[0]?.cdn).toBeNull();
    clock.advance(60_000);
    const after = await locator.locate('http://145.100.0.1/x');
    expect(after.addresses[0]?.cdn).toEqual({ provider: 'Fastly', matchedBy: 'range', match: '145.100.0.0/16' });
    expect(after.sources.cdnLists).toMatch(/fastly \d{4}-\d\d-\d\d \(updated\)/);
    await locator.close();
  });

  it('records the bundled IANA bootstrap and its date in the evidence', async () => {
    const locator = await createLocator(options({ rdapBootstrapUrl: null, publishedDataDir: null }));
    // A private address: no registry is asked, yet the evidence names the bootstrap in use.
    const evidence = await locator.locate('http://10.0.0.5/');
    expect(evidence.sources.rdapBootstrap).toBe('iana-bootstrap 2025-11-25 (bundled)');
    await locator.close();
  });
});

describe('locator modes', () => {
  it('offline: no registry is asked and every registry outcome is unavailable', async () => {
    const before = rdap.requests.length;
    const locator = await createLocator(options({ registryEnabled: false }));
    const evidence = await locator.locate('https://www.be-host.example/');
    expect(evidence.addresses[0]?.registry).toMatchObject({ outcome: 'unavailable', protocol: null });
    expect(evidence.sources.rdapBootstrap).toBe('disabled');
    expect(rdap.requests.length).toBe(before);
    await locator.close();
  });

  it('starts before the bundled ASN index has loaded, then fills ASNs in', async () => {
    const locator = await createLocator(options({ geoipAsnDb: null, geoipCountryDb: null, registryEnabled: false }));
    expect(locator.readiness()).toMatchObject({ geoipLoaded: true, asnLoaded: false, geoipIsOfflineDefault: true, geoipBuiltAt: '2026-06-01T20:32:58.000Z' });
    const early = await locator.locate('https://www.be-host.example/');
    expect(early.sources.geoipAsn).toBe('loading');
    expect(early.addresses[0]?.geo.asn).toBeNull();
    expect(early.sources.geoipIsOfflineDefault).toBe(true);

    await vi.waitFor(() => expect(locator.readiness().asnLoaded).toBe(true), { timeout: 15_000, interval: 50 });
    const later = await locator.locate('https://www.be-host.example/');
    expect(later.sources.geoipAsn).toBe('ip-location-db-asn');
    expect(later.addresses[0]?.geo).toMatchObject({ country: 'BE', asn: 2611, source: 'dbip-country-lite' });
    await locator.close();
  });
});
