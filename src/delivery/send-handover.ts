/**
 * Sending one handover to its destination: the request the adapter builds from the handover,
 * and our own failures told apart from the destination's answers.
 */
import { normaliseEvidenceOutcomes } from '../domain/evidence.js';
import { InternalError, coerceError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';
import type { DeliveryOutcome, DestinationAdapter } from './destinations/destination-adapter.js';

/**
 * Our own failure before or while building the request (a bug, a handover without evidence or
 * decision, a body builder that threw): not an outcome of the destination, so it never counts
 * against its circuit breaker, and the handover goes to `failed` with `internal_error`.
 */
interface InternalFailure {
  kind: 'internal_error';
  error: Error;
  durationMs: number;
}

export type SendResult = DeliveryOutcome | InternalFailure;

/**
 * Sends a handover to its destination under its own id as Idempotency-Key. Adapters classify
 * every answer of the destination themselves (ICCAM's adapter included: an unknown outcome is
 * its own `unknown`); anything thrown out of an adapter is therefore ours, an InternalFailure.
 */
export async function sendHandover(
  adapter: DestinationAdapter,
  handover: HandoverRecord,
  sender: {
    hotlineId: string;
    homeCountry: string;
    /** Records "about to send" just before the request leaves (see DeliveryRequest.markSending). */
    markSending?: () => Promise<void>;
  },
): Promise<SendResult> {
  try {
    if (!handover.evidence || !handover.decision) throw new InternalError(`handover ${handover.id} has no evidence or decision to send`);
    return await adapter.deliver({
      handoverId: handover.id,
      hotlineId: sender.hotlineId,
      url: handover.url,
      contentType: handover.contentType,
      classification: handover.classification,
      // Destinations see today's outcome words, whenever the evidence was gathered.
      evidence: normaliseEvidenceOutcomes(handover.evidence),
      decision: handover.decision,
      reappearanceOf: handover.reappearanceOf,
      receivedAt: handover.reportedAt ?? handover.referralCreatedAt,
      memo: handover.reappearanceOf ? reappearanceMemo(handover.reappearanceOf) : null,
      ...(sender.markSending ? { markSending: sender.markSending } : {}),
      // A partner's item goes on by reassignment in ICCAM (its report id is the referral's, after `iccam:`).
      iccamContent: handover.inboundContentId
        ? { reportId: handover.reportId.replace(/^iccam:/, ''), contentId: handover.inboundContentId, homeCountry: sender.homeCountry }
        : null,
    });
  } catch (error) {
    return { kind: 'internal_error', error: coerceError(error), durationMs: 0 };
  }
}

/**
 * ICCAM's memo for content that came back after its earlier case was over (issue #15): the
 * earlier case was sent under its handover id as `hotlineReference`, so the partner can find it.
 */
function reappearanceMemo(earlierHandoverId: string): string {
  return `Reappearance: this URL was referred before as hotlineReference ${earlierHandoverId}; that case is over and the content is online again.`;
}
