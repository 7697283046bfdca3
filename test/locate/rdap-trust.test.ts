/**
 * The RDAP bootstrap and registry answers are data from outside: a bootstrap base URL is used
 * only when it is https on a public host (RDAP_LOCAL_TEST_MODE admits the local stand-ins),
 * the bootstrap is fetched without following redirects and within a size limit, and a
 * registry's range is cached only within the bootstrap prefix the registry was asked under.
 */
import nock from 'nock';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { ConfigError } from '../../src/domain/errors.js';
import { createLocator } from '../../src/locate/locator.js';
import { fetchBootstrap, loadBundledBootstrap, MAX_BOOTSTRAP_BYTES, RdapBootstrap, registryUrlAllowed } from '../../src/locate/rdap-bootstrap.js';
import { RdapClient } from '../../src/locate/rdap-client.js';
import { silentLogger } from './support.js';

afterEach(() => {
  nock.cleanAll();
});

const HOSTILE_BASES = [
  'http://rdap.db.ripe.net/',
  'https://127.0.0.1/',
  'https://[::1]/',
  'https://169.254.169.254/latest/',
  'https://10.0.0.1/',
  'https://[fd00::1]/',
  'https://localhost/',
  'https://metadata.internal/',
  'https://rdap/',
  'https://user:secret@rdap.db.ripe.net/',
  'file:///etc/passwd',
  'not a url',
];

function bootstrapWith(baseUrl: string, prefix = '193.0.0.0/8'): { services: [string[], string[]][] } {
  return { services: [[[prefix], [baseUrl]]] };
}

describe('bootstrap base URLs', () => {
  it('are used only when https on a public host', () => {
    for (const base of HOSTILE_BASES) {
      const bootstrap = new RdapBootstrap([bootstrapWith(base)], 'test');
      expect({ base, service: bootstrap.serviceFor('193.190.198.10') }).toEqual({ base, service: null });
      expect(bootstrap.refusedBaseUrls).toEqual([base]);
    }
    for (const base of ['https://rdap.db.ripe.net/', 'https://193.0.6.1/rdap/', 'https://[2001:67c:2e8::1]/']) {
      expect(new RdapBootstrap([bootstrapWith(base)], 'test').serviceFor('193.190.198.10')?.baseUrl).toBe(base);
    }
  });

  it('prefer the https base of a service, and warn of none when IANA lists an http one beside it', () => {
    const both = new RdapBootstrap([{ services: [[['193.0.0.0/8'], ['http://rdap.db.ripe.net/', 'https://rdap.db.ripe.net/']]] }], 'test');
    expect(both.serviceFor('193.190.198.10')?.baseUrl).toBe('https://rdap.db.ripe.net/');
    expect(both.refusedBaseUrls).toEqual([]);
  });

  it('are all usable in the bundled IANA snapshot', async () => {
    const bundled = await loadBundledBootstrap();
    expect(bundled.refusedBaseUrls).toEqual([]);
    expect(bundled.baseUrls.every((u) => u.startsWith('https://'))).toBe(true);
  });

  it('may be http and loopback in the explicit local test mode only', () => {
    const local = new RdapBootstrap([bootstrapWith('http://127.0.0.1:8053/ripe/')], 'test', { localTestMode: true });
    expect(local.serviceFor('193.190.198.10')?.baseUrl).toBe('http://127.0.0.1:8053/ripe/');
    expect(registryUrlAllowed('file:///etc/passwd', true)).toBe(false);
  });

  it('refuse RDAP_BOOTSTRAP_URL and RDAP_FALLBACK_URL on loopback outside the test mode, at start-up', async () => {
    const options = {
      dnsServers: null,
      dnsTimeoutMs: 100,
      dnsTries: 1,
      geoipCountryDb: null,
      geoipAsnDb: null,
      rdapTimeoutMs: 100,
      registryEnabled: true,
      clock: new ManualClock(),
      logger: silentLogger,
      publishedDataDir: null,
    };
    await expect(createLocator({ ...options, rdapBootstrapUrl: 'http://127.0.0.1:1/bootstrap/' })).rejects.toThrow(ConfigError);
    await expect(createLocator({ ...options, rdapBootstrapUrl: null, rdapFallbackUrl: 'https://169.254.169.254/' })).rejects.toThrow(/RDAP_FALLBACK_URL/);
  });
});

