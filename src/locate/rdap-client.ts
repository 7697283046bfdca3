/**
 * RDAP lookups of IP networks (RFC 9082/9083): `GET {base}ip/{addr}` at the registry the
 * bootstrap names, following the redirects RIRs send for addresses they do not hold. Every
 * failure becomes an outcome instead of an exception, so a slow or rate-limiting registry
 * leaves the evidence with "registry unknown" and never holds up locating.
 */
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { Logger } from 'winston';
import type { Clock } from '../domain/clock.js';
import { RegistryQueryError } from '../domain/errors.js';
import { observationWithoutNetwork, type RegistryObservation, type RegistryOutcome } from '../domain/evidence.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { NetworkRangeCache } from './network-range-cache.js';
import { registryOfUrl, type RdapBootstrap, type RegistryService } from './rdap-bootstrap.js';
import { parseRdapNetwork } from './rdap-response.js';
import { addressToBigInt } from './registry-network.js';

export interface RdapClientOptions {
  /** Resolves to the bootstrap; rejected when it could not be loaded (lookups become 'unavailable'). */
  bootstrap: () => Promise<RdapBootstrap>;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
  /** Requests in flight per registry (LACNIC allows about ten a minute; be gentle). */
  perRegistryConcurrency?: number;
  maxRedirects?: number;
  cacheTtlMs?: number;
  /** Back-off after a 429 without a usable Retry-After. */
  defaultRetryAfterMs?: number;
  http?: AxiosInstance;
  /** Largest answer read (bytes); a larger one is an error, never parsed. */
  maxAnswerBytes?: number;
  /** RDAP base URL asked when the bootstrap has no entry for an address; null: give up. */
  fallbackBaseUrl?: string | null;
}

/** RDAP network answers are a few kB; 1 MiB leaves room and stops a 150 MB answer. */
const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;

/** An observation plus the registry the bootstrap chose (for the WHOIS fallback). */
export interface RdapLookup {
  observation: RegistryObservation;
  service: RegistryService | null;
}

