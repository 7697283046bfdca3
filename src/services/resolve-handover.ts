/**
 * Resolve (contract §3): a delivery whose outcome was unknown (ICCAM may or may not have taken
 * it) waits in `needs_review`; a supervisor who found the report in ICCAM records its id here,
 * and the handover is `delivered` with that reference. The follow-up then finds the content id
 * and polls it like any other case. Nothing is sent.
 */
import type { Store } from '../store/store.js';
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';

export const DELIVERY_OUTCOME_UNKNOWN = 'delivery_outcome_unknown';

export async function resolveHandover(
  deps: { store: Store; now: number },
  handoverId: string,
  input: { reference: string; reason: string },
  actor: string,
): Promise<HandoverRecord> {
  const handover = await deps.store.getHandover(handoverId);
  if (!handover) throw new NotFoundError(`Handover ${handoverId}`);
  if (handover.state !== 'needs_review' || handover.failureReason !== DELIVERY_OUTCOME_UNKNOWN) {
    throw new ConflictError('not_unknown_outcome', 'Only a handover in needs_review whose delivery outcome is unknown can be resolved.', {
      state: handover.state,
      reason: handover.failureReason,
    });
  }
  return deps.store.transition(handoverId, {
    to: 'delivered',
    actor,
    kind: 'resolved',
    reason: input.reason,
    expectState: 'needs_review',
    set: { reference: input.reference, secondaryReference: null, deliveredAt: deps.now, failureReason: null, nextAttemptAt: null, lastPolledAt: null },
    data: { reference: input.reference, destination: handover.destination },
    now: deps.now,
  });
}
