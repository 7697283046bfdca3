/**
 * Real RDAP answers from the five registries (test/locate/fixtures/rdap-samples/, from
 * secynic/ipwhois, BSD-2). For each, the country, network range and abuse contact are written
 * out by hand, as a person reads them in the answer, and the parser must read the same.
 */
import { readFileSync } from 'node:fs';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { loadBundledBootstrap, type RdapBootstrap } from '../../src/locate/rdap-bootstrap.js';
import { RdapClient } from '../../src/locate/rdap-client.js';
import { parseRdapNetwork } from '../../src/locate/rdap-response.js';
import { silentLogger } from './support.js';

type Samples = Record<string, { response: Record<string, unknown> }>;
const samples = JSON.parse(readFileSync(new URL('./fixtures/rdap-samples/ipwhois-rdap.json', import.meta.url), 'utf8')) as Samples;

function answerFor(address: string): Record<string, unknown> {
  const sample = samples[address];
  if (!sample) throw new Error(`no sample for ${address}`);
  return sample.response;
}

/** What a person reads in each answer. `range: null`: the answer names no network. */
const READINGS: { address: string; registry: string; country: string; range: string | null; abuseEmail: string | null; why: string }[] = [
  {
    address: '74.125.225.229',
    registry: 'ARIN',
    country: 'US',
    range: '74.125.0.0 - 74.125.255.255',
    abuseEmail: 'arin-contact@google.com',
    why: 'zero-padded "074.125.000.000"; country only in the registrant label "... UNITED STATES"',
  },
  {
    address: '2001:4860:4860::8888',
    registry: 'ARIN',
    country: 'US',
    range: '2001:4860:: - 2001:4860:ffff:ffff:ffff:ffff:ffff:ffff',
    abuseEmail: 'arin-contact@google.com',
    why: 'upper-case uncompressed IPv6; country only in the registrant label',
  },
  {
    address: '62.239.237.1',
    registry: 'RIPE',
    country: 'GB',
    range: '62.239.237.0 - 62.239.237.255',
    abuseEmail: 'zzdnsr@bt.com',
    why: 'old RIPE range "62.239.237.0/32 - 62.239.237.255/32"',
  },
  {
    address: '2a00:2381:ffff::1',
    registry: 'RIPE',
    country: 'GB',
    range: '2a00:2381:ffff:: - 2a00:2381:ffff:0:ffff:ffff:ffff:ffff',
    abuseEmail: 'zzdnsr@bt.com',
    why: 'old RIPE range with "/128" on both ends: the /64 of its handle',
  },
  {
    address: '2001:240:10c:1::ca20:9d1d',
    registry: 'APNIC',
    country: 'JP',
    range: '2001:240:: - 2001:240:ffff:ffff:ffff:ffff:ffff:ffff',
    abuseEmail: null,
    why: 'no entity has the abuse role (JPNIC technical contact only)',
  },
  {
    address: '210.107.73.73',
    registry: 'APNIC',
    country: 'KR',
    range: '210.107.0.0 - 210.107.127.255',
    abuseEmail: 'hostmaster@nic.or.kr',
    why: 'the abuse role is IRT-KRNIC-KR; labels hold the two characters \\n',
  },
  {
    address: '200.57.141.161',
    registry: 'LACNIC',
    country: 'MX',
    range: null,
    abuseEmail: 'operacion.redes@TRIARA.COM',
    why: 'old LACNIC answer: the "range" is the single address asked about',
  },
  {
    address: '2801:10:c000::',
    registry: 'LACNIC',
    country: 'CO',
    range: null,
    abuseEmail: 'sistemas.red@UCO.EDU.CO',
    why: 'old LACNIC answer: the "range" is the single address asked about',
  },
  {
    address: '2001:43f8:7b0::',
    registry: 'AFRINIC',
    country: 'KE',
    range: '2001:43f8:7b0:: - 2001:43f8:7b0:ffff:ffff:ffff:ffff:ffff',
    abuseEmail: null,
    why: 'AFRINIC entities carry no roles: no contact is marked abuse',
  },
  {
    address: '196.11.240.215',
    registry: 'AFRINIC',
    country: 'ZA',
    range: '196.11.239.0 - 196.11.246.255',
    abuseEmail: null,
    why: 'abuse address only in a free-text remark, not as a contact',
  },
];

describe('real registry answers read as a person reads them', () => {
  it('covers every sample', () => {
    expect(READINGS.map((r) => r.address).sort()).toEqual(Object.keys(samples).sort());
  });

  it.each(READINGS)('$registry $address: $country, $range, $abuseEmail ($why)', ({ address, country, range, abuseEmail }) => {
    const facts = parseRdapNetwork(answerFor(address));
    expect({ country: facts.country, range: facts.range, abuseEmail: facts.abuseEmail }).toEqual({ country, range, abuseEmail });
    // Only a real network is cacheable, and it holds the address asked about.
    if (range === null) expect(facts.bounds).toBeNull();
  });

  it('reads an address label whose line breaks are the two characters \\n', () => {
    const arin = structuredClone(answerFor('2001:4860:4860::8888')) as { entities: { vcardArray: [string, unknown[][]] }[] };
    for (const prop of arin.entities[0]!.vcardArray[1]) {
      if (prop[0] === 'adr') (prop[1] as { label: string }).label = '1600 Amphitheatre Parkway\\nMountain View\\nCA\\n94043\\nUNITED STATES';
    }
    expect(parseRdapNetwork(arin).country).toBe('US');
  });

  it('caps free text from a registry before it enters the evidence', () => {
    const long = { ...answerFor('62.239.237.1'), name: `BT-${'X'.repeat(5_000)}`, handle: 'H'.repeat(5_000) };
    const facts = parseRdapNetwork(long);
    expect(facts.networkName!.length).toBeLessThanOrEqual(200);
    expect(facts.handle!.length).toBeLessThanOrEqual(200);
  });
});

