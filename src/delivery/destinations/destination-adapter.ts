/**
 * The one narrow interface both destinations (contract §4) sit behind. The dispatcher hands an
 * adapter a DeliveryRequest and gets back a classified outcome; it never sees HTTP. The
 * reconciler asks the same adapter where a delivered case stands.
 */
import type { AckObservation } from '../../domain/ack-mapping.js';
import type { Destination, RoutingDecision } from '../../domain/decision.js';
import type { DeliveryErrorClass } from '../../domain/errors.js';
import type { HostingEvidence } from '../../domain/evidence.js';
import type { Classification, ContentType } from '../../domain/referral.js';

export interface DeliveryRequest {
  /** Also the Idempotency-Key of every attempt, so the destination can drop duplicates. */
  handoverId: string;
  /** Our own hotline id, as the destination knows us. */
  hotlineId: string;
  url: string;
  contentType: ContentType | null;
  classification: Classification;
  evidence: HostingEvidence;
  /** For `inhope`, `assignedCountry` null means an ICCAM orphan (sent unassigned). */
  decision: RoutingDecision;
  /**
   * The earlier handover of the same URL, over (closed, failed or cancelled) when this one was
   * referred: the destination is told the content is back (issue #15). Absent or null otherwise.
   */
  reappearanceOf?: string | null;
  /** When the hotline received the report (`reportedAt`, else the intake time), ms. */
  receivedAt: number;
  /** A note for the receiving hotline (e.g. that the case is a reappearance); none when absent. */
  memo?: string | null;
  /**
   * Called just before the request that hands the case over leaves (ICCAM: inside its pacing
   * slot, after the login): the store records that it is about to be sent. When it throws, the
   * request is not sent.
   */
  markSending?: () => Promise<void>;
  /**
   * Content a partner hotline handed to us through ICCAM: its ids there. Sending it on to
   * another country is reassigning that content (two PUTs), not a new report.
   */
  iccamContent?: { reportId: string; contentId: string; homeCountry: string } | null;
}

/**
 * What one attempt came to. `requestHash` is the SHA-256 of the exact body sent and
 * `responseDigest` that of the body received: proof of what was exchanged, without keeping
 * the bodies (they hold the reported URL).
 */
export type DeliveryOutcome =
  | {
      kind: 'delivered';
      /** The destination's reference: police receiptId, ICCAM reportId. */
      reference: string;
      /** ICCAM contentId (needed to ask for the content's status later). */
      secondaryReference?: string;
      statusCode: number;
      requestHash: string;
      responseDigest: string;
      durationMs: number;
      /** True when the destination said it already had this handover (a repeat attempt). */
      duplicate: boolean;
      /** Handing it over ends our part (partner content reassigned to its hosting country's hotline). */
      closeAs?: 'moved_on';
    }
  | {
      kind: 'retry';
      statusCode: number | null;
      errorClass: DeliveryErrorClass;
      /** What the destination asked for (Retry-After), in ms from now; null when it did not say. */
      retryAfterMs: number | null;
      /** Retry for at most this long after the first attempt (ICCAM "not in correct state"); then failed. */
      giveUpAfterMs?: number;
      /** After this many attempts the handover waits for a person (needs_review) with `reviewReason`. */
      reviewAfterAttempts?: number;
      reviewReason?: string;
      requestHash: string;
      responseDigest: string | null;
      durationMs: number;
    }
  /**
   * The request may or may not have been taken (ICCAM: timeout or reset after sending, 500,
   * 502, 504, a 2xx without a report id). ICCAM keeps duplicates, so it is never sent again
   * without a person: the handover goes to needs_review (`delivery_outcome_unknown`).
   */
  | ({ kind: 'unknown' } & RefusalFacts)
  | ({ kind: 'failed' } & RefusalFacts);

/** What an unknown or failed outcome records. */
interface RefusalFacts {
  statusCode: number | null;
  errorClass: DeliveryErrorClass;
  /** A short, log-safe explanation (never the URL or the response body). */
  detail: string;
  requestHash: string;
  responseDigest: string | null;
  durationMs: number;
}

/** Why an attempt or status query did not succeed: the list and its meanings are in the error table. */
export type { DeliveryErrorClass };

/** A status query that got no usable answer; `retryable` says whether asking later may help. */
export interface StatusFetchError {
  kind: 'status_error';
  retryable: boolean;
  statusCode: number | null;
  errorClass: DeliveryErrorClass | 'not_found' | 'missing_reference';
  detail: string;
}

export interface StatusReference {
  handoverId: string;
  reference: string;
  secondaryReference?: string | null;
}

export interface DestinationAdapter {
  readonly destination: Destination;
  deliver(req: DeliveryRequest): Promise<DeliveryOutcome>;
  /**
   * Ask the destination where the case stands. "Nothing new" is an observation whose effect
   * is 'none'; a failed query is a StatusFetchError (never thrown).
   */
  fetchStatus(ref: StatusReference): Promise<AckObservation | StatusFetchError>;
  /** Release keep-alive sockets (shutdown). */
  close(): void;
}

export function isStatusFetchError(value: AckObservation | StatusFetchError): value is StatusFetchError {
  return (value as StatusFetchError).kind === 'status_error';
}
