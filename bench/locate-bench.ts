/**
 * Locating throughput with warm caches, beside raw `maxmind` lookups on the same addresses,
 * measured in the same run so the figures compare. DNS comes from the local stand-in (warm
 * after the first pass); registry lookups are off, as the registry answers are cached per
 * network range in production and would only measure the stand-in.
 */
import { performance } from 'node:perf_hooks';
import winston from 'winston';
import { systemClock } from '../src/domain/clock.js';
import { GeoipCountryDb } from '../src/locate/geoip-country.js';
import { loadAsnIndex } from '../src/locate/asn-index.js';
import { createLocator } from '../src/locate/locator.js';
import { startDnsStandin, type DnsZone } from '../scripts/sandbox/dns-standin.js';

const PUBLIC_ADDRESSES = [
  '193.190.198.10',
  '104.16.0.1',
  '151.101.1.69',
  '23.45.67.89',
  '12.0.0.1',
  '145.100.0.1',
  '2.72.0.1',
  '202.12.29.1',
  '200.160.0.1',
  '196.216.2.1',
];

export async function benchLocate(options: { hosts?: number; rounds?: number } = {}): Promise<{ name: string; value: number; unit: string }[]> {
  const hosts = options.hosts ?? 200;
  const rounds = options.rounds ?? 10;
  const zone: DnsZone = {};
  const names: string[] = [];
  for (let i = 0; i < hosts; i += 1) {
    const name = `site-${i}.bench.example`;
    zone[name] = { a: [PUBLIC_ADDRESSES[i % PUBLIC_ADDRESSES.length]!], ttl: 3600 };
    names.push(name);
  }
  // Measured alone, before the locator starts its own background load.
  const asnStarted = performance.now();
  await loadAsnIndex();
  const asnLoadMs = performance.now() - asnStarted;

  const dns = await startDnsStandin(zone);
  const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
  const locator = await createLocator({
    dnsServers: [dns.server],
    dnsTimeoutMs: 1_000,
    dnsTries: 1,
    geoipCountryDb: null,
    geoipAsnDb: null,
    rdapBootstrapUrl: null,
    rdapTimeoutMs: 1_000,
    registryEnabled: false,
    clock: systemClock,
    logger,
  });
  try {
    while (!locator.readiness().asnLoaded) await new Promise((r) => setTimeout(r, 20));

    // Warm pass: fills the DNS cache.
    for (const name of names) await locator.locate(`https://${name}/p`);
    const started = performance.now();
    for (let r = 0; r < rounds; r += 1) for (const name of names) await locator.locate(`https://${name}/p`);
    const locateSeconds = (performance.now() - started) / 1000;

    // IP-literal URLs: no DNS at all, so this is the locator's own cost per URL.
    const literals = PUBLIC_ADDRESSES.map((a) => `http://${a.includes(':') ? `[${a}]` : a}/p`);
    // Warm-up until the JIT has compiled the path, as it would be in a long-running service.
    for (let r = 0; r < 2_000; r += 1) for (const url of literals) await locator.locate(url);
    const literalRounds = 5_000;
    const literalStarted = performance.now();
    for (let r = 0; r < literalRounds; r += 1) for (const url of literals) await locator.locate(url);
    const literalPerSecond = (literalRounds * literals.length) / ((performance.now() - literalStarted) / 1000);

    const geo = await GeoipCountryDb.open(null);
    const lookups = 1_000_000;
    let hits = 0;
    const rawStarted = performance.now();
    for (let i = 0; i < lookups; i += 1) if (geo.rawGet(PUBLIC_ADDRESSES[i % PUBLIC_ADDRESSES.length]!)) hits += 1;
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    if (hits === 0) throw new Error('the GeoIP database answered nothing');

    const rawPerSecond = lookups / rawSeconds;
    return [
      { name: 'locate, warm caches (DNS stand-in, registry off)', value: Math.round((hosts * rounds) / locateSeconds), unit: 'URLs/s' },
      { name: 'locate, IP-literal URLs, warm caches (registry off)', value: Math.round(literalPerSecond), unit: 'URLs/s' },
      { name: 'maxmind raw country lookups, same addresses', value: Math.round(rawPerSecond), unit: 'lookups/s' },
      // Target at least 10 % (issue #10): the locator's own work per URL beside one raw lookup.
      {
        name: 'locate ratio: IP-literal locate URLs/s to raw maxmind lookups/s',
        value: Math.round((literalPerSecond / rawPerSecond) * 10_000) / 100,
        unit: '%',
      },
      { name: 'ASN CSV index load', value: Math.round(asnLoadMs), unit: 'ms' },
    ];
  } finally {
    await locator.close();
    await dns.close();
  }
}
