/** Why a handover waits for a person, as stable codes. */
import type { HandoverRecord } from '../../store/store.js';

/**
 * The routing decision's review reasons when locating sent it to review; otherwise (a delivery
 * whose outcome is unknown, say) the failure reason the service recorded.
 */
export function reviewReasonsOf(h: HandoverRecord): string[] {
  const fromDecision = h.decision && h.decision.destination === null ? h.decision.reviewReasons : [];
  if (fromDecision.length > 0) return [...fromDecision];
  return h.failureReason ? [h.failureReason] : [];
}
