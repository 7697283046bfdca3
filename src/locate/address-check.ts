/**
 * Whether an address is publicly routable. ipaddr.js names every special-purpose range;
 * after `process()` (which turns `::ffff:a.b.c.d` into IPv4) only 'unicast' is public.
 */
import ipaddr from 'ipaddr.js';

export interface CheckedAddress {
  /** Canonical text: dotted quad, or compressed lower-case IPv6. */
  address: string;
  family: 4 | 6;
  /** ipaddr.js range name, e.g. 'unicast', 'private', 'loopback', 'reserved'. */
  range: string;
  publiclyRoutable: boolean;
}

/** Null when the text is not an IP address at all. */
export function checkAddress(text: string): CheckedAddress | null {
  if (!ipaddr.isValid(text)) return null;
  const parsed = ipaddr.process(text);
  const range = parsed.range();
  return {
    address: parsed.toString(),
    family: parsed.kind() === 'ipv4' ? 4 : 6,
    range,
    publiclyRoutable: range === 'unicast',
  };
}

/** The canonical form used as a key by the GeoIP, ASN and registry lookups. */
export function normaliseAddress(text: string): string | null {
  if (!ipaddr.isValid(text)) return null;
  return ipaddr.process(text).toString();
}
