/**
 * Resolving a reported host name: the CNAME chain, then A and AAAA with their TTLs, through
 * `node:dns/promises` Resolver (never `dns.lookup`, which reads /etc/hosts and the system's
 * search domains). Each failure kind stays distinct because the evidence records it, and
 * answers are cached for their TTL on the injected clock.
 */
import { Resolver } from 'node:dns/promises';
import type { Clock } from '../domain/clock.js';
import type { DnsOutcome } from '../domain/evidence.js';

interface ResolvedAddress {
  address: string;
  family: 4 | 6;
  ttl: number;
}

export interface DnsResolution {
  outcome: DnsOutcome;
  /** Every alias followed, in order, starting after the queried name. */
  cnameChain: string[];
  addresses: ResolvedAddress[];
  detail?: string;
}

export interface DnsResolverOptions {
  /** `ip[:port]` entries; null for the system's configured servers. */
  servers: string[] | null;
  timeoutMs: number;
  tries: number;
  clock: Clock;
  maxCnameHops?: number;
  maxCacheEntries?: number;
  /** How long NXDOMAIN and NODATA answers are kept (seconds); failures are never cached. */
  negativeTtlSeconds?: number;
  /** Ceiling on any TTL, so a huge TTL cannot pin a stale answer. */
  maxTtlSeconds?: number;
}

export interface HostResolver {
  resolve(host: string): Promise<DnsResolution>;
  /** What evidence records as the servers asked ('system' for the system resolver). */
  readonly servers: string[];
  close(): void;
}

interface CacheEntry {
  resolution: DnsResolution;
  expiresAt: number;
}

const ERROR_OUTCOMES = new Map<string, DnsOutcome>([
  ['ENOTFOUND', 'nxdomain'],
  ['ENODATA', 'nodata'],
  ['ESERVFAIL', 'servfail'],
  ['ETIMEOUT', 'timeout'],
  ['ECONNREFUSED', 'refused'],
  ['EREFUSED', 'refused'],
  // c-ares refuses a malformed name before asking anyone: asking again cannot help.
  ['EBADNAME', 'bad_name'],
]);

function outcomeOf(error: unknown): { outcome: DnsOutcome; code: string } {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : 'UNKNOWN';
  return { outcome: ERROR_OUTCOMES.get(code) ?? 'error', code };
}

/** Outcomes that say something stable about the name and may be cached. */
const CACHEABLE: ReadonlySet<DnsOutcome> = new Set(['ok', 'nxdomain', 'nodata', 'bad_name']);

/**
 * Why a host name can never resolve (RFC 1035 §2.3.4 limits), or null: an empty label
 * (`a..b.test`), a label over 63 octets, a name over 253. Checked before asking the DNS.
 */
function malformedNameProblem(name: string): string | null {
  if (name.length > 253) return 'name longer than 253 characters';
  const labels = name.split('.');
  if (labels.some((l) => l === '')) return 'empty label';
  if (labels.some((l) => l.length > 63)) return 'label longer than 63 characters';
  return null;
}

export class DnsResolver implements HostResolver {
  readonly servers: string[];
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<DnsResolution>>();
  private readonly maxHops: number;
  private readonly maxEntries: number;
  private readonly negativeTtl: number;
  private readonly maxTtl: number;

  constructor(private readonly options: DnsResolverOptions) {
    this.resolver = new Resolver({ timeout: options.timeoutMs, tries: options.tries });
    if (options.servers && options.servers.length > 0) {
      this.resolver.setServers(options.servers);
      this.servers = [...options.servers];
    } else {
      this.servers = ['system'];
    }
    this.maxHops = options.maxCnameHops ?? 8;
    this.maxEntries = options.maxCacheEntries ?? 10_000;
    this.negativeTtl = options.negativeTtlSeconds ?? 60;
    this.maxTtl = options.maxTtlSeconds ?? 6 * 3600;
  }

