/**
 * A supervisor's override (contract §2 rule 6): the destination is set by hand, with a reason,
 * and recorded as such. It is checked against the same policy as the automatic rules, so an
 * override cannot produce an ICCAM report nobody can receive.
 */
import { DESTINATIONS, type Destination, type RoutingDecision } from '../decision.js';
import { ValidationError } from '../errors.js';
import { normaliseCountry } from './country-code.js';
import { memberHotline, orphansAllowed, type RoutingPolicy } from './routing-policy.js';

export interface ManualRouteInput {
  destination: Destination;
  /** ISO alpha-2 hosting country; required for `inhope` unless orphans are allowed. */
  country?: string | null;
  /** Why the supervisor decided so; kept verbatim in the decision. */
  reason: string;
  /** Who decided (the API key's name), for the audit trail. */
  actor: string;
}

/** Throws ValidationError (code 'validation_failed', details.field names the input) when the override is not allowed. */
export function manualRoute(input: ManualRouteInput, policy: RoutingPolicy, now: Date): RoutingDecision {
  const reason = input.reason?.trim() ?? '';
  if (reason === '') throw new ValidationError('A manual route needs a reason.', { field: 'reason' });
  const actor = input.actor?.trim() ?? '';
  if (actor === '') throw new ValidationError('A manual route needs an actor.', { field: 'actor' });
  if (!DESTINATIONS.includes(input.destination)) {
    throw new ValidationError(`Unknown destination; expected one of ${DESTINATIONS.join(', ')}.`, { field: 'destination' });
  }

  let country: string | null = null;
  if (input.country !== undefined && input.country !== null && input.country.trim() !== '') {
    country = normaliseCountry(input.country);
    if (country === null) {
      throw new ValidationError('country must be an ISO 3166-1 alpha-2 code of a single country.', { field: 'country' });
    }
  }

  const reasons = [`Routed by hand by ${actor}.`, reason];
  const base = {
    destination: input.destination,
    country,
    rule: 'manual-override' as const,
    confidence: 1,
    reviewReasons: [],
    reasons,
    dataVersions: { policyAsOf: policy.asOf, inhopeMembersAsOf: policy.inhopeMembers.asOf },
    decidedAt: now.toISOString(),
  };

  if (input.destination === 'police') {
    return { ...base, targetHotline: null, assignedCountry: null };
  }

  if (country !== null && country === policy.homeCountry) {
    throw new ValidationError(`${country} is the home country: an ICCAM report would be assigned back to this hotline; route to police instead.`, {
      field: 'country',
    });
  }
  const hotline = country === null ? null : memberHotline(policy, country);
  if (hotline !== null && country !== null) {
    return { ...base, targetHotline: hotline, assignedCountry: country };
  }
  if (!orphansAllowed(policy)) {
    throw new ValidationError(
      country === null
        ? 'inhope needs a country with an INHOPE member hotline (the policy does not allow orphaned ICCAM reports).'
        : `${country} has no INHOPE member hotline and the policy does not allow orphaned ICCAM reports.`,
      { field: 'country' },
    );
  }
  reasons.push('Submitted to ICCAM unassigned (orphan).');
  return { ...base, targetHotline: null, assignedCountry: null };
}
