/**
 * The hosting-evidence pipeline for one URL: parse, resolve, then for every address the
 * range check, GeoIP country, ASN, CDN membership and registry (RDAP, WHOIS fallback).
 * Only DNS servers, local database files and registries are contacted: never the reported
 * host itself. Registry trouble never holds a locate up beyond its deadline; it is recorded
 * as "registry unknown" instead.
 */
import type { Logger } from 'winston';
import type { Clock } from '../domain/clock.js';
import { ConfigError, coerceError, errorKind } from '../domain/errors.js';
import {
  observationWithoutNetwork,
  type AddressEvidence,
  type CdnObservation,
  type HostingEvidence,
  type RegistryObservation,
  type RegistryOutcome,
} from '../domain/evidence.js';
import { checkAddress, type CheckedAddress } from './address-check.js';
import { loadAsnIndex, openAsnMmdb, type AsnLookup } from './asn-index.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { CdnDetector, loadCdnDetector } from './cdn-detect.js';
import { DnsResolver, type DnsResolution, type HostResolver } from './dns-resolver.js';
import { GeoipCountryDb } from './geoip-country.js';
import { parseReportedUrl } from './parse-reported-url.js';
import { dataFingerprint, loadDataSources } from './published-data.js';
import { fetchBootstrap, loadPublishedBootstrap, registryUrlAllowed, type RdapBootstrap } from './rdap-bootstrap.js';
import { RdapClient } from './rdap-client.js';
import { DEFAULT_WHOIS_SERVERS, WhoisClient, type WhoisServers } from './whois-client.js';

export interface LocatorOptions {
  /** `ip[:port]` DNS servers; null for the system's. */
  dnsServers: string[] | null;
  dnsTimeoutMs: number;
  dnsTries: number;
  /** Country .mmdb; null for the bundled DB-IP lite file (an offline default only). */
  geoipCountryDb: string | null;
  /** MaxMind ASN .mmdb; null for the bundled ip-location-db CSVs (loaded in the background). */
  geoipAsnDb: string | null;
  /** Base URL of the IANA bootstrap files; null for the bundled snapshot. */
  rdapBootstrapUrl: string | null;
  rdapTimeoutMs: number;
  /** False: offline, every registry outcome is 'unavailable'. */
  registryEnabled: boolean;
  /** Registry → WHOIS `host:port`; `{}` turns the WHOIS fallback off. Default: the five RIRs. */
  whoisServers?: WhoisServers;
  clock: Clock;
  logger: Logger;
  /** Where `referral data update` writes newer published data; null: the bundled copies only. */
  publishedDataDir?: string | null;
  /** RDAP base URL asked for an address the bootstrap does not cover (registries redirect); null: none. */
  rdapFallbackUrl?: string | null;
  /** Admit http and non-public registry URLs (local stand-ins); otherwise https on public hosts only. */
  registryLocalTestMode?: boolean;
  /** How often (clock ms) the published data files are checked for a newer copy. Default 60 s. */
  dataCheckIntervalMs?: number;
  /** Overrides for tests: another CDN list, data source list, other ASN CSVs. */
  cdnNetworksPath?: string;
  dataSourcesPath?: string;
  asnCsvPaths?: { ipv4: string; ipv6: string };
  /** Most addresses examined per host (round-robin DNS can return dozens). */
  maxAddresses?: number;
  /** Registry lookups in flight at once for one locate(). */
  registryParallelism?: number;
}

interface LocatorReadiness {
  geoipLoaded: boolean;
  asnLoaded: boolean;
  geoipIsOfflineDefault: boolean;
  geoipBuiltAt: string | null;
}

export interface Locator {
  locate(url: string): Promise<HostingEvidence>;
  readiness(): LocatorReadiness;
  /** Reopens the GeoIP country file if it changed on disk; true when a new one was loaded. */
  refreshGeoip(): Promise<boolean>;
  /**
   * Re-reads the published data (CDN lists, RDAP bootstrap) when a file in the published data
   * directory changed; true when something was reloaded. locate() also calls it, at most once
   * per dataCheckIntervalMs, so new files are picked up without a restart.
   */
  refreshData?(): Promise<boolean>;
  close(): Promise<void>;
}

