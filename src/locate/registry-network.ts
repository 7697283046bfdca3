/**
 * What a registry (RDAP or WHOIS) says about the network holding an address, in the shape
 * both parsers produce, plus the helpers they share: address ranges as numbers for the
 * per-range cache, country names to ISO codes, and abuse e-mail placeholders.
 */
import ipaddr from 'ipaddr.js';

export interface NetworkFacts {
  handle: string | null;
  networkName: string | null;
  /** As registered: "start - end" or a CIDR. */
  range: string | null;
  country: string | null;
  abuseEmail: string | null;
  /** Numeric bounds of the range (inclusive), for the cache; null when no range was given. */
  bounds: { start: bigint; end: bigint } | null;
}

export function addressToBigInt(address: string): bigint | null {
  if (!ipaddr.isValid(address)) return null;
  let value = 0n;
  for (const byte of ipaddr.process(address).toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

/** Bounds of "a - b" or "a.b.c.d/n" (either family); null when unparseable. */
export function boundsOfRange(range: string): { start: bigint; end: bigint } | null {
  const dash = range.split(/\s+-\s+|-/).map((s) => s.trim());
  if (dash.length === 2) {
    const start = addressToBigInt(dash[0]!);
    const end = addressToBigInt(dash[1]!);
    return start !== null && end !== null && start <= end ? { start, end } : null;
  }
  try {
    const [net, length] = ipaddr.parseCIDR(range.trim());
    const bits = net.kind() === 'ipv4' ? 32 : 128;
    const start = addressToBigInt(net.toString());
    if (start === null) return null;
    const size = 1n << BigInt(bits - length);
    const first = (start / size) * size;
    return { start: first, end: first + size - 1n };
  } catch {
    return null;
  }
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
    for (const [name, code] of [['UNITED STATES OF AMERICA', 'US'], ['USA', 'US'], ['UNITED KINGDOM OF GREAT BRITAIN AND NORTHERN IRELAND', 'GB'], ['RUSSIAN FEDERATION', 'RU'], ['KOREA, REPUBLIC OF', 'KR'], ['NETHERLANDS (THE)', 'NL']] as const) {
      nameToCode.set(name, code);
    }
  }
  return nameToCode.get(text.toUpperCase()) ?? null;
}

/** Registries blank abuse addresses out with placeholders; those are no contact at all. */
export function cleanAbuseEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().replace(/^mailto:/i, '');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) return null;
  const lower = email.toLowerCase();
  if (lower === 'removed@lacnic.net' || lower.includes('redacted') || lower.startsWith('removed@') || lower.endsWith('@example.invalid')) return null;
  return email;
}
