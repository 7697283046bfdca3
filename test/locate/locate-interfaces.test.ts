/**
 * `referral locate` and POST /v1/locate give the same evidence and decision as a handover
 * would get, from the real locator against local DNS and RDAP stand-ins; nothing is stored.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.js';
import { createConfiguredLocator } from '../../src/locate/configured-locator.js';
import type { Locator } from '../../src/locate/locator.js';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';
import { readRdapFixtures, startRdapStandin, type RdapStandin } from '../../scripts/sandbox/rdap-standin.js';
import { bearer, createTestService, type TestService } from '../support/test-service.js';
import { GEOIP_FIXTURES, RDAP_FIXTURES } from './support.js';

const run = promisify(execFile);
let dns: DnsStandin;
let rdap: RdapStandin;
let env: Record<string, string>;

beforeAll(async () => {
  dns = await startDnsStandin({
    'www.be-host.example': { a: ['193.190.198.10'] },
    'nl-host.example': { a: ['145.100.0.1'] },
    'gone.example': { behaviour: 'nxdomain' },
  });
  rdap = await startRdapStandin({ networks: readRdapFixtures(RDAP_FIXTURES) });
  env = {
    DNS_SERVERS: dns.server,
    GEOIP_COUNTRY_DB: join(GEOIP_FIXTURES, 'test-country.mmdb'),
    GEOIP_ASN_DB: join(GEOIP_FIXTURES, 'test-asn.mmdb'),
    RDAP_BOOTSTRAP_URL: rdap.bootstrapUrl,
    RDAP_LOCAL_TEST_MODE: 'true',
    RDAP_TIMEOUT_MS: '1000',
  };
});
afterAll(async () => {
  await Promise.all([dns.close(), rdap.close()]);
});

describe('referral locate', () => {
  it('prints evidence and decision as JSON for each URL', async () => {
    const { stdout } = await run('node', ['bin/referral.mjs', 'locate', '--json', 'https://www.be-host.example/a.jpg', 'https://gone.example/b'], {
      env: { ...process.env, ...env },
    });
    const rows = JSON.parse(stdout);
    expect(rows[0].evidence.addresses[0]).toMatchObject({
      address: '193.190.198.10',
      geo: { country: 'BE' },
      registry: { outcome: 'ok', protocol: 'rdap', country: 'BE' },
    });
    expect(rows[0].decision).toMatchObject({ destination: 'police', country: 'BE', rule: 'home-country' });
    expect(rows[1].decision).toMatchObject({ destination: null, reviewReasons: ['host_unresolvable'] });
  });

  it('works offline on the bundled data, with the registry marked unavailable', async () => {
    const { stdout } = await run('node', ['bin/referral.mjs', 'locate', '--json', 'http://193.190.198.10/x'], {
      env: { ...process.env, REGISTRY_LOOKUPS: 'false' },
    });
    const [row] = JSON.parse(stdout);
    expect(row.evidence.sources.geoipIsOfflineDefault).toBe(true);
    expect(row.evidence.addresses[0]).toMatchObject({ geo: { country: 'BE', asn: 2611 }, registry: { outcome: 'unavailable' } });
    expect(row.decision).toMatchObject({ destination: 'police' });
  });

  it('reads URLs from a file and prints a table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-locate-'));
    writeFileSync(join(dir, 'urls.txt'), '# one per line\nhttps://nl-host.example/1\nhttps://www.be-host.example/2\n');
    const { stdout } = await run('node', ['bin/referral.mjs', 'locate', '--file', join(dir, 'urls.txt')], { env: { ...process.env, ...env } });
    expect(stdout).toMatch(/nl-host\.example.*inhope → NL/);
    expect(stdout).toMatch(/www\.be-host\.example.*police/);
  });
});

describe('POST /v1/locate', () => {
  let svc: TestService;
  let locator: Locator;
  beforeAll(async () => {
    svc = await createTestService(env);
    locator = await createConfiguredLocator(svc.config, svc.clock, svc.ctx.logger);
  });
  afterAll(async () => {
    await locator.close();
    await svc.close();
  });

  it('answers evidence and decision and stores nothing', async () => {
    const app = createApp(svc.ctx, { locator });
    const res = await request(app).post('/v1/locate').set('Authorization', bearer('analyst')).send({ url: 'https://nl-host.example/x' });
    expect(res.status).toBe(200);
    expect(res.body.decision).toMatchObject({ destination: 'inhope', assignedCountry: 'NL' });
    expect(res.body.evidence.dns).toMatchObject({ outcome: 'ok', servers: [dns.server] });
    expect(await svc.ctx.store.listHandovers({ limit: 10 })).toEqual([]);
    expect((await svc.ctx.store.verifyAudit()).events).toBe(0);
  });

  it('refuses a URL it would not accept at intake', async () => {
    const app = createApp(svc.ctx, { locator });
    const res = await request(app).post('/v1/locate').set('Authorization', bearer('service')).send({ url: 'javascript:alert(1)' });
    expect(res.status).toBe(400);
  });

  it.each(['http://../', 'http://%E3%80%82./'])('answers 400, not 500, for the dot-only host %s', async (url) => {
    const app = createApp(svc.ctx, { locator });
    const res = await request(app).post('/v1/locate').set('Authorization', bearer('analyst')).send({ url });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it.each([
    ['a 64-character label', `http://${'a'.repeat(64)}.example/`],
    ['an empty label', 'http://a..b.example/'],
    ['more than 253 characters', `http://${Array.from({ length: 5 }, () => 'b'.repeat(60)).join('.')}.example/`],
  ])('sends a name the DNS refuses as malformed (%s) to review at once, without asking the DNS', async (_label, url) => {
    const app = createApp(svc.ctx, { locator });
    const before = dns.queries.length;
    const res = await request(app).post('/v1/locate').set('Authorization', bearer('analyst')).send({ url });
    expect(res.status).toBe(200);
    expect(res.body.evidence.dns).toMatchObject({ outcome: 'bad_name' });
    expect(res.body.decision).toMatchObject({ destination: null, reviewReasons: ['host_unresolvable'] });
    expect(dns.queries.length).toBe(before);
  });
});
