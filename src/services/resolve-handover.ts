/**
 * Resolve (contract §3): a delivery whose outcome was unknown (ICCAM may or may not have taken
 * it) waits in `needs_review`; a supervisor who found the report in ICCAM records its id here,
 * and the handover is `delivered` with that reference. The follow-up then finds the content id
 * and polls it like any other case. Nothing is sent. The same for a report ICCAM refused to
 * reassign three times (`iccam_assignment_refused`): once a person has dealt with it in ICCAM,
 * it is followed again as delivered, and never reassigned by the service again.
 */
import type { Store } from '../store/store.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';

const DELIVERY_OUTCOME_UNKNOWN = 'delivery_outcome_unknown';
const ICCAM_ASSIGNMENT_REFUSED = 'iccam_assignment_refused';
/** The review reasons a supervisor resolves with the destination's reference. */
export const RESOLVABLE_REASONS: readonly string[] = [DELIVERY_OUTCOME_UNKNOWN, ICCAM_ASSIGNMENT_REFUSED];

export async function resolveHandover(
  deps: { store: Store; now: number },
  handoverId: string,
  input: { reference: string; reason: string },
  actor: string,
): Promise<HandoverRecord> {
  const handover = await deps.store.getHandover(handoverId);
  if (!handover) throw new NotFoundError(`Handover ${handoverId}`);
  if (handover.state !== 'needs_review' || !RESOLVABLE_REASONS.includes(handover.failureReason ?? '')) {
    throw new ConflictError(
      'not_unknown_outcome',
      'Only a handover in needs_review whose delivery outcome is unknown (or whose ICCAM reassignment was refused) can be resolved.',
      {
        state: handover.state,
        reason: handover.failureReason,
      },
    );
  }
  return deps.store.transition(handoverId, {
    to: 'delivered',
    actor,
    kind: 'resolved',
    reason: input.reason,
    expectState: 'needs_review',
    set: {
      reference: input.reference,
      // The content id stays with its report; another report's is found by the follow-up.
      secondaryReference: input.reference === handover.reference ? handover.secondaryReference : null,
      deliveredAt: handover.failureReason === ICCAM_ASSIGNMENT_REFUSED ? (handover.deliveredAt ?? deps.now) : deps.now,
      failureReason: null,
      nextAttemptAt: null,
      lastPolledAt: null,
    },
    data: { reference: input.reference, destination: handover.destination },
    now: deps.now,
  });
}
