import { describe, expect, it } from 'vitest';
import { loadCdnDetector } from './cdn-detect.js';

describe('CDN detection from config/cdn-networks.json', async () => {
  const detector = await loadCdnDetector();

  it('recognises a CDN by origin ASN', () => {
    expect(detector.detect({ address: '23.45.67.89', asn: 20940, names: ['www.shop.example'] })).toEqual({ provider: 'Akamai', matchedBy: 'asn', match: 'AS20940' });
  });

  it('recognises a published range when the ASN is not known yet', () => {
    expect(detector.detect({ address: '104.16.0.1', asn: null, names: ['a.example'] })).toEqual({ provider: 'Cloudflare', matchedBy: 'range', match: '104.16.0.0/13' });
    expect(detector.detect({ address: '2606:4700::1', asn: null, names: [] })?.provider).toBe('Cloudflare');
  });

  it('recognises a CNAME suffix on a label boundary only', () => {
    expect(detector.detect({ address: '198.18.0.1', asn: 64500, names: ['img.site.example', 'd111111abcdef8.cloudfront.net'] })).toEqual({ provider: 'Amazon CloudFront', matchedBy: 'cname', match: 'cloudfront.net' });
    expect(detector.detect({ address: '198.18.0.1', asn: 64500, names: ['notcloudfront.net'] })).toBeNull();
  });

  it('does not treat shared cloud ASNs as CDNs', () => {
    expect(detector.detect({ address: '3.5.140.1', asn: 16509, names: ['vm.hosting.example'] })).toBeNull();
  });
});
