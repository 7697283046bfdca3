import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCdnDetector, readCdnNetworks, readPublishedCdnData } from './cdn-detect.js';

describe('CDN detection from config/cdn-networks.json and the published lists in data/cdn/', async () => {
  const detector = await loadCdnDetector();

  it('recognises a CDN by origin ASN', () => {
    expect(detector.detect({ address: '23.45.67.89', asn: 20940, names: ['www.shop.example'] })).toEqual({
      provider: 'Akamai',
      matchedBy: 'asn',
      match: 'AS20940',
    });
  });

  it('recognises a published range when the ASN is not known yet', () => {
    expect(detector.detect({ address: '104.16.0.1', asn: null, names: ['a.example'] })).toEqual({
      provider: 'Cloudflare',
      matchedBy: 'range',
      match: '104.16.0.0/13',
    });
    expect(detector.detect({ address: '2606:4700::1', asn: null, names: [] })?.provider).toBe('Cloudflare');
  });

  it('knows every CloudFront prefix AWS publishes, so a CloudFront address without a CNAME is caught', async () => {
    const published = readPublishedCdnData(await readCdnNetworks(), null);
    const cloudfront = published.ranges.filter((r) => r.provider === 'Amazon CloudFront').flatMap((r) => r.cidrs);
    expect(new Set(cloudfront).size).toBeGreaterThanOrEqual(193 + 27);
    // 108.138.0.0/15 and 2400:7fc0:500::/40 were not in the hand-written list of 8.
    expect(detector.detect({ address: '108.138.10.1', asn: 16509, names: ['shop.example'] })).toMatchObject({
      provider: 'Amazon CloudFront',
      matchedBy: 'range',
    });
    expect(detector.detect({ address: '2400:7fc0:500::1', asn: null, names: [] })).toMatchObject({ provider: 'Amazon CloudFront' });
  });

  it('knows the Fastly prefixes the hand-written list missed', () => {
    expect(detector.detect({ address: '167.82.1.1', asn: null, names: [] })).toMatchObject({ provider: 'Fastly', matchedBy: 'range' });
    expect(detector.detect({ address: '140.248.70.1', asn: null, names: [] })).toMatchObject({ provider: 'Fastly', matchedBy: 'range' });
  });

  it('reads cdncheck: Gcore and CDNetworks ranges, Imperva WAF ranges and CNAME suffixes', () => {
    expect(detector.detect({ address: '93.123.17.194', asn: null, names: [] })).toMatchObject({ provider: 'Gcore', matchedBy: 'range' });
    expect(detector.detect({ address: '14.0.32.1', asn: null, names: [] })).toMatchObject({ provider: 'CDNetworks', matchedBy: 'range' });
    expect(detector.detect({ address: '199.83.129.1', asn: null, names: [] })).toMatchObject({ provider: 'Imperva', matchedBy: 'range' });
    expect(detector.detect({ address: '198.18.0.1', asn: null, names: ['x.example', 'abc.x.incapdns.net'] })).toMatchObject({
      provider: 'Imperva',
      matchedBy: 'cname',
    });
  });

  it('recognises a CNAME suffix on a label boundary only', () => {
    expect(detector.detect({ address: '198.18.0.1', asn: 64500, names: ['img.site.example', 'd111111abcdef8.cloudfront.net'] })).toEqual({
      provider: 'Amazon CloudFront',
      matchedBy: 'cname',
      match: 'cloudfront.net',
    });
    expect(detector.detect({ address: '198.18.0.1', asn: 64500, names: ['notcloudfront.net'] })).toBeNull();
  });

  it('does not treat shared cloud ASNs, S3/EC2 names or Google (AS15169) as edge networks', () => {
    expect(detector.detect({ address: '3.5.140.1', asn: 16509, names: ['vm.hosting.example'] })).toBeNull();
    expect(detector.detect({ address: '3.5.140.1', asn: 16509, names: ['bucket.s3.amazonaws.com'] })).toBeNull();
    expect(detector.detect({ address: '74.125.225.229', asn: 15169, names: ['ghs.googlehosted.com'] })).toBeNull();
    expect(detector.detect({ address: '34.0.0.1', asn: 396982, names: [] })).toBeNull();
  });

  it('records which published lists it read, with their dates', () => {
    const ids = detector.versions.map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining(['cloudflare-ipv4', 'fastly', 'aws-cloudfront', 'akamai-ipv4', 'cdncheck']));
    expect(detector.versions.find((v) => v.id === 'aws-cloudfront')).toMatchObject({ origin: 'bundled', date: '2025-07-24' });
  });

  it('prefers an updated copy that parses, and falls back to the bundled one when it does not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hrr-cdn-'));
    mkdirSync(join(dir, 'cdn'));
    writeFileSync(join(dir, 'cdn/fastly.json'), JSON.stringify({ addresses: ['203.0.113.0/24'], ipv6_addresses: [] }));
    writeFileSync(join(dir, 'cdn/cloudflare-ipv4.txt'), '<html>not a list</html>\n');
    const updated = await loadCdnDetector(undefined, dir);
    expect(updated.detect({ address: '203.0.113.9', asn: null, names: [] })).toMatchObject({ provider: 'Fastly' });
    expect(updated.versions.find((v) => v.id === 'fastly')?.origin).toBe('updated');
    // The broken Cloudflare download is ignored: the bundled list still serves.
    expect(updated.versions.find((v) => v.id === 'cloudflare-ipv4')?.origin).toBe('bundled');
    expect(updated.detect({ address: '104.16.0.1', asn: null, names: [] })).toMatchObject({ provider: 'Cloudflare' });
  });
});
