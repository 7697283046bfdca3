/**
 * A reported URL's identity (issue #15): two referrals name "the same URL" when their keys are
 * equal, and only one live handover may carry a key at a time. Pure.
 *
 * The key is the WHATWG serialisation (scheme and host lower-cased, IDN as punycode, the
 * default port and dot segments dropped, as the locator parses it too), without the fragment
 * (never sent to a server, so never a different resource) and without a trailing dot on the
 * host (`a.example.` and `a.example` are one name in the DNS). Path and query are kept as they
 * are, so two query strings are two URLs; only percent-escapes that spell the same character
 * are made to look alike: hex digits upper-cased, and the unreserved characters of RFC 3986
 * §2.3 (letters, digits, `-` `.` `_` `~`) written plainly, which every server must treat the
 * same way (§6.2.2.2). Reserved characters stay escaped: `%2F` is not `/`.
 */

/** Decodes escapes of unreserved characters and upper-cases the hex digits of the others. */
function normalisePercentEscapes(text: string): string {
  return text.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return /^[A-Za-z0-9\-._~]$/.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/**
 * The identity key of an absolute http(s) URL; null when the text is not a URL at all (intake
 * refuses those before they get here).
 */
export function urlIdentityKey(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  // `host` keeps a non-default port; the parser already dropped the scheme's default one.
  const host = url.hostname.endsWith('.') && url.hostname.length > 1 ? url.host.replace(/\.(?=(:\d+)?$)/, '') : url.host;
  url.hash = '';
  // `search` is empty for both "no query" and "an empty query"; the serialisation tells them apart.
  const search = url.search === '' && url.href.endsWith('?') ? '?' : url.search;
  return `${url.protocol}//${host}${normalisePercentEscapes(url.pathname)}${normalisePercentEscapes(search)}`;
}
