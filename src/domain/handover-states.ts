/**
 * The lifecycle of a handover (contract §1) as a pure table. Nothing outside this table can
 * happen: the store checks every change against it inside the transaction that writes it.
 */
export const HANDOVER_STATES = [
  'locating',
  'needs_review',
  'routed',
  'delivering',
  'delivered',
  'acknowledged',
  'closed',
  'failed',
  'cancelled',
  // A URL referred again while another handover carries it (issue #15): an entry of its own,
  // linked to that handover, that is never sent; a supervisor's split makes it a case.
  'duplicate',
  // Handed to the home country by a partner hotline through ICCAM: a Belgian analyst assesses it.
  'awaiting_assessment',
] as const;

export type HandoverState = (typeof HANDOVER_STATES)[number];

const TRANSITIONS: Readonly<Record<HandoverState, readonly HandoverState[]>> = {
  // A supervisor may cancel a handover still locating (one that cannot be located blocks nothing then).
  locating: ['routed', 'needs_review', 'cancelled'],
  // → delivered: a supervisor records the reference found at the destination (resolve).
  needs_review: ['routed', 'locating', 'delivered', 'cancelled'],
  routed: ['delivering', 'locating', 'cancelled'],
  // → needs_review: the outcome of an ICCAM create is unknown; never sent again without a person.
  delivering: ['delivered', 'routed', 'failed', 'needs_review'],
  // → needs_review: ICCAM refused, three times, to reassign a report we sent (iccam_assignment_refused).
  delivered: ['acknowledged', 'closed', 'failed', 'needs_review'],
  acknowledged: ['closed'],
  closed: [],
  failed: ['routed', 'cancelled'],
  cancelled: [],
  duplicate: ['locating'],
  // Illegal here (or ICCAM says Baseline) → locating; not illegal here → closed; withdrawn → cancelled.
  awaiting_assessment: ['locating', 'closed', 'cancelled'],
};

/** Narrows a string from outside (a query parameter, a form) to a state. */
export function isHandoverState(value: string): value is HandoverState {
  return (HANDOVER_STATES as readonly string[]).includes(value);
}

export function canTransition(from: HandoverState, to: HandoverState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function allowedNextStates(from: HandoverState): readonly HandoverState[] {
  return TRANSITIONS[from];
}

/** States from which nothing more happens. */
export function isFinalState(state: HandoverState): boolean {
  return TRANSITIONS[state].length === 0;
}

/**
 * States in which the service still owes the handover some work or a person's attention:
 * all but the final ones and the duplicate entries (their carrier is the one owed).
 */
export const OUTSTANDING_STATES: readonly HandoverState[] = HANDOVER_STATES.filter((s) => TRANSITIONS[s].length > 0 && s !== 'duplicate');

/**
 * States in which a handover carries its URL (issue #15): a URL referred again while one of
 * these holds it is recorded as a duplicate, not sent twice.
 */
export const LIVE_STATES: readonly HandoverState[] = ['awaiting_assessment', 'locating', 'needs_review', 'routed', 'delivering', 'delivered', 'acknowledged'];

/** States in which a case is over: the same URL referred again is a new case, a reappearance. */
export const OVER_STATES: readonly HandoverState[] = ['closed', 'failed', 'cancelled'];
