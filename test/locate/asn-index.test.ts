import { describe, expect, it } from 'vitest';
import { ipv4ToNumber, loadAsnIndex, openAsnMmdb } from '../../src/locate/asn-index.js';
import { join } from 'node:path';
import { GEOIP_FIXTURES } from './support.js';

describe('ASN index over the bundled @ip-location-db/asn data', async () => {
  const index = await loadAsnIndex();

  it('loads every IPv4 and IPv6 range with deduplicated organisation names', () => {
    const size = index.size;
    expect(size.ipv4).toBe(411_961);
    expect(size.ipv6).toBe(103_197);
    expect(size.organisations).toBeLessThan(size.ipv4);
  });

  it.each([
    ['193.190.198.10', 2611, /BELNET/],
    ['104.16.0.1', 13335, /Cloudflare/],
    ['151.101.1.69', 54113, /Fastly/],
    ['23.45.67.89', 20940, /Akamai/],
    ['12.0.0.1', 7018, /AT&T/],
    ['2606:4700::1', 13335, /Cloudflare/],
  ])('%s → AS%i', (address, asn, organisation) => {
    const answer = index.lookup(address);
    expect(answer?.asn).toBe(asn);
    expect(answer?.organisation).toMatch(organisation);
  });

  it('answers null outside every range', () => {
    expect(index.lookup('10.0.0.1')).toBeNull();
    expect(index.lookup('fd00::1')).toBeNull();
  });

  it('parses dotted quads without allocating and rejects malformed ones', () => {
    expect(ipv4ToNumber('255.255.255.255')).toBe(4294967295);
    expect(ipv4ToNumber('1.2.3')).toBe(-1);
    expect(ipv4ToNumber('1.2.3.256')).toBe(-1);
    expect(ipv4ToNumber('::1')).toBe(-1);
  });
});

describe('ASN from a MaxMind-format file', () => {
  it('reads GeoLite2-ASN records', async () => {
    const asn = await openAsnMmdb(join(GEOIP_FIXTURES, 'test-asn.mmdb'));
    expect(asn.source).toBe('GeoLite2-ASN');
    expect(asn.lookup('193.190.198.10')).toEqual({ asn: 2611, organisation: 'BELNET' });
    expect(asn.lookup('2001:67c:2e8::1')).toEqual({ asn: 3333, organisation: 'RIPE-NCC-AS' });
    expect(asn.lookup('12.0.0.1')).toBeNull();
  });

  it('rejects a file that is not a database', async () => {
    await expect(openAsnMmdb(join(GEOIP_FIXTURES, 'missing.mmdb'))).rejects.toMatchObject({ code: 'asn_load_failed' });
  });
});
