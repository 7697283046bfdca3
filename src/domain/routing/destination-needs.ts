/**
 * What a destination needs before a handover can be sent to it, checked when a supervisor
 * routes by hand: a case that cannot go is refused up front, saying in words what it lacks,
 * rather than sent and refused by the destination (ICCAM answers 400 to a report without a
 * hosting address, and a refusal fails the handover). The report builders in
 * src/delivery/destinations/ fill the same fields from the same evidence
 * (primaryHostingAddress), so what passes here is what they can send. Pure.
 */
import type { Destination } from '../decision.js';
import { primaryHostingAddress, type HostingEvidence } from '../evidence.js';

type DestinationNeedCode = 'hosting_evidence' | 'hosting_address' | 'hosting_country';

export interface MissingNeed {
  need: DestinationNeedCode;
  /** One sentence a supervisor reads: what is missing and what to do about it. */
  words: string;
}

export const DESTINATION_NAMES: Readonly<Record<Destination, string>> = {
  police: 'the federal police export',
  inhope: 'ICCAM',
};

/**
 * What `destination` would lack for this handover; empty when it can be sent. `country` is the
 * hosting country the supervisor gives (or null), which the report names before any evidence.
 */
export function missingForDestination(destination: Destination, evidence: HostingEvidence | null, country: string | null): MissingNeed[] {
  if (!evidence) {
    return [{ need: 'hosting_evidence', words: 'No hosting evidence has been gathered for it yet: look again first, so there is evidence to send.' }];
  }
  if (destination === 'police') return [];
  const missing: MissingNeed[] = [];
  const address = primaryHostingAddress(evidence.addresses, country);
  if (!address) {
    missing.push({
      need: 'hosting_address',
      words:
        'ICCAM needs the hosting IP address, and the evidence holds none (the host name gave no address): look again once it resolves, or send it to the police.',
    });
  }
  if (country === null && !address?.geo.country) {
    missing.push({ need: 'hosting_country', words: 'ICCAM needs the hosting country: no source located the address, so give the country by hand.' });
  }
  return missing;
}
