/**
 * Finding handovers by host (the console's search). A URL's host is kept as a search key: its
 * labels in reverse order, each followed by a dot (`img.host.example` → `example.host.img.`),
 * so a domain and every name under it share one prefix, and one index range — from the
 * domain's key up to the same text with the final dot bumped to `/` — finds them all and
 * nothing else (`example.hostile.` is outside it). An IPv4 address keeps its order, so
 * `192.0.2` finds that /24; an IPv6 literal is its own key. Byte order, as both stores compare
 * this column. Pure.
 */

const IPV4_PREFIX = /^\d{1,3}(\.\d{1,3}){0,3}$/;

/** The search key of a host name as the URL parser gives it (lower case, punycode); '' for none. */
export function hostSearchKey(hostname: string): string {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === '') return '';
  if (host.startsWith('[') || IPV4_PREFIX.test(host)) return `${host}.`;
  return `${host.split('.').reverse().join('.')}.`;
}

/** The search key of a stored URL's host; '' when the URL has none (never accepted, but never left unkeyed). */
export function urlHostSearchKey(url: string): string {
  try {
    return hostSearchKey(new URL(url).hostname);
  } catch {
    return '';
  }
}

/** The [from, to) range of keys that are `key` or a name under it. */
export function hostKeyRange(key: string): { from: string; to: string } {
  return { from: key, to: `${key.slice(0, -1)}/` };
}

/**
 * What a person typed as a host, as a search key, or null when it cannot be one: a host name
 * (Unicode is made punycode), an address or the first octets of one, or a URL, defanged
 * (`hxxps[://]host[.]example/x`) or not, whose host is meant.
 */
export function hostSearchKeyOfInput(text: string): string | null {
  const refanged = text
    .trim()
    .replace(/\[\.\]|\(\.\)|\[dot\]/gi, '.')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/^hxxp/i, 'http');
  if (refanged === '' || /\s/.test(refanged)) return null;
  if (IPV4_PREFIX.test(refanged)) return hostSearchKey(refanged);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(refanged) ? refanged : `http://${refanged}`;
  let hostname: string;
  try {
    hostname = new URL(withScheme).hostname;
  } catch {
    return null;
  }
  // A single word is more likely a report id than a host; hosts worth searching have a dot.
  if (!hostname.includes('.') && !hostname.startsWith('[')) return null;
  return hostSearchKey(hostname);
}
