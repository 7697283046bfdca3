/**
 * No blind re-send (contract §3, the guard; §4 "No blind re-send"): ICCAM keeps duplicates and
 * has no idempotency key, so a handover waiting in `needs_review` because its delivery outcome
 * is unknown is sent again — routed by hand or located again — only when the supervisor says
 * so, having looked in ICCAM under the handover id (the report's hotlineReference) and found
 * nothing. Otherwise one slip makes two reports of one case.
 */
import { OutcomeUnknownError } from '../domain/errors.js';
import type { HandoverRecord } from '../store/store.js';
import { RESOLVABLE_REASONS } from './resolve-handover.js';

/**
 * True when the handover may already be at its destination, so a person must look there first:
 * its delivery outcome is unknown, or ICCAM holds the report and refused to reassign it.
 */
export function deliveryOutcomeUnknown(h: Pick<HandoverRecord, 'state' | 'failureReason'>): boolean {
  return h.state === 'needs_review' && RESOLVABLE_REASONS.includes(h.failureReason ?? '');
}

/** Throws OutcomeUnknownError (409 `outcome_unknown`) unless sending again was confirmed. */
export function refuseBlindResend(h: HandoverRecord, resend: boolean | undefined): void {
  if (deliveryOutcomeUnknown(h) && resend !== true) throw new OutcomeUnknownError(h.id);
}
