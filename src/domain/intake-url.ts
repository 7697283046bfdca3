/**
 * What a reported URL must look like to be accepted (contract §3, issue "bad input"): an
 * absolute http(s) URL of at most 2,048 characters, without credentials. Parsed with the
 * WHATWG parser, as the locator will parse it later.
 */
import { MAX_URL_LENGTH } from './referral.js';

export type IntakeUrlProblem = 'too_long' | 'not_a_url' | 'scheme_not_allowed' | 'credentials_in_url' | 'no_host';

export function checkIntakeUrl(raw: string): IntakeUrlProblem | null {
  return inspectIntakeUrl(raw).problem;
}

/** The check and the parsed URL in one parse (the locator needs both). */
export function inspectIntakeUrl(raw: string): { problem: IntakeUrlProblem; url: null } | { problem: null; url: URL } {
  if (raw.length > MAX_URL_LENGTH) return { problem: 'too_long', url: null };
  if (!URL.canParse(raw)) return { problem: 'not_a_url', url: null };
  const url = new URL(raw);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: 'scheme_not_allowed', url: null };
  if (url.username !== '' || url.password !== '') return { problem: 'credentials_in_url', url: null };
  // The parser percent-encodes what needs it (a non-ASCII character becomes up to nine): the
  // limit holds for the URL as stored, delivered and located, not only as typed.
  if (url.href.length > MAX_URL_LENGTH) return { problem: 'too_long', url: null };
  // Dots only (`http://../`, `http://%E3%80%82./`, ideographic full stops): no name at all.
  if (/^\.*$/.test(url.hostname)) return { problem: 'no_host', url: null };
  return { problem: null, url };
}

/**
 * The URL as the WHATWG parser serialises it: what is stored and delivered, so every later
 * reader (the locator, ICCAM, the police) parses the same host. `http://a.test\@b.test/`
 * becomes `http://a.test/@b.test/`. Call only on a URL checkIntakeUrl accepted.
 */
export function serialiseIntakeUrl(raw: string): string {
  // URL.canParse keeps a caller that skipped checkIntakeUrl from throwing here; such a URL is
  // stored as given and refused by the locator later.
  return URL.canParse(raw) ? new URL(raw).href : raw;
}

export const INTAKE_URL_MESSAGES: Record<IntakeUrlProblem, string> = {
  too_long: `must be at most ${MAX_URL_LENGTH} characters`,
  not_a_url: 'must be an absolute URL',
  scheme_not_allowed: 'must use http or https',
  credentials_in_url: 'must not contain a user name or password',
  no_host: 'must name a host',
};
