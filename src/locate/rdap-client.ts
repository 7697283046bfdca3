/**
 * RDAP lookups of IP networks (RFC 9082/9083): `GET {base}ip/{addr}` at the registry the
 * bootstrap names, following the redirects RIRs send for addresses they do not hold. Every
 * failure becomes an outcome instead of an exception, so a slow or rate-limiting registry
 * leaves the evidence with "registry unknown" and never holds up locating.
 */
import axios, { type AxiosInstance, isAxiosError } from 'axios';
import type { Logger } from 'winston';
import type { Clock } from '../domain/clock.js';
import type { RegistryObservation, RegistryOutcome } from '../domain/evidence.js';
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
}

/** An observation plus the registry the bootstrap chose (for the WHOIS fallback). */
export interface RdapLookup {
  observation: RegistryObservation;
  service: RegistryService | null;
}

function failure(outcome: RegistryOutcome, observedAt: string, detail: string, service: RegistryService | null, source: string | null): RegistryObservation {
  return {
    outcome,
    protocol: outcome === 'not-found' ? 'rdap' : null,
    registry: service?.registry ?? null,
    source,
    handle: null,
    networkName: null,
    range: null,
    country: null,
    abuseEmail: null,
    detail,
    observedAt,
  };
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function retryAfterMs(header: unknown, now: number): number | null {
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
        maxRedirects: options.maxRedirects ?? 3,
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
    const service = bootstrap.serviceFor(address);
    if (!service) return { observation: failure('unavailable', observedAt, 'no RDAP service for this address in the bootstrap', null, null), service: null };

    const until = this.backoffUntil.get(service.registry) ?? 0;
    if (until > this.options.clock.now().getTime()) {
      return { observation: failure('rate-limited', observedAt, 'registry asked us to back off (Retry-After)', service, null), service };
    }

    const url = `${service.baseUrl}ip/${address}`;
    const observation = await this.limitFor(service.registry).run(() => this.query(url, service, observedAt));
    return { observation, service };
  }

  private async query(url: string, service: RegistryService, observedAt: string): Promise<RegistryObservation> {
    const log = this.options.logger;
    try {
      const response = await this.http.get(url, { signal: AbortSignal.timeout(this.options.timeoutMs + 250) });
      const finalUrl: string = response.request?.res?.responseUrl ?? url;
      const answered = { ...service, registry: registryOfUrl(finalUrl) };
      if (response.status === 429) {
        const now = this.options.clock.now().getTime();
        const wait = retryAfterMs(response.headers['retry-after'], now) ?? this.options.defaultRetryAfterMs ?? 60_000;
        this.backoffUntil.set(service.registry, now + wait);
        log.warn('rdap registry rate limited us', { registry: service.registry, backoffMs: wait });
        return failure('rate-limited', observedAt, `HTTP 429, backing off ${Math.round(wait / 1000)} s`, answered, finalUrl);
      }
      if (response.status === 404) return failure('not-found', observedAt, 'HTTP 404', answered, finalUrl);
      if (response.status < 200 || response.status >= 300) return failure('error', observedAt, `HTTP ${response.status}`, answered, finalUrl);

      let body: unknown = response.data;
      if (typeof body === 'string') body = JSON.parse(body);
      const facts = parseRdapNetwork(body);
      const observation: RegistryObservation = {
        outcome: 'ok',
        protocol: 'rdap',
        registry: answered.registry,
        source: finalUrl,
        handle: facts.handle,
        networkName: facts.networkName,
        range: facts.range,
        country: facts.country,
        abuseEmail: facts.abuseEmail,
        observedAt,
      };
      if (facts.bounds) this.cache.set(facts.bounds.start, facts.bounds.end, observation);
      return observation;
    } catch (error) {
      if (isAxiosError(error) && (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT' || error.code === 'ERR_CANCELED')) {
        log.warn('rdap query timed out', { registry: service.registry });
        return failure('timeout', observedAt, 'RDAP query timed out: registry unknown', service, url);
      }
      const code = isAxiosError(error) ? (error.code ?? 'HTTP') : error instanceof SyntaxError || error instanceof TypeError ? 'unparseable answer' : 'error';
      log.warn('rdap query failed', { registry: service.registry, code });
      return failure('error', observedAt, `RDAP query failed: ${code}`, service, url);
    }
  }
}
