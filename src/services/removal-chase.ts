/**
 * A supervisor's note that a case past the last takedown mark was chased ("asked the partner
 * again", "called the police's contact"): an audit event on the handover, nothing more. The
 * service sends nothing by itself; the chase is a person's, and the trail records who and when.
 */
import { ConflictError, NotFoundError } from '../domain/errors.js';
import type { HandoverState } from '../domain/handover-states.js';
import type { HandoverRecord, Store } from '../store/store.js';

/** A case can be chased while the destination holds it. */
const CHASEABLE: readonly HandoverState[] = ['delivered', 'acknowledged'];

export async function noteRemovalChase(deps: { store: Store; now: number }, handoverId: string, note: string, actor: string): Promise<HandoverRecord> {
  const handover = await deps.store.getHandover(handoverId);
  if (!handover) throw new NotFoundError(`Handover ${handoverId}`);
  if (!CHASEABLE.includes(handover.state)) {
    throw new ConflictError(
      'not_with_destination',
      `Only a case the destination holds (delivered or acknowledged) can be chased; this one is ${handover.state}.`,
      {
        state: handover.state,
      },
    );
  }
  return deps.store.annotate(handoverId, {
    actor,
    kind: 'removal_chase',
    reason: note,
    expectState: CHASEABLE,
    data: { note, destination: handover.destination, removalOverdueAt: handover.removalOverdueAt },
    now: deps.now,
  });
}
