/**
 * What the back office saw of reported content (contract §3 `POST /v1/handovers/:id/observations`):
 * removed, unavailable, or still online. This service never looks itself; it records what it is
 * told, with who saw it, and a removal on a case the destination holds closes it. Pure: the
 * store applies the plan in the transaction that records the observation.
 */
import type { HandoverRecord } from './handover-record.js';
import type { HandoverState } from './handover-states.js';
import { removalTime } from './takedown-clock.js';

export const OBSERVATION_KINDS = ['removed', 'unavailable', 'online'] as const;
export type ObservationKind = (typeof OBSERVATION_KINDS)[number];

/**
 * What an observation did: `closed` (a removal on a delivered or acknowledged case closed it,
 * ending its clock), `removal_recorded` (a case closed earlier without a removal time got one),
 * `recorded` (noted in the audit trail only), `unchanged` (the same observation was recorded before).
 */
export type ObservationEffect = 'closed' | 'removal_recorded' | 'recorded' | 'unchanged';

export interface ObservationPlan {
  effect: Exclude<ObservationEffect, 'unchanged'>;
  /** The state after it (the current one when nothing closes). */
  to: HandoverState;
  set: Partial<Pick<HandoverRecord, 'closedAt' | 'outcome' | 'contentRemovedAt' | 'overdueAt'>>;
}

/** States in which the destination holds the case, so a removal closes it. */
const HELD_BY_DESTINATION: readonly HandoverState[] = ['delivered', 'acknowledged'];

export function planObservation(
  handover: Pick<HandoverRecord, 'state' | 'contentRemovedAt'>,
  kind: ObservationKind,
  observedAt: number,
  now: number,
): ObservationPlan {
  const stays = { to: handover.state, set: {} };
  if (kind === 'online') return { effect: 'recorded', ...stays };
  const removedAt = removalTime(observedAt, now);
  if (HELD_BY_DESTINATION.includes(handover.state)) {
    // The destination's acknowledgement is its own to give: only the outcome and the clock change.
    return { effect: 'closed', to: 'closed', set: { closedAt: now, outcome: kind, contentRemovedAt: removedAt, overdueAt: null } };
  }
  if (handover.state === 'closed' && handover.contentRemovedAt === null) {
    return { effect: 'removal_recorded', to: 'closed', set: { contentRemovedAt: removedAt } };
  }
  // Before delivery, after a failure or a cancellation, or already known to be down: noted only.
  return { effect: 'recorded', ...stays };
}

/** What an observation's audit event holds (and what a repeat is compared on: kind and time). */
export interface ObservationRecord {
  kind: ObservationKind;
  /** ISO 8601, UTC. */
  observedAt: string;
  note: string | null;
  /** Who saw it, as the back office names them; the API key's name when it did not say. */
  observedBy: string;
  effect: Exclude<ObservationEffect, 'unchanged'>;
}

/** The same observation: the same kind at the same moment (a repeat of a request changes nothing). */
export function isSameObservation(recorded: unknown, kind: ObservationKind, observedAt: string): boolean {
  const r = recorded as Partial<ObservationRecord> | null;
  return r !== null && typeof r === 'object' && r.kind === kind && r.observedAt === observedAt;
}
