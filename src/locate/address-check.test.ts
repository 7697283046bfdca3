import { describe, expect, it } from 'vitest';
import { checkAddress, normaliseAddress } from './address-check.js';

describe('checkAddress', () => {
  it.each([
    ['193.190.198.10', 4, 'unicast', true],
    ['2001:67c:2e8::1', 6, 'unicast', true],
    ['10.1.2.3', 4, 'private', false],
    ['127.0.0.1', 4, 'loopback', false],
    ['169.254.1.1', 4, 'linkLocal', false],
    ['100.64.0.1', 4, 'carrierGradeNat', false],
    ['fd00::1', 6, 'uniqueLocal', false],
    ['::1', 6, 'loopback', false],
    ['2001:db8::1', 6, 'reserved', false],
    ['224.0.0.1', 4, 'multicast', false],
    // IPv4-compatible IPv6 ([::127.0.0.1], [::10.0.0.1], even of a public IPv4): never routed.
    ['::127.0.0.1', 6, 'ipv4Compatible', false],
    ['::10.0.0.1', 6, 'ipv4Compatible', false],
    ['::8.8.8.8', 6, 'ipv4Compatible', false],
    // Outside 2000::/3 nothing is allocated as global unicast.
    ['4000::1', 6, 'reserved', false],
  ])('%s is %s', (address, family, range, publiclyRoutable) => {
    expect(checkAddress(address)).toMatchObject({ family, range, publiclyRoutable });
  });

  it('unwraps IPv4-mapped IPv6 before judging it', () => {
    expect(checkAddress('::ffff:10.0.0.1')).toEqual({ address: '10.0.0.1', family: 4, range: 'private', publiclyRoutable: false });
    expect(normaliseAddress('::ffff:193.190.198.10')).toBe('193.190.198.10');
  });

  it('returns null for text that is not an address', () => {
    expect(checkAddress('hosting.example')).toBeNull();
  });
});
