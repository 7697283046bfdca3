/**
 * What a registry (RDAP or WHOIS) says about the network holding an address, in the shape
 * both parsers produce, plus the helpers they share: address ranges as numbers for the
 * per-range cache, country names to ISO codes, and abuse e-mail placeholders.
 */
import ipaddr from 'ipaddr.js';

export interface NetworkFacts {
  handle: string | null;
  networkName: string | null;
  /** "start - end" in canonical text (decimal IPv4, compressed IPv6); null when the answer names no network. */
  range: string | null;
  country: string | null;
  abuseEmail: string | null;
  /** Numeric bounds of the range (inclusive), for the cache; null when no range was given. */
  bounds: { start: bigint; end: bigint } | null;
}

/**
 * An address as a registry writes it. Dotted IPv4 is read as four decimal octets even when
 * zero-padded: ARIN answers `074.125.000.000`, which ipaddr.js (like inet_aton) reads as
 * octal, turning Google's 74.125.0.0/16 into 60.125.0.0/16. A `/n` suffix on a single
 * address (old RIPE ranges `62.239.237.0/32 - 62.239.237.255/32`) is dropped.
 */
function parseRegistryAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = text.trim().replace(/\/\d{1,3}$/, '');
  const dotted = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(bare);
  if (dotted) {
    const octets = dotted.slice(1).map((o) => Number.parseInt(o, 10));
    return octets.every((o) => o <= 255) ? new ipaddr.IPv4(octets) : null;
  }
  if (!bare.includes(':') || !ipaddr.IPv6.isValid(bare)) return null;
  return ipaddr.IPv6.parse(bare);
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let value = 0n;
  for (const byte of address.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

/** A canonical address (as the locator produces them) as a number; null when not an address. */
export function addressToBigInt(address: string): bigint | null {
  if (!ipaddr.isValid(address)) return null;
  return toBigInt(ipaddr.process(address));
}

/** Bounds of "a - b" or "a.b.c.d/n" (either family), read as a registry writes them; null when unparseable. */
export function boundsOfRange(range: string): { start: bigint; end: bigint; family: 4 | 6 } | null {
  const dash = range.split(/\s+-\s+|-/).map((s) => s.trim());
  if (dash.length === 2) {
    const start = parseRegistryAddress(dash[0]!);
    const end = parseRegistryAddress(dash[1]!);
    if (!start || !end || start.kind() !== end.kind()) return null;
    const [a, b] = [toBigInt(start), toBigInt(end)];
    return a <= b ? { start: a, end: b, family: start.kind() === 'ipv4' ? 4 : 6 } : null;
  }
  const slash = /^(.+)\/(\d{1,3})$/.exec(range.trim());
  if (!slash) return null;
  const net = parseRegistryAddress(slash[1]!);
  const length = Number(slash[2]);
  if (!net) return null;
  const bits = net.kind() === 'ipv4' ? 32 : 128;
  if (length > bits) return null;
  const size = 1n << BigInt(bits - length);
  const first = (toBigInt(net) / size) * size;
  return { start: first, end: first + size - 1n, family: bits === 32 ? 4 : 6 };
}

/** The canonical text of a numeric address of the given family. */
function bigIntToAddress(value: bigint, family: 4 | 6): string {
  const bytes: number[] = [];
  for (let i = 0; i < (family === 4 ? 4 : 16); i += 1) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** "start - end" in canonical text (decimal IPv4, compressed IPv6), as a person reads a range. */
export function formatBounds(bounds: { start: bigint; end: bigint }, family: 4 | 6): string {
  return `${bigIntToAddress(bounds.start, family)} - ${bigIntToAddress(bounds.end, family)}`;
}

/** Longest free text (names, handles, ranges, details) that enters the evidence from a registry. */
const MAX_REGISTRY_TEXT = 200;

/** Registry free text, trimmed, stripped of control characters and capped. */
export function capText(value: string | null | undefined, max = MAX_REGISTRY_TEXT): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (clean === '') return null;
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

let nameToCode: Map<string, string> | null = null;

/**
 * An ISO 3166-1 alpha-2 code from a code or an English country name ("United States"), as
 * ARIN writes countries only inside vCard addresses. Built from ICU's region names.
 */
export function countryCode(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value.trim();
  if (/^[A-Za-z]{2}$/.test(text)) return text.toUpperCase();
  if (!nameToCode) {
    nameToCode = new Map();
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    for (let a = 65; a <= 90; a += 1) {
      for (let b = 65; b <= 90; b += 1) {
        const code = String.fromCharCode(a, b);
        try {
          const name = names.of(code);
          if (name && name !== code) nameToCode.set(name.toUpperCase(), code);
        } catch {
          // not a region code
        }
      }
    }
    // Spellings registries use that differ from ICU's.
    for (const [name, code] of [
      ['UNITED STATES OF AMERICA', 'US'],
      ['USA', 'US'],
      ['UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND', 'GB'],
      ['RUSSIAN FEDERATION', 'RU'],
      ['KOREA, REPUBLIC OF', 'KR'],
      ['NETHERLANDS (THE)', 'NL'],
    ] as const) {
      nameToCode.set(name, code);
    }
  }
  return nameToCode.get(text.toUpperCase()) ?? null;
}

/** Registries blank abuse addresses out with placeholders; those are no contact at all. */
export function cleanAbuseEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().replace(/^mailto:/i, '');
  if (email.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return null;
  const lower = email.toLowerCase();
  if (lower === 'removed@lacnic.net' || lower.includes('redacted') || lower.startsWith('removed@') || lower.endsWith('@example.invalid')) return null;
  return email;
}
