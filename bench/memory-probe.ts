/**
 * The memory benchmark's child process (run with --expose-gc by memory-bench.ts), so the
 * figures are of a fresh process: resident size of a service context and app on a SQLite store
 * holding many handovers; heap cost per entry of the ASN index and of the locator's DNS and
 * RDAP caches, filled through the real locator from the DNS and RDAP stand-ins. Also how long
 * a warm locate takes with the RDAP cache nearly empty and full (it is scanned per lookup).
 */
import { performance } from 'node:perf_hooks';
import winston from 'winston';
import { startDnsStandin, type DnsZone } from '../scripts/sandbox/dns-standin.js';
import { startRdapStandin } from '../scripts/sandbox/rdap-standin.js';
import { systemClock } from '../src/domain/clock.js';
import { createApp } from '../src/http/app.js';
import { loadAsnIndex } from '../src/locate/asn-index.js';
import { createLocator } from '../src/locate/locator.js';
import { benchConfig, benchContext, openBenchStore } from './bench-support.js';
import { serveWorker } from './worker-processes.js';

export interface MemoryTask {
  sqliteFile: string;
  handovers: number;
  dnsNames: number;
  rdapNetworks: number;
}

export interface MemoryReport {
  baselineRssMb: number;
  contextRssMb: number;
  /** After the locator loaded its own ASN index and the caches were filled. */
  fullRssMb: number;
  asnEntries: number;
  asnBytesPerEntry: number;
  asnTotalMb: number;
  dnsBytesPerEntry: number;
  rdapBytesPerEntry: number;
  warmLocateUsSmallCache: number;
  warmLocateUsFullCache: number;
}

const gc = (): void => {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (!collect) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i += 1) collect();
};
/** What the process holds on the JS heap and outside it (typed arrays live outside). */
const held = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};
const MB = 2 ** 20;

/** RIPE-style network objects, one /24 each in 193.0.0.0/8 (RIPE space in the bootstrap). */
function ripeNetwork(i: number): { address: string; body: unknown } {
  const prefix = `193.${1 + (i >> 8)}.${i & 255}`;
  return {
    address: `${prefix}.10`,
    body: {
      objectClassName: 'ip network',
      handle: `${prefix}.0 - ${prefix}.255`,
      startAddress: `${prefix}.0`,
      endAddress: `${prefix}.255`,
      ipVersion: 'v4',
      name: `BENCH-NET-${i}`,
      country: 'BE',
      entities: [
        {
          objectClassName: 'entity',
          handle: `ABUSE-${i}`,
          roles: ['abuse'],
          vcardArray: [
            'vcard',
            [
              ['version', {}, 'text', '4.0'],
              ['email', {}, 'text', `abuse-${i}@network.example`],
            ],
          ],
        },
      ],
    },
  };
}

async function timePerLocate(locate: (url: string) => Promise<unknown>, urls: string[], rounds: number): Promise<number> {
  const started = performance.now();
  for (let r = 0; r < rounds; r += 1) for (const url of urls) await locate(url);
  return ((performance.now() - started) * 1000) / (urls.length * rounds);
}

serveWorker<MemoryTask, MemoryReport>(async (task) => ({
  async run() {
    gc();
    const baselineRss = process.memoryUsage().rss;

    const config = benchConfig({ kind: 'sqlite', file: task.sqliteFile });
    const ctx = await benchContext(config, openBenchStore({ kind: 'sqlite', file: task.sqliteFile }));
    await ctx.store.migrate();
    createApp(ctx);
    const counted = (await ctx.store.countByStateAndDestination()).reduce((sum, c) => sum + c.count, 0);
    if (counted < task.handovers) throw new Error(`the store holds ${counted} handovers, not ${task.handovers}`);
    await ctx.store.listHandovers({ limit: 50 });
    gc();
    const contextRss = process.memoryUsage().rss;

    const beforeAsn = held();
    const asn = await loadAsnIndex();
    const afterAsn = held();
    const asnEntries = asn.size.ipv4 + asn.size.ipv6;

    // The locator, with the registry answered by the RDAP stand-in.
    const networks = Array.from({ length: task.rdapNetworks }, (_, i) => ripeNetwork(i));
    const zone: DnsZone = {};
    const dnsUrls: string[] = [];
    for (let i = 0; i < task.dnsNames; i += 1) {
      zone[`d-${i}.memory.example`] = { a: [networks[0]!.address], ttl: 3600 };
      dnsUrls.push(`https://d-${i}.memory.example/p`);
    }
    const rdapUrls: string[] = [];
    networks.forEach((n, i) => {
      zone[`r-${i}.memory.example`] = { a: [n.address], ttl: 3600 };
      rdapUrls.push(`https://r-${i}.memory.example/p`);
    });
    const dns = await startDnsStandin(zone);
    const rdap = await startRdapStandin({ networks: networks.map((n) => n.body) });
    const logger = winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
    const locator = await createLocator({
      dnsServers: [dns.server],
      dnsTimeoutMs: 2_000,
      dnsTries: 1,
      geoipCountryDb: null,
      geoipAsnDb: null,
      rdapBootstrapUrl: rdap.bootstrapUrl,
      registryLocalTestMode: true,
      rdapTimeoutMs: 2_000,
      registryEnabled: true,
      whoisServers: {},
      clock: systemClock,
      logger,
    });
    try {
      while (!locator.readiness().asnLoaded) await new Promise((r) => setTimeout(r, 20));
      // One locate first, so the bootstrap and the one network of the DNS phase are cached.
      await locator.locate(dnsUrls[0]!);
      const beforeDns = held();
      for (const url of dnsUrls) await locator.locate(url);
      const afterDns = held();
      const dnsPerEntry = (afterDns - beforeDns) / (dnsUrls.length - 1);
      const warmSmall = await timePerLocate(locator.locate, dnsUrls.slice(0, 500), 4);

      const beforeRdap = held();
      for (const url of rdapUrls) await locator.locate(url);
      const afterRdap = held();
      // Each of these names also took a DNS cache entry.
      const rdapPerEntry = (afterRdap - beforeRdap) / rdapUrls.length - dnsPerEntry;
      const warmFull = await timePerLocate(locator.locate, rdapUrls.slice(0, 500), 4);
      gc();
      const fullRss = process.memoryUsage().rss;
      return {
        baselineRssMb: baselineRss / MB,
        contextRssMb: contextRss / MB,
        fullRssMb: fullRss / MB,
        asnEntries,
        asnBytesPerEntry: (afterAsn - beforeAsn) / asnEntries,
        asnTotalMb: (afterAsn - beforeAsn) / MB,
        dnsBytesPerEntry: dnsPerEntry,
        rdapBytesPerEntry: rdapPerEntry,
        warmLocateUsSmallCache: warmSmall,
        warmLocateUsFullCache: warmFull,
      };
    } finally {
      await locator.close();
      await Promise.all([dns.close(), rdap.close()]);
      await ctx.store.close();
      void asn;
    }
  },
  async close() {},
}));
