/**
 * The stable review reason codes (src/domain/decision.ts, contract §2 rule 5) in words a
 * supervisor reads at a glance. Codes added elsewhere (e.g. `delivery_outcome_unknown` from
 * the ICCAM adapter) are listed too; an unknown code is shown as itself, never hidden.
 */
import type { ReviewReasonCode } from '../../domain/decision.js';

const WORDS: Record<ReviewReasonCode, string> & Record<string, string> = {
  host_unresolvable: 'The host name does not resolve: no address to locate.',
  behind_cdn: 'Every address belongs to a CDN or reverse proxy: the origin host is unknown.',
  country_disagreement: 'The sources disagree on the hosting country.',
  onion_or_unresolvable_name: 'A Tor .onion address or another name that cannot resolve publicly.',
  non_public_address: 'An address is private, loopback or otherwise not publicly routable.',
  country_unknown: 'No source gave a hosting country.',
  anycast: 'An address is anycast: its GeoIP country is only wherever the nearest site happens to be.',
  locate_failed: 'Locating failed on every attempt: no hosting evidence could be gathered.',
  delivery_outcome_unknown: 'The delivery’s outcome is unknown: check the destination before recording its reference or sending again.',
  iccam_assignment_refused:
    'ICCAM refused three times to reassign the report to the hosting country: reassign it in ICCAM by hand (or leave it), then resolve with its report id. Never send it again: ICCAM has it.',
};

export function reasonInWords(code: string): string {
  return (Object.hasOwn(WORDS, code) ? WORDS[code] : undefined) ?? `Reason “${code}” (no description yet).`;
}

/** Every reason the queue can be filtered by, in a stable order. */
export const KNOWN_REASON_CODES: readonly string[] = Object.keys(WORDS);
