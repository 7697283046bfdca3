import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/domain/clock.js';
import { DnsResolver } from '../../src/locate/dns-resolver.js';
import type { HostingEvidence } from '../../src/domain/evidence.js';
import { isTransientFailure } from '../../src/services/locate-and-route.js';
import { startDnsStandin, type DnsStandin } from '../../scripts/sandbox/dns-standin.js';

let dns: DnsStandin;

beforeAll(async () => {
  dns = await startDnsStandin({
    'www.shop.example': { cname: 'shop.cdn-edge.example', ttl: 600 },
    'shop.cdn-edge.example': { cname: 'edge-7.cdn-edge.example', ttl: 600 },
    'edge-7.cdn-edge.example': { a: ['104.16.0.1', '104.16.0.2'], aaaa: ['2606:4700::1'], ttl: 120 },
    'v6only.hosting.example': { aaaa: ['2001:67c:2e8::1'], ttl: 300 },
    'mail-only.hosting.example': {},
    'gone.hosting.example': { behaviour: 'nxdomain' },
    'broken.hosting.example': { behaviour: 'servfail' },
    'silent.hosting.example': { behaviour: 'timeout' },
    'closed.hosting.example': { behaviour: 'refused' },
    'dangling.hosting.example': { cname: 'nowhere.hosting.example' },
    'loop-a.hosting.example': { cname: 'loop-b.hosting.example' },
    'loop-b.hosting.example': { cname: 'loop-a.hosting.example' },
    'short.hosting.example': { a: ['193.190.198.10'], ttl: 30 },
    // hop-0 → hop-1 → … → hop-9: nine aliases, one more than the resolver follows.
    ...Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`hop-${i}.hosting.example`, { cname: `hop-${i + 1}.hosting.example` }])),
    'hop-9.hosting.example': { a: ['193.190.198.11'] },
  });
});
afterAll(async () => {
  await dns.close();
});

function resolver(clock = new ManualClock()) {
  return new DnsResolver({ servers: [dns.server], timeoutMs: 300, tries: 1, clock });
}

describe('DnsResolver against the local DNS stand-in', () => {
  it('follows a CNAME chain and returns A and AAAA with TTLs', async () => {
    const r = await resolver().resolve('www.shop.example');
    expect(r.outcome).toBe('ok');
    expect(r.cnameChain).toEqual(['shop.cdn-edge.example', 'edge-7.cdn-edge.example']);
    expect(r.addresses).toEqual([
      { address: '104.16.0.1', family: 4, ttl: 120 },
      { address: '104.16.0.2', family: 4, ttl: 120 },
      { address: '2606:4700::1', family: 6, ttl: 120 },
    ]);
  });

  it('resolves an IPv6-only host', async () => {
    const r = await resolver().resolve('v6only.hosting.example');
    expect(r).toMatchObject({ outcome: 'ok', cnameChain: [], addresses: [{ address: '2001:67c:2e8::1', family: 6, ttl: 300 }] });
  });

  it('keeps NXDOMAIN, NODATA, SERVFAIL, REFUSED and timeout apart', async () => {
    const res = resolver();
    expect((await res.resolve('gone.hosting.example')).outcome).toBe('nxdomain');
    expect((await res.resolve('not-in-zone.hosting.example')).outcome).toBe('nxdomain');
    expect((await res.resolve('mail-only.hosting.example')).outcome).toBe('nodata');
    expect((await res.resolve('broken.hosting.example')).outcome).toBe('servfail');
    expect((await res.resolve('closed.hosting.example')).outcome).toBe('refused');
    expect((await res.resolve('silent.hosting.example')).outcome).toBe('timeout');
  });

  it('reports a dangling alias as NXDOMAIN with the chain so far, and a loop or a chain past 8 hops as a bad name (final, not retried)', async () => {
    const res = resolver();
    expect(await res.resolve('dangling.hosting.example')).toMatchObject({ outcome: 'nxdomain', cnameChain: ['nowhere.hosting.example'] });
    const loop = await res.resolve('loop-a.hosting.example');
    expect(loop).toMatchObject({ outcome: 'bad_name', detail: 'CNAME loop' });
    const long = await res.resolve('hop-0.hosting.example');
    expect(long).toMatchObject({ outcome: 'bad_name', detail: 'CNAME chain longer than 8 hops' });
    expect(long.cnameChain).toHaveLength(9);
    expect(await res.resolve('hop-1.hosting.example')).toMatchObject({ outcome: 'ok', addresses: [{ address: '193.190.198.11' }] });
    for (const outcome of [loop, long]) {
      expect(isTransientFailure({ hostKind: 'domain', dns: { outcome: outcome.outcome } } as HostingEvidence)).toBe(false);
    }
  });

  it('answers from the cache until the TTL runs out on the injected clock', async () => {
    const clock = new ManualClock();
    const res = resolver(clock);
    await res.resolve('short.hosting.example');
    const asked = dns.queries.filter((q) => q.endsWith('short.hosting.example')).length;

    dns.zone['short.hosting.example'] = { a: ['145.100.0.1'], ttl: 30 };
    clock.advance(29_000);
    expect((await res.resolve('short.hosting.example')).addresses[0]?.address).toBe('193.190.198.10');
    expect(dns.queries.filter((q) => q.endsWith('short.hosting.example')).length).toBe(asked);

    clock.advance(2_000);
    expect((await res.resolve('short.hosting.example')).addresses[0]?.address).toBe('145.100.0.1');
  });

  it('does not cache a failure', async () => {
    const res = resolver();
    dns.zone['flaky.hosting.example'] = { behaviour: 'servfail' };
    expect((await res.resolve('flaky.hosting.example')).outcome).toBe('servfail');
    dns.zone['flaky.hosting.example'] = { a: ['12.0.0.1'] };
    expect((await res.resolve('flaky.hosting.example')).outcome).toBe('ok');
  });

  it('keeps the cache bounded', async () => {
    const res = new DnsResolver({ servers: [dns.server], timeoutMs: 300, tries: 1, clock: new ManualClock(), maxCacheEntries: 2 });
    for (const name of ['short.hosting.example', 'v6only.hosting.example', 'edge-7.cdn-edge.example']) await res.resolve(name);
    expect(res.cacheSize).toBe(2);
  });
});