  async resolve(host: string): Promise<DnsResolution> {
    const name = host.toLowerCase();
    const now = this.options.clock.now().getTime();
    const cached = this.cache.get(name);
    if (cached && cached.expiresAt > now) return cached.resolution;
    if (cached) this.cache.delete(name);

    const pending = this.inFlight.get(name);
    if (pending) return pending;
    const work = this.resolveUncached(name).finally(() => this.inFlight.delete(name));
    this.inFlight.set(name, work);
    const resolution = await work;
    this.remember(name, resolution);
    return resolution;
  }

  /** Number of cached names (for tests and metrics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  close(): void {
    this.resolver.cancel();
    this.cache.clear();
  }

  private remember(name: string, resolution: DnsResolution): void {
    if (!CACHEABLE.has(resolution.outcome)) return;
    const ttl =
      resolution.outcome === 'ok' && resolution.addresses.length > 0 ? Math.min(this.maxTtl, ...resolution.addresses.map((a) => a.ttl)) : this.negativeTtl;
    if (ttl <= 0) return;
    // Map keeps insertion order: evicting the first key drops the oldest entry.
    while (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    this.cache.set(name, { resolution, expiresAt: this.options.clock.now().getTime() + ttl * 1000 });
  }

  private async resolveUncached(name: string): Promise<DnsResolution> {
    const malformed = malformedNameProblem(name);
    if (malformed) return { outcome: 'bad_name', cnameChain: [], addresses: [], detail: `EBADNAME: ${malformed}` };
    const cnameChain: string[] = [];
    let current = name;
    // resolve4/resolve6 follow aliases by themselves, but the chain is evidence (a CDN shows
    // itself in a CNAME suffix), so walk it explicitly, one hop per query.
    // Like a malformed name, a loop or a chain past maxHops aliases is the name's own doing:
    // asking again does not help, so it goes to a person at once (bad_name), not retried for a day.
    for (;;) {
      let targets: string[];
      try {
        targets = await this.resolver.resolveCname(current);
      } catch (error) {
        const { outcome, code } = outcomeOf(error);
        if (outcome === 'nodata') break; // not an alias: the name holds the records itself
        return { outcome, cnameChain, addresses: [], detail: cnameChain.length > 0 ? `${code} at CNAME hop ${cnameChain.length}` : code };
      }
      const target = targets[0]?.toLowerCase().replace(/\.$/, '');
      if (!target) break;
      if (target === name || cnameChain.includes(target)) {
        return { outcome: 'bad_name', cnameChain, addresses: [], detail: 'CNAME loop' };
      }
      cnameChain.push(target);
      if (cnameChain.length > this.maxHops) return { outcome: 'bad_name', cnameChain, addresses: [], detail: `CNAME chain longer than ${this.maxHops} hops` };
      current = target;
    }

    const [v4, v6] = await Promise.allSettled([this.resolver.resolve4(current, { ttl: true }), this.resolver.resolve6(current, { ttl: true })]);
    const addresses: ResolvedAddress[] = [];
    if (v4.status === 'fulfilled') for (const r of v4.value) addresses.push({ address: r.address, family: 4, ttl: r.ttl });
    if (v6.status === 'fulfilled') for (const r of v6.value) addresses.push({ address: r.address, family: 6, ttl: r.ttl });
    if (addresses.length > 0) return { outcome: 'ok', cnameChain, addresses };

    const failures = [v4, v6].map((r) => (r.status === 'rejected' ? outcomeOf(r.reason) : { outcome: 'nodata' as DnsOutcome, code: 'ENODATA' }));
    // The most telling failure wins: a name that does not exist, then a server problem,
    // then "exists but has no address".
    const order: DnsOutcome[] = ['bad_name', 'nxdomain', 'servfail', 'refused', 'timeout', 'error', 'nodata'];
    const worst = failures.sort((a, b) => order.indexOf(a.outcome) - order.indexOf(b.outcome))[0]!;
    return { outcome: worst.outcome, cnameChain, addresses: [], detail: failures.map((f) => f.code).join('/') };
  }
}
