/**
 * Free text from people and partners (reasons, notes, report ids, references) is shown as it
 * is, but never obeyed: a right-to-left override or another bidi control in it is replaced by
 * a visible mark naming it, so it cannot reverse the rest of a line or disguise what follows
 * (templates also isolate such text in <bdi>). International host names are shown in Unicode
 * beside their punycode, which stays the authoritative form.
 */
import { domainToUnicode } from 'node:url';

const BIDI_CONTROLS: Readonly<Record<string, string>> = {
  '\u061C': 'ALM',
  '\u200E': 'LRM',
  '\u200F': 'RLM',
  '\u202A': 'LRE',
  '\u202B': 'RLE',
  '\u202C': 'PDF',
  '\u202D': 'LRO',
  '\u202E': 'RLO',
  '\u2066': 'LRI',
  '\u2067': 'RLI',
  '\u2068': 'FSI',
  '\u2069': 'PDI',
};
const BIDI_PATTERN = new RegExp(`[${Object.keys(BIDI_CONTROLS).join('')}]`, 'g');

/** The text with every bidi control written out as `[U+202E RLO]`. */
export function withVisibleControls(text: unknown): string {
  if (text === null || text === undefined) return '';
  return String(text).replace(BIDI_PATTERN, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${BIDI_CONTROLS[c]}]`);
}

/** The Unicode form of a URL's host when it has punycode labels (`xn--…`); null otherwise. */
export function unicodeHostOf(url: unknown): string | null {
  let hostname: string;
  try {
    hostname = new URL(String(url)).hostname;
  } catch {
    return null;
  }
  if (!/(^|\.)xn--/i.test(hostname)) return null;
  const unicode = domainToUnicode(hostname);
  return unicode && unicode !== hostname ? withVisibleControls(unicode) : null;
}