describe('the RDAP client on real answers', () => {
  let bootstrap: RdapBootstrap;
  beforeAll(async () => {
    bootstrap = await loadBundledBootstrap();
    nock.disableNetConnect();
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  const client = (options: Partial<ConstructorParameters<typeof RdapClient>[0]> = {}) =>
    new RdapClient({ bootstrap: async () => bootstrap, timeoutMs: 2_000, clock: new ManualClock('2026-11-29T10:00:00Z'), logger: silentLogger, ...options });

  it('caches a zero-padded ARIN range as 74.125.0.0/16 and never answers an APNIC address from it', async () => {
    const arin = nock('https://rdap.arin.net').get('/registry/ip/74.125.225.229').reply(200, answerFor('74.125.225.229'));
    const c = client();
    expect((await c.lookup('74.125.225.229')).observation).toMatchObject({
      outcome: 'ok',
      registry: 'arin',
      country: 'US',
      range: '74.125.0.0 - 74.125.255.255',
    });
    arin.done();

    // 74.125.1.1 is inside the cached range: answered without a request.
    expect((await c.lookup('74.125.1.1')).observation).toMatchObject({ networkName: 'GOOGLE', country: 'US' });

    // 60.125.0.1 (APNIC) is where the octal reading put Google: it must be asked about.
    const apnic = nock('https://rdap.apnic.net').get('/ip/60.125.0.1').reply(200, answerFor('210.107.73.73'));
    const { observation } = await c.lookup('60.125.0.1');
    apnic.done();
    expect(observation).toMatchObject({ registry: 'apnic', country: 'KR' });
    // That answer's range does not hold 60.125.0.1: not recorded as its network, not cached.
    expect(observation.range).toBeNull();
    const again = nock('https://rdap.apnic.net').get('/ip/210.107.1.1').reply(200, answerFor('210.107.73.73'));
    await c.lookup('210.107.1.1');
    again.done();
  });

  it('caches nothing from an answer whose range is the single address asked about', async () => {
    const first = nock('https://rdap.lacnic.net').get('/rdap/ip/200.57.141.161').times(2).reply(200, answerFor('200.57.141.161'));
    const c = client();
    expect((await c.lookup('200.57.141.161')).observation).toMatchObject({ outcome: 'ok', country: 'MX', range: null });
    // Asked again: nothing was cached, so the registry is asked again.
    expect((await c.lookup('200.57.141.161')).observation.outcome).toBe('ok');
    first.done();
  });

  it('asks the configured fallback registry for an address the bootstrap does not cover', async () => {
    const lone = new (await import('../../src/locate/rdap-bootstrap.js')).RdapBootstrap(
      [{ services: [[['62.0.0.0/8'], ['https://rdap.db.ripe.net/']]] }],
      'test',
    );
    nock('https://rdap.arin.net').get('/registry/ip/74.125.225.229').reply(200, answerFor('74.125.225.229'));
    const c = client({ bootstrap: async () => lone, fallbackBaseUrl: 'https://rdap.arin.net/registry/' });
    // ARIN is not in this bootstrap, yet it is the fallback: asked directly, answer kept.
    expect((await c.lookup('74.125.225.229')).observation).toMatchObject({ outcome: 'ok', country: 'US', detail: expect.stringMatching(/fallback/) });
  });

  it('the bundled IANA bootstrap covers 2410::/12 (APNIC)', () => {
    expect(bootstrap.serviceFor('2410::1')).toEqual({ registry: 'apnic', baseUrl: 'https://rdap.apnic.net/' });
    expect(bootstrap.source).toMatch(/2025-11-25/);
  });

  it.each([
    ['a loopback host', 'http://127.0.0.1:9/ip/62.239.237.1'],
    ['plain http to a real registry', 'http://rdap.arin.net/registry/ip/62.239.237.1'],
    ['an https host the bootstrap does not name', 'https://rdap.attacker.example/ip/62.239.237.1'],
  ])('refuses a redirect to %s', async (_label, location) => {
    nock('https://rdap.db.ripe.net').get('/ip/62.239.237.1').reply(302, '', { location });
    const { observation } = await client().lookup('62.239.237.1');
    expect(observation).toMatchObject({ outcome: 'error', country: null, detail: expect.stringMatching(/redirect/) });
  });

  it('follows a redirect to another registry the bootstrap names', async () => {
    nock('https://rdap.db.ripe.net').get('/ip/62.239.237.1').reply(301, '', { location: 'https://rdap.arin.net/registry/ip/62.239.237.1' });
    nock('https://rdap.arin.net').get('/registry/ip/62.239.237.1').reply(200, answerFor('62.239.237.1'));
    expect((await client().lookup('62.239.237.1')).observation).toMatchObject({ outcome: 'ok', registry: 'arin', country: 'GB' });
  });

  it('does not parse an answer larger than the cap', async () => {
    const huge = { ...answerFor('62.239.237.1'), remarks: [{ description: ['x'.repeat(64 * 1024)] }] };
    nock('https://rdap.db.ripe.net').get('/ip/62.239.237.1').reply(200, huge);
    const { observation } = await client({ maxAnswerBytes: 16 * 1024 }).lookup('62.239.237.1');
    expect(observation).toMatchObject({ outcome: 'error', detail: expect.stringMatching(/too large/) });
  });
});
