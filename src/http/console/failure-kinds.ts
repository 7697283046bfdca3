/**
 * Why a handover failed, as far as the console must tell: refused for good by its destination
 * (a 4xx to our request, or the destination declining the case after taking it), or something
 * sending again can cure (attempts ran out on an outage, an error of our own).
 */
import type { AttemptRecord, HandoverRecord } from '../../store/store.js';

/** True when the destination refused this very case: the same request again would be refused again. */
export function refusedForGood(h: Pick<HandoverRecord, 'state'>, lastAttempt: Pick<AttemptRecord, 'outcome' | 'errorClass'> | null): boolean {
  if (h.state !== 'failed' || lastAttempt === null) return false;
  // Taken, then declined (e.g. ICCAM's NotIllegal, the police's "rejected").
  if (lastAttempt.outcome === 'delivered') return true;
  // internal_error: nothing reached the destination; sending again after the fix is the cure.
  return lastAttempt.outcome === 'failed' && lastAttempt.errorClass !== 'internal_error';
}
