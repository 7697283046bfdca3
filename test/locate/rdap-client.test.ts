import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { loadBundledBootstrap, type RdapBootstrap } from '../../src/locate/rdap-bootstrap.js';
import { RdapClient } from '../../src/locate/rdap-client.js';
import { readRdapFixtures } from '../../scripts/sandbox/rdap-standin.js';
import { RDAP_FIXTURES, silentLogger } from './support.js';

const [afrinic, apnic, arin, lacnic, ripe] = readRdapFixtures(RDAP_FIXTURES);
let bootstrap: RdapBootstrap;

beforeAll(async () => {
  bootstrap = await loadBundledBootstrap();
});
afterEach(() => {
  nock.cleanAll();
});

function client(clock = new ManualClock('2026-11-29T10:00:00Z'), timeoutMs = 2_000) {
  return new RdapClient({ bootstrap: async () => bootstrap, timeoutMs, clock, logger: silentLogger });
}

describe('the bundled bootstrap snapshot', () => {
  it.each([
    ['193.190.198.10', 'ripe', 'https://rdap.db.ripe.net/'],
    ['12.0.0.1', 'arin', 'https://rdap.arin.net/registry/'],
    ['202.12.29.1', 'apnic', 'https://rdap.apnic.net/'],
    ['200.160.0.1', 'lacnic', 'https://rdap.lacnic.net/rdap/'],
    ['196.216.2.1', 'afrinic', 'https://rdap.afrinic.net/rdap/'],
    ['2001:67c:2e8::1', 'ripe', 'https://rdap.db.ripe.net/'],
    ['2606:4700::1', 'arin', 'https://rdap.arin.net/registry/'],
  ])('sends %s to %s', (address, registry, baseUrl) => {
    expect(bootstrap.serviceFor(address)).toEqual({ registry, baseUrl });
  });

  it('has no registry for private space', () => {
    expect(bootstrap.serviceFor('10.0.0.1')).toBeNull();
  });
});

describe('RdapClient', () => {
  it.each([
    ['https://rdap.db.ripe.net', '/ip/193.190.198.10', ripe, 'ripe', 'BE', 'abuse@network-be.example'],
    ['https://rdap.arin.net', '/registry/ip/12.0.0.1', arin, 'arin', 'US', 'abuse@carrier-us.example'],
    ['https://rdap.apnic.net', '/ip/202.12.29.1', apnic, 'apnic', 'AU', 'helpdesk@registry-au.example'],
    ['https://rdap.lacnic.net', '/rdap/ip/200.160.0.1', lacnic, 'lacnic', 'BR', null],
    ['https://rdap.afrinic.net', '/rdap/ip/196.216.2.1', afrinic, 'afrinic', 'MU', null],
  ])('asks %s%s with the RDAP media type and reads the answer', async (origin, path, body, registry, country, abuseEmail) => {
    const scope = nock(origin, { reqheaders: { accept: /application\/rdap\+json/ } })
      .get(path)
      .reply(200, body as object, { 'content-type': 'application/rdap+json' });
    const { observation } = await client().lookup(path.split('/ip/')[1]!);
    expect(observation).toMatchObject({ outcome: 'ok', protocol: 'rdap', registry, country, abuseEmail, source: `${origin}${path}` });
    scope.done();
  });

  it('follows a redirect to the registry that holds the address', async () => {
    nock('https://rdap.db.ripe.net').get('/ip/12.0.0.1').reply(301, '', { location: 'https://rdap.arin.net/registry/ip/12.0.0.1' });
    nock('https://rdap.arin.net')
      .get('/registry/ip/12.0.0.1')
      .reply(200, arin as object);
    const lone = new RdapClient({
      // Sends every address to RIPE; redirects are checked against the real bootstrap.
      bootstrap: async () =>
        ({
          matchFor: () => ({ service: { registry: 'ripe', baseUrl: 'https://rdap.db.ripe.net/' }, prefix: { start: 0n, end: 2n ** 32n - 1n } }),
          allowsRedirectTo: (url: string) => bootstrap.allowsRedirectTo(url),
          source: 'test',
        }) as unknown as RdapBootstrap,
      timeoutMs: 2_000,
      clock: new ManualClock(),
      logger: silentLogger,
    });
    const { observation } = await lone.lookup('12.0.0.1');
    expect(observation).toMatchObject({ outcome: 'ok', registry: 'arin', source: 'https://rdap.arin.net/registry/ip/12.0.0.1', networkName: 'ATT' });
  });

  it('does not ask again for an address inside a cached network range', async () => {
    const scope = nock('https://rdap.db.ripe.net')
      .get('/ip/193.190.198.10')
      .once()
      .reply(200, ripe as object);
    const c = client();
    await c.lookup('193.190.198.10');
    // No interceptor is left: a second request would fail the lookup.
    const { observation } = await c.lookup('193.191.4.4');
    expect(observation).toMatchObject({ outcome: 'ok', networkName: 'BELNET-NET' });
    scope.done();
  });

  it('backs off a registry that answers 429 until Retry-After has passed', async () => {
    const clock = new ManualClock('2026-11-29T10:00:00Z');
    const c = client(clock);
    nock('https://rdap.db.ripe.net').get('/ip/193.190.198.10').reply(429, '<html>slow down</html>', { 'retry-after': '120', 'content-type': 'text/html' });
    expect((await c.lookup('193.190.198.10')).observation).toMatchObject({ outcome: 'rate_limited', registry: 'ripe' });

    // Another RIPE address while backing off: answered without a request.
    expect((await c.lookup('2.72.0.1')).observation).toMatchObject({ outcome: 'rate_limited', detail: expect.stringMatching(/back off/) });

    clock.advance(121_000);
    const scope = nock('https://rdap.db.ripe.net')
      .get('/ip/193.190.198.10')
      .reply(200, ripe as object);
    expect((await c.lookup('193.190.198.10')).observation.outcome).toBe('ok');
    scope.done();
  });

  it('turns a registry that does not answer in time into a timeout, not an exception', async () => {
    // The answer would come after the test's own timeout: only the client's timeout can end it.
    nock('https://rdap.db.ripe.net')
      .get('/ip/193.190.198.10')
      .delay(60_000)
      .reply(200, ripe as object);
    const { observation } = await client(undefined, 200).lookup('193.190.198.10');
    expect(observation).toMatchObject({ outcome: 'timeout', country: null, detail: expect.stringMatching(/registry unknown/) });
  });

  it('reports 404 as not_found and 503 as error', async () => {
    nock('https://rdap.db.ripe.net').get('/ip/193.190.198.10').reply(404, { errorCode: 404 });
    nock('https://rdap.arin.net').get('/registry/ip/12.0.0.1').reply(503, 'down');
    const c = client();
    expect((await c.lookup('193.190.198.10')).observation.outcome).toBe('not_found');
    expect((await c.lookup('12.0.0.1')).observation).toMatchObject({ outcome: 'error', detail: 'HTTP 503' });
  });

  it('says the registry is unavailable when the bootstrap cannot be loaded', async () => {
    const c = new RdapClient({ bootstrap: () => Promise.reject(new Error('no bootstrap')), timeoutMs: 1_000, clock: new ManualClock(), logger: silentLogger });
    expect((await c.lookup('193.190.198.10')).observation).toMatchObject({ outcome: 'unavailable', protocol: null });
  });
});
