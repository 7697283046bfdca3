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

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');
const IPV4_COMPATIBLE_V6 = ipaddr.parseCIDR('::/96');

/**
 * ipaddr.js calls every IPv6 address outside its special ranges 'unicast', `::7f00:1`
 * (`[::127.0.0.1]`, IPv4-compatible, deprecated by RFC 4291) included. Only 2000::/3 is
 * allocated as global unicast, so anything else is not publicly routable.
 */
function rangeOf(parsed: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = parsed.range();
  if (parsed.kind() === 'ipv4' || range !== 'unicast') return range;
  const v6 = parsed as ipaddr.IPv6;
  if (v6.match(IPV4_COMPATIBLE_V6)) return 'ipv4Compatible';
  return v6.match(GLOBAL_UNICAST_V6) ? 'unicast' : 'reserved';
}

/** `::10.0.0.1` → `::a00:1`: an embedded dotted IPv4 tail as hex groups. */
function hexTail(text: string): string {
  const m = /^(.*:)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return text;
  const [a, b, c, d] = m.slice(2).map(Number) as [number, number, number, number];
  return `${m[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

/** Null when the text is not an IP address at all. */
export function checkAddress(text: string): CheckedAddress | null {
  if (!ipaddr.isValid(text)) return null;
  if (text.includes(':') && ipaddr.IPv6.isValid(text)) {
    // Checked before process(). ipaddr.js reads `::a.b.c.d` as `::ffff:a.b.c.d` (mapped),
    // so the dotted tail is rewritten as two hex groups first.
    const v6 = ipaddr.IPv6.parse(hexTail(text));
    if (v6.range() === 'unicast' && v6.match(IPV4_COMPATIBLE_V6))
      return { address: v6.toString(), family: 6, range: 'ipv4Compatible', publiclyRoutable: false };
  }
  const parsed = ipaddr.process(text);
  const range = rangeOf(parsed);
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
