import { describe, expect, it } from 'vitest';
import { hostKeyRange, hostSearchKey, hostSearchKeyOfInput, urlHostSearchKey } from './host-search-key.js';

describe('host search keys', () => {
  it('reverses the labels of a name, so a domain prefixes every name under it', () => {
    expect(urlHostSearchKey('https://Img.Host.example./a?b')).toBe('example.host.img.');
    expect(hostSearchKey('host.example')).toBe('example.host.');
    const { from, to } = hostKeyRange('example.host.');
    const inside = (k: string) => k >= from && k < to;
    expect(['example.host.', 'example.host.img.', 'example.host.a.b.'].every(inside)).toBe(true);
    expect(['example.hostile.', 'example.host-x.', 'example.hos.', 'example.'].some(inside)).toBe(false);
  });

  it('keeps addresses in their order: the first octets find a network', () => {
    expect(urlHostSearchKey('http://192.0.2.10/x')).toBe('192.0.2.10.');
    expect(hostSearchKeyOfInput('192.0.2')).toBe('192.0.2.');
    expect(urlHostSearchKey('http://[2001:db8::1]:8080/')).toBe('[2001:db8::1].');
  });

  it('reads what a person types: Unicode, a URL, a defanged URL; not a single word', () => {
    expect(hostSearchKeyOfInput('bücher.example')).toBe('example.xn--bcher-kva.');
    expect(hostSearchKeyOfInput('hxxps[://]images[.]be-host[.]test/gallery/1.jpg')).toBe('test.be-host.images.');
    expect(hostSearchKeyOfInput('https://CDN-site.test:8443/x')).toBe('test.cdn-site.');
    expect(hostSearchKeyOfInput('CF-2026-0042')).toBeNull();
    expect(hostSearchKeyOfInput('two words')).toBeNull();
    expect(hostSearchKeyOfInput('')).toBeNull();
  });
});
