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
] as const;

export type HandoverState = (typeof HANDOVER_STATES)[number];

const TRANSITIONS: Readonly<Record<HandoverState, readonly HandoverState[]>> = {
  locating: ['routed', 'needs_review'],
  // → delivered: a supervisor records the reference found at the destination (resolve).
  needs_review: ['routed', 'locating', 'delivered', 'cancelled'],
  routed: ['delivering', 'locating', 'cancelled'],
  // → needs_review: the outcome of an ICCAM create is unknown; never sent again without a person.
  delivering: ['delivered', 'routed', 'failed', 'needs_review'],
  delivered: ['acknowledged', 'closed', 'failed'],
  acknowledged: ['closed'],
  closed: [],
  failed: ['routed', 'cancelled'],
  cancelled: [],
};

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

/** States in which the service still owes the handover some work or a person's attention. */
export const OUTSTANDING_STATES: readonly HandoverState[] = [
  'locating',
  'needs_review',
  'routed',
  'delivering',
  'delivered',
  'acknowledged',
  'failed',
];