/** Registry outcomes after which the WHOIS server of the same registry is asked instead. */
const WHOIS_FALLBACK_OUTCOMES: ReadonlySet<RegistryOutcome> = new Set(['timeout', 'error', 'rate_limited']);
/** When RDAP_BOOTSTRAP_URL cannot be read, the bundled snapshot is used and the URL retried after this. */
const BOOTSTRAP_RETRY_MS = 5 * 60_000;

function unavailable(observedAt: string, detail: string): RegistryObservation {
  return observationWithoutNetwork('unavailable', observedAt, detail);
}

function describeCdnVersions(detector: CdnDetector): string {
  return detector.versions.map((v) => `${v.id} ${v.date}${v.origin === 'updated' ? ' (updated)' : ''}`).join(', ');
}

export async function createLocator(options: LocatorOptions): Promise<Locator> {
  const { clock } = options;
  const logger = options.logger.child({ component: 'locator' });
  const geoip = await GeoipCountryDb.open(options.geoipCountryDb);
  const dataDir = options.publishedDataDir ?? null;
  let cdn: CdnDetector = await loadCdnDetector(options.cdnNetworksPath, dataDir, options.dataSourcesPath);
  let cdnListVersions = describeCdnVersions(cdn);
  const dataSources = loadDataSources(options.dataSourcesPath);
  let dataFingerprintSeen = dataFingerprint(dataSources, dataDir);
  let nextDataCheckAt = clock.now().getTime() + (options.dataCheckIntervalMs ?? 60_000);

  // ASN data: an .mmdb opens at once; the CSV index loads in the background and lookups
  // meanwhile carry asn null with the source marked 'loading'.
  let asn: AsnLookup | null = null;
  let asnSource = 'loading';
  if (options.geoipAsnDb) {
    asn = await openAsnMmdb(options.geoipAsnDb);
    asnSource = asn.source;
  } else {
    const started = Date.now();
    void loadAsnIndex(options.asnCsvPaths)
      .then((index) => {
        asn = index;
        asnSource = index.source;
        forgetFacts();
        logger.info('asn index loaded', { ms: Date.now() - started, ...index.size });
      })
      .catch((error: unknown) => {
        asnSource = 'unavailable';
        logger.error('asn index failed to load', { error: coerceError(error).message });
      });
  }

  const localTestMode = options.registryLocalTestMode ?? false;
  for (const [setting, value] of [
    ['RDAP_BOOTSTRAP_URL', options.rdapBootstrapUrl],
    ['RDAP_FALLBACK_URL', options.rdapFallbackUrl],
  ] as const) {
    if (value && !registryUrlAllowed(value, localTestMode)) {
      throw new ConfigError(setting, 'must be an https URL on a public host (RDAP_LOCAL_TEST_MODE=true admits local stand-ins, for tests only)');
    }
  }
  let bootstrapSource = options.rdapBootstrapUrl ?? 'iana-bootstrap';
  let bootstrapPromise: Promise<RdapBootstrap> | null = null;
  let bootstrapRetryAt = Infinity;
  const bootstrap = (): Promise<RdapBootstrap> => {
    if (bootstrapPromise && clock.now().getTime() < bootstrapRetryAt) return bootstrapPromise;
    bootstrapRetryAt = Infinity;
    bootstrapPromise = (async () => {
      if (options.rdapBootstrapUrl) {
        try {
          return await fetchBootstrap(options.rdapBootstrapUrl, options.rdapTimeoutMs, { localTestMode });
        } catch {
          logger.warn('rdap bootstrap url unreachable; using the bundled snapshot');
          bootstrapRetryAt = clock.now().getTime() + BOOTSTRAP_RETRY_MS;
        }
      }
      return loadPublishedBootstrap(dataDir, options.dataSourcesPath, { localTestMode });
    })().then((b) => {
      bootstrapSource = b.source;
      if (b.refusedBaseUrls.length) logger.warn('rdap bootstrap base urls refused: not https on a public host', { refused: b.refusedBaseUrls.length });
      return b;
    });
    return bootstrapPromise;
  };

  // The bundled or updated files are local: read them now, so every evidence names them.
  if (options.registryEnabled && !options.rdapBootstrapUrl) await bootstrap().catch(() => undefined);

  const dns: HostResolver = new DnsResolver({ servers: options.dnsServers, timeoutMs: options.dnsTimeoutMs, tries: options.dnsTries, clock });
  const rdap = new RdapClient({ bootstrap, timeoutMs: options.rdapTimeoutMs, clock, logger, fallbackBaseUrl: options.rdapFallbackUrl ?? null });

  /** Rebuilds what reads published data when a file in the data directory changed. */
  async function refreshData(): Promise<boolean> {
    nextDataCheckAt = clock.now().getTime() + (options.dataCheckIntervalMs ?? 60_000);
    const fingerprint = dataFingerprint(dataSources, dataDir);
    if (fingerprint === dataFingerprintSeen) return false;
    dataFingerprintSeen = fingerprint;
    try {
      cdn = await loadCdnDetector(options.cdnNetworksPath, dataDir, options.dataSourcesPath);
      cdnListVersions = describeCdnVersions(cdn);
      forgetFacts();
      // The next lookup reads the bootstrap again (the RDAP_BOOTSTRAP_URL one, or the new files).
      bootstrapPromise = null;
      logger.info('published data reloaded', { versions: cdn.versions.map((v) => `${v.id} ${v.date} ${v.origin}`) });
      return true;
    } catch (error) {
      logger.error('published data reload failed; keeping the previous data', { error: errorKind(error) });
      return false;
    }
  }
  const whois = new WhoisClient({ servers: options.whoisServers ?? DEFAULT_WHOIS_SERVERS, timeoutMs: options.rdapTimeoutMs, clock, logger });
  // Whatever happens inside, a registry answer is given up on after this long.
  const registryDeadlineMs = options.rdapTimeoutMs * 2 + 500;
  const maxAddresses = options.maxAddresses ?? 16;
  let closed = false;

  async function registryLookup(address: string): Promise<RegistryObservation> {
    const { observation, service } = await rdap.lookup(address);
    if (!service || !WHOIS_FALLBACK_OUTCOMES.has(observation.outcome)) return observation;
    const fallback = await whois.lookup(address, service.registry);
    return fallback.outcome === 'ok' || fallback.outcome === 'not_found'
      ? fallback
      : { ...observation, detail: `${observation.detail ?? observation.outcome}; WHOIS: ${fallback.detail ?? fallback.outcome}` };
  }

  function registryWithDeadline(address: string): Promise<RegistryObservation> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<RegistryObservation>((resolve) => {
      timer = setTimeout(
        () => resolve({ ...unavailable(clock.now().toISOString(), 'registry did not answer in time: registry unknown'), outcome: 'timeout' }),
        registryDeadlineMs,
      );
      timer.unref();
    });
    return Promise.race([registryLookup(address), deadline]).finally(() => clearTimeout(timer));
  }

  /**
   * What an address says by itself (GeoIP country and anycast, ASN, CDN by ASN or range),
   * cached per address: these change only when a data file does, and then the cache is
   * emptied. Warm locates of known addresses then cost a map lookup instead of three.
   */
  interface AddressFacts {
    geo: AddressEvidence['geo'];
    cdnByAddress: CdnObservation | null;
  }
  const factsCache = new Map<string, AddressFacts>();
  // checkAddress is pure: its answers are kept for any address seen, whatever data changes.
  const checkedCache = new Map<string, CheckedAddress | null>();
  const checkAddressCached = (text: string): CheckedAddress | null => {
    let checked = checkedCache.get(text);
    if (checked === undefined) {
      checked = checkAddress(text);
      if (checkedCache.size >= MAX_FACTS) checkedCache.clear();
      checkedCache.set(text, checked);
    }
    return checked;
  };
  const MAX_FACTS = 20_000;
  const forgetFacts = () => factsCache.clear();

  function addressFacts(address: string): AddressFacts {
    const cached = factsCache.get(address);
    if (cached) return cached;
    const asAnswer = asn?.lookup(address) ?? null;
    const answer = geoip.lookupCanonical(address);
    const geo = Object.freeze({
      country: answer.country,
      asn: asAnswer?.asn ?? null,
      asOrganisation: asAnswer?.organisation ?? null,
      source: geoip.source,
      databaseBuiltAt: geoip.builtAt,
      ...(answer.anycast ? { anycast: true } : {}),
    });
    const facts = { geo, cdnByAddress: cdn.detectAddress(address, geo.asn) };
    // While the ASN index loads, answers lack ASNs: not worth keeping.
    if (asn !== null) {
      if (factsCache.size >= MAX_FACTS) factsCache.clear();
      factsCache.set(address, facts);
    }
    return facts;
  }

  async function examine(checked: CheckedAddress, names: string[], limit: ConcurrencyLimit, observedAt: string): Promise<AddressEvidence> {
    const facts = addressFacts(checked.address);
    let registry: RegistryObservation;
    if (!options.registryEnabled) registry = unavailable(observedAt, 'registry lookups disabled (offline)');
    else if (!checked.publiclyRoutable) registry = unavailable(observedAt, `not publicly routable (${checked.range})`);
    else registry = await limit.run(() => registryWithDeadline(checked.address));
    return {
      address: checked.address,
      family: checked.family,
      range: checked.range,
      publiclyRoutable: checked.publiclyRoutable,
      geo: facts.geo,
      registry,
      cdn: checked.publiclyRoutable ? (facts.cdnByAddress ?? cdn.detectNames(names)) : null,
    };
  }

  async function locate(raw: string): Promise<HostingEvidence> {
    if (closed) throw new Error('locator is closed');
    const started = clock.now();
    if (started.getTime() >= nextDataCheckAt) await refreshData();
    const parsed = parseReportedUrl(raw);
    const dnsObservedAt = started.toISOString();
    let resolution: DnsResolution;
    let servers: string[] = [];
    if (parsed.hostKind === 'domain') {
      resolution = await dns.resolve(parsed.host);
      servers = dns.servers;
    } else if (parsed.hostKind === 'ipv4' || parsed.hostKind === 'ipv6') {
      resolution = {
        outcome: 'not_applicable',
        cnameChain: [],
        addresses: [{ address: parsed.host, family: parsed.hostKind === 'ipv4' ? 4 : 6, ttl: 0 }],
        detail: 'address literal',
      };
    } else {
      resolution = {
        outcome: 'not_applicable',
        cnameChain: [],
        addresses: [],
        detail: parsed.hostKind === 'onion' ? 'Tor onion service' : 'name not resolvable in the public DNS',
      };
    }

    const seen = new Set<string>();
    const checkedAddresses: CheckedAddress[] = [];
    for (const a of resolution.addresses) {
      const checked = checkAddressCached(a.address);
      if (!checked || seen.has(checked.address)) continue;
      seen.add(checked.address);
      checkedAddresses.push(checked);
      if (checkedAddresses.length >= maxAddresses) break;
    }
    // An address literal is no name: no CNAME suffix can match it.
    const names = parsed.hostKind === 'domain' ? [parsed.host, ...resolution.cnameChain] : [];
    const limit = new ConcurrencyLimit(options.registryParallelism ?? 4);
    // Only a DNS query takes time before this point.
    const examinedAt = parsed.hostKind === 'domain' ? clock.now().toISOString() : dnsObservedAt;
    const addresses = await Promise.all(checkedAddresses.map((c) => examine(c, names, limit, examinedAt)));

    return {
      url: parsed.url,
      host: parsed.host,
      hostKind: parsed.hostKind,
      dns: {
        outcome: resolution.outcome,
        cnameChain: resolution.cnameChain,
        servers,
        ...(resolution.detail !== undefined ? { detail: resolution.detail } : {}),
        observedAt: dnsObservedAt,
      },
      addresses,
      observedAt: clock.now().toISOString(),
      sources: {
        geoipCountry: geoip.source,
        geoipCountryBuiltAt: geoip.builtAt,
        geoipAsn: asnSource,
        geoipIsOfflineDefault: geoip.isOfflineDefault,
        rdapBootstrap: options.registryEnabled ? bootstrapSource : 'disabled',
        cdnLists: cdnListVersions,
      },
    };
  }

  return {
    locate,
    refreshData,
    readiness: () => ({ geoipLoaded: true, asnLoaded: asn !== null, geoipIsOfflineDefault: geoip.isOfflineDefault, geoipBuiltAt: geoip.builtAt }),
    async refreshGeoip() {
      try {
        const changed = await geoip.reloadIfChanged();
        if (changed) forgetFacts();
        if (changed) logger.info('geoip country database reloaded', { builtAt: geoip.builtAt });
        return changed;
      } catch (error) {
        logger.error('geoip country database reload failed; keeping the previous one', { error: coerceError(error).message });
        return false;
      }
    },
    async close() {
      closed = true;
      dns.close();
    },
  };
}