describe('fetching the bootstrap from RDAP_BOOTSTRAP_URL', () => {
  it('follows no redirect', async () => {
    nock('https://bootstrap.example').get('/ipv4.json').reply(302, '', { location: 'https://127.0.0.1/ipv4.json' });
    nock('https://bootstrap.example').get('/ipv6.json').reply(200, { services: [] });
    await expect(fetchBootstrap('https://bootstrap.example/', 1_000)).rejects.toMatchObject({ code: 'rdap_bootstrap_unavailable' });
  });

  it('reads no more than the limit', async () => {
    const huge = JSON.stringify({ services: [], padding: 'x'.repeat(MAX_BOOTSTRAP_BYTES) });
    nock('https://bootstrap.example').get('/ipv4.json').reply(200, huge, { 'content-type': 'application/json' });
    nock('https://bootstrap.example').get('/ipv6.json').reply(200, { services: [] });
    await expect(fetchBootstrap('https://bootstrap.example/', 1_000)).rejects.toMatchObject({ code: 'rdap_bootstrap_unavailable' });
  });

  it('drops base URLs on non-public addresses from what it fetched', async () => {
    nock('https://bootstrap.example')
      .get('/ipv4.json')
      .reply(200, {
        services: [
          [['193.0.0.0/8'], ['https://169.254.169.254/']],
          [['194.0.0.0/8'], ['https://rdap.db.ripe.net/']],
        ],
      });
    nock('https://bootstrap.example')
      .get('/ipv6.json')
      .reply(200, { services: [[['::1/128'], ['https://[::1]/']]] });
    const bootstrap = await fetchBootstrap('https://bootstrap.example/', 1_000);
    expect(bootstrap.serviceFor('193.190.198.10')).toBeNull();
    expect(bootstrap.serviceFor('194.1.1.1')?.baseUrl).toBe('https://rdap.db.ripe.net/');
    expect(bootstrap.baseUrls).toEqual(['https://rdap.db.ripe.net/']);
  });
});

describe('registry ranges in the cache', () => {
  const network = (start: string, end: string) => ({
    objectClassName: 'ip network',
    handle: 'NET-1',
    name: 'NET',
    startAddress: start,
    endAddress: end,
    country: 'NL',
  });

  it('are never wider than the bootstrap prefix asked under: one answer claiming all of IPv4 does not answer for every address', async () => {
    const bootstrap = new RdapBootstrap(
      [
        {
          services: [
            [['193.0.0.0/8'], ['https://rdap.db.ripe.net/']],
            [['12.0.0.0/8'], ['https://rdap.arin.net/registry/']],
          ],
        },
      ],
      'test',
    );
    const client = new RdapClient({ bootstrap: async () => bootstrap, timeoutMs: 1_000, clock: new ManualClock(), logger: silentLogger });
    const ripe = nock('https://rdap.db.ripe.net').get('/ip/193.190.198.10').reply(200, network('0.0.0.0', '255.255.255.255'));
    const arin = nock('https://rdap.arin.net').get('/registry/ip/12.0.0.1').reply(200, network('12.0.0.0', '12.255.255.255'));
    const poisoned = await client.lookup('193.190.198.10');
    expect(poisoned.observation).toMatchObject({ outcome: 'ok', range: '0.0.0.0 - 255.255.255.255' });
    expect((await client.lookup('12.0.0.1')).observation).toMatchObject({ outcome: 'ok', range: '12.0.0.0 - 12.255.255.255' });
    expect(ripe.isDone() && arin.isDone()).toBe(true);
    // Asked again: the all-of-IPv4 answer was not kept; a range within the prefix is.
    const again = nock('https://rdap.db.ripe.net').get('/ip/193.190.198.10').reply(200, network('193.190.0.0', '193.191.255.255'));
    await client.lookup('193.190.198.10');
    expect(again.isDone()).toBe(true);
    expect((await client.lookup('193.190.200.1')).observation).toMatchObject({ outcome: 'ok', range: '193.190.0.0 - 193.191.255.255' });
    expect((await client.lookup('12.1.2.3')).observation).toMatchObject({ outcome: 'ok', range: '12.0.0.0 - 12.255.255.255' });
    expect(nock.pendingMocks()).toEqual([]);
  });
});
