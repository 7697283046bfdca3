/**
 * Reading a reported URL into what the locator needs: the normalised URL, the host and what
 * kind of host it is. Parsing is the WHATWG parser's (as browsers see the URL), so IDNs come
 * out as punycode and odd IPv4 spellings (`0x7f.1`, `2130706433`) as dotted quads.
 */
import ipaddr from 'ipaddr.js';
import type { HostKind } from '../domain/evidence.js';
import { ipv4ToNumber } from './asn-index.js';
import { ReportedUrlError } from '../domain/errors.js';
import { inspectIntakeUrl } from '../domain/intake-url.js';

export interface ReportedUrl {
  /** The normalised URL: punycode host, no trailing dot, IPv6 in canonical compressed form. */
  url: string;
  /** The host without brackets or trailing dot. */
  host: string;
  hostKind: HostKind;
}

/**
 * Top-level names that the public DNS never answers (RFC 6761, 6762, 7686, 8375, 9476 and
 * common private conventions). `.test` and `.example` are deliberately NOT here: tests and
 * demos resolve them through a local DNS server.
 */
const UNRESOLVABLE_SUFFIXES = [
  'local',
  'localhost',
  'localdomain',
  'internal',
  'invalid',
  'i2p',
  'bit',
  'exit',
  'alt',
  'lan',
  'home',
  'corp',
  'intranet',
  'home.arpa',
  'onion',
];

function hasSuffix(host: string, suffix: string): boolean {
  return host === suffix || host.endsWith(`.${suffix}`);
}

/** Checks a URL for intake: the reason code on failure, null when acceptable. */
/** Parses a reported URL; throws ReportedUrlError (with the intake reason code) when it cannot be used. */
export function parseReportedUrl(raw: string): ReportedUrl {
  const { problem, url } = inspectIntakeUrl(raw);
  if (problem !== null) throw new ReportedUrlError(problem);
  let host = url.hostname;

  if (host.startsWith('[') && host.endsWith(']')) {
    const v6 = ipaddr.IPv6.parse(host.slice(1, -1));
    const canonical = v6.toString();
    url.hostname = `[${canonical}]`;
    return { url: url.href, host: canonical, hostKind: 'ipv6' };
  }

  // A fully-qualified name's trailing dot names the same host; drop it so caches and
  // evidence compare equal.
  host = host.replace(/\.+$/, '');
  if (host === '') throw new ReportedUrlError('no_host');
  if (host !== url.hostname) url.hostname = host;

  // After WHATWG parsing any IPv4 literal is already a dotted quad.
  if (ipv4ToNumber(host) >= 0) return { url: url.href, host, hostKind: 'ipv4' };
  if (hasSuffix(host, 'onion')) return { url: url.href, host, hostKind: 'onion' };
  const singleLabel = !host.includes('.');
  if (singleLabel || UNRESOLVABLE_SUFFIXES.some((s) => hasSuffix(host, s))) {
    return { url: url.href, host, hostKind: 'unresolvable-name' };
  }
  return { url: url.href, host, hostKind: 'domain' };
}