function failure(outcome: RegistryOutcome, observedAt: string, detail: string, service: RegistryService | null, source: string | null): RegistryObservation {
  return observationWithoutNetwork(outcome, observedAt, detail, {
    protocol: outcome === 'not_found' ? 'rdap' : null,
    registry: service?.registry ?? null,
    source,
  });
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
function retryAfterMs(header: unknown, now: number): number | null {
  if (typeof header !== 'string' || header.trim() === '') return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class RdapClient {
  private readonly http: AxiosInstance;
  private readonly cache: NetworkRangeCache<RegistryObservation>;
  private readonly limits = new Map<string, ConcurrencyLimit>();
  private readonly backoffUntil = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<RdapLookup>>();

  constructor(private readonly options: RdapClientOptions) {
    this.http =
      options.http ??
      axios.create({
        timeout: options.timeoutMs,
        // Redirects are followed by hand (fetchFollowing), each one checked.
        maxRedirects: 0,
        maxContentLength: options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
        headers: { Accept: 'application/rdap+json, application/json;q=0.8' },
        // Every status is an answer to interpret, not an exception.
        validateStatus: () => true,
        responseType: 'json',
      });
    this.cache = new NetworkRangeCache(options.clock, options.cacheTtlMs ?? 24 * 3_600_000);
  }

  async lookup(address: string): Promise<RdapLookup> {
    const pending = this.inFlight.get(address);
    if (pending) return pending;
    const work = this.lookupUncached(address).finally(() => this.inFlight.delete(address));
    this.inFlight.set(address, work);
    return work;
  }

  private limitFor(registry: string): ConcurrencyLimit {
    let limit = this.limits.get(registry);
    if (!limit) {
      limit = new ConcurrencyLimit(this.options.perRegistryConcurrency ?? 2);
      this.limits.set(registry, limit);
    }
    return limit;
  }

  private async lookupUncached(address: string): Promise<RdapLookup> {
    const observedAt = this.options.clock.now().toISOString();
    const key = addressToBigInt(address);
    if (key === null) return { observation: failure('error', observedAt, 'not an IP address', null, null), service: null };
    const cached = this.cache.get(key);
    if (cached) return { observation: cached, service: null };

    let bootstrap: RdapBootstrap;
    try {
      bootstrap = await this.options.bootstrap();
    } catch {
      return { observation: failure('unavailable', observedAt, 'RDAP bootstrap unavailable', null, null), service: null };
    }
    const match = bootstrap.matchFor(address);
    let service = match?.service ?? null;
    let note: string | undefined;
    if (!service && this.options.fallbackBaseUrl) {
      // Not in the bootstrap (a block newer than the file): registries redirect queries for
      // addresses they do not hold, so one configured registry can still find the right one.
      const baseUrl = this.options.fallbackBaseUrl.endsWith('/') ? this.options.fallbackBaseUrl : `${this.options.fallbackBaseUrl}/`;
      service = { registry: registryOfUrl(baseUrl), baseUrl };
      note = 'no entry in the RDAP bootstrap: asked the fallback registry';
    }
    if (!service) return { observation: failure('unavailable', observedAt, 'no RDAP service for this address in the bootstrap', null, null), service: null };

    const until = this.backoffUntil.get(service.registry) ?? 0;
    if (until > this.options.clock.now().getTime()) {
      return { observation: failure('rate_limited', observedAt, 'registry asked us to back off (Retry-After)', service, null), service };
    }

    const url = `${service.baseUrl}ip/${address}`;
    const chosen = service;
    // The answer is cached only for a range within the prefix the bootstrap listed this registry
    // under; a fallback answer (no prefix) is not cached at all.
    const cacheWithin = match?.prefix ?? null;
    const observation = await this.limitFor(chosen.registry).run(() => this.query(url, chosen, observedAt, key, bootstrap, cacheWithin));
    return { observation: note && observation.outcome === 'ok' ? { ...observation, detail: note } : observation, service };
  }

  /** GET with redirects followed by hand: each hop must stay within the bootstrap's registries. */
  private async fetchFollowing(url: string, bootstrap: RdapBootstrap) {
    const maxRedirects = this.options.maxRedirects ?? 3;
    let current = url;
    for (let hop = 0; ; hop += 1) {
      const response = await this.http.get(current, {
        signal: AbortSignal.timeout(this.options.timeoutMs + 250),
        maxRedirects: 0,
        maxContentLength: this.options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
      });
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || typeof location !== 'string') return { response, finalUrl: current };
      if (hop >= maxRedirects) throw new RegistryQueryError('rdap_redirect_refused', 'too many redirects');
      const next = new URL(location, current).href;
      if (!bootstrap.allowsRedirectTo(next)) throw new RegistryQueryError('rdap_redirect_refused', 'redirect to a service the RDAP bootstrap does not name');
      current = next;
    }
  }

  private async query(
    url: string,
    service: RegistryService,
    observedAt: string,
    asked: bigint,
    bootstrap: RdapBootstrap,
    cacheWithin: { start: bigint; end: bigint } | null,
  ): Promise<RegistryObservation> {
    const log = this.options.logger;
    try {
      const { response, finalUrl } = await this.fetchFollowing(url, bootstrap);
      const answered = { ...service, registry: registryOfUrl(finalUrl) };
      if (response.status === 429) {
        const now = this.options.clock.now().getTime();
        const wait = retryAfterMs(response.headers['retry-after'], now) ?? this.options.defaultRetryAfterMs ?? 60_000;
        this.backoffUntil.set(service.registry, now + wait);
        log.warn('rdap registry rate limited us', { registry: service.registry, backoffMs: wait });
        return failure('rate_limited', observedAt, `HTTP 429, backing off ${Math.round(wait / 1000)} s`, answered, finalUrl);
      }
      if (response.status === 404) return failure('not_found', observedAt, 'HTTP 404', answered, finalUrl);
      if (response.status < 200 || response.status >= 300) return failure('error', observedAt, `HTTP ${response.status}`, answered, finalUrl);

      let body: unknown = response.data;
      if (typeof body === 'string') body = JSON.parse(body);
      const facts = parseRdapNetwork(body);
      // A range that does not hold the address asked about is not an answer about it: it is
      // neither cached (it would answer for unrelated addresses) nor recorded as the network.
      const holds = facts.bounds !== null && facts.bounds.start <= asked && asked <= facts.bounds.end;
      const observation: RegistryObservation = {
        outcome: 'ok',
        protocol: 'rdap',
        registry: answered.registry,
        source: finalUrl,
        handle: facts.handle,
        networkName: facts.networkName,
        range: holds ? facts.range : null,
        country: facts.country,
        abuseEmail: facts.abuseEmail,
        ...(facts.bounds !== null && !holds ? { detail: 'the registry named a range that does not hold this address' } : {}),
        observedAt,
      };
      // A registry claiming more than the prefix it holds (0.0.0.0 - 255.255.255.255) must not
      // answer for every address: such a range is recorded for this address only.
      const withinPrefix = facts.bounds !== null && cacheWithin !== null && cacheWithin.start <= facts.bounds.start && facts.bounds.end <= cacheWithin.end;
      if (holds && withinPrefix && facts.bounds) this.cache.set(facts.bounds.start, facts.bounds.end, observation);
      return observation;
    } catch (error) {
      if (isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || error.code === 'ERR_CANCELED')) {
        log.warn('rdap query timed out', { registry: service.registry });
        return failure('timeout', observedAt, 'RDAP query timed out: registry unknown', service, url);
      }
      if (error instanceof RegistryQueryError && error.code === 'rdap_redirect_refused') {
        log.warn('rdap redirect refused', { registry: service.registry });
        return failure('error', observedAt, `RDAP ${error.message}`, service, url);
      }
      const tooLarge = isAxiosError(error) && /maxContentLength/.test(error.message);
      const code = tooLarge
        ? 'answer too large'
        : isAxiosError(error)
          ? (error.code ?? 'HTTP')
          : error instanceof SyntaxError || error instanceof TypeError
            ? 'unparseable answer'
            : 'error';
      log.warn('rdap query failed', { registry: service.registry, code });
      return failure('error', observedAt, `RDAP query failed: ${code}`, service, url);
    }
  }
}
