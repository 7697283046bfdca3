/**
 * How records look in API answers: ISO times, nulls kept (a missing field and an unknown value
 * are different things to an auditor).
 */
import type { AuditEvent } from '../domain/audit-chain.js';
import type { AckRecord, AttemptRecord, HandoverRecord, ReferralRecord } from '../store/store.js';

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function handoverSummary(h: HandoverRecord) {
  return {
    id: h.id,
    referralId: h.referralId,
    reportId: h.reportId,
    url: h.url,
    contentType: h.contentType,
    state: h.state,
    destination: h.destination,
    country: h.country,
    targetHotline: h.targetHotline,
    assignedCountry: h.assignedCountry,
    reference: h.reference,
    attempts: h.attemptCount,
    nextAttemptAt: iso(h.nextAttemptAt),
    overdue: h.overdueAt !== null,
    outcome: h.outcome,
    failureReason: h.failureReason,
    parentId: h.parentId,
    duplicateOf: h.duplicateOf,
    reappearanceOf: h.reappearanceOf,
    splitAt: iso(h.splitAt),
    createdAt: iso(h.createdAt),
    locatedAt: iso(h.locatedAt),
    deliveredAt: iso(h.deliveredAt),
    acknowledgedAt: iso(h.acknowledgedAt),
    closedAt: iso(h.closedAt),
    contentRemovedAt: iso(h.contentRemovedAt),
    removalOverdue: isRemovalOverdue(h),
    removalOverdueAt: iso(h.removalOverdueAt),
    updatedAt: iso(h.updatedAt),
  };
}

/**
 * Flagged past the last takedown mark and still to chase: the destination holds it and its
 * content is not known to be down (the flag's time stays on the record afterwards).
 */
function isRemovalOverdue(h: Pick<HandoverRecord, 'removalOverdueAt' | 'contentRemovedAt' | 'state'>): boolean {
  return h.removalOverdueAt !== null && h.contentRemovedAt === null && (h.state === 'delivered' || h.state === 'acknowledged');
}

/**
 * Why a handover waits for a supervisor and for how long, so a list of them can be worked
 * through without opening each one. Null for handovers in any other state.
 */
export function reviewView(h: HandoverRecord, now: number): { reasons: string[]; since: string | null; ageSeconds: number } | null {
  if (h.state !== 'needs_review') return null;
  // The locate run that decided "no safe automatic decision" stamps locatedAt.
  const since = h.locatedAt ?? h.updatedAt;
  return { reasons: [...(h.decision?.reviewReasons ?? [])], since: iso(since), ageSeconds: Math.max(0, Math.floor((now - since) / 1000)) };
}

/**
 * A partner's item (ICCAM inbound): who handed it over and when ICCAM assigned it, what ICCAM
 * and our analyst said of it, and what ICCAM has been told. Null for the back office's.
 */
export function partnerView(h: HandoverRecord) {
  if (h.source !== 'iccam') return null;
  const told = h.iccamTold ?? {};
  return {
    partnerHotline: h.partnerHotline,
    countryAssignmentDate: iso(h.countryAssignmentDate),
    contentId: h.inboundContentId,
    iccamAssessment: h.partnerAssessment,
    assessment: h.hotlineAssessment ? { ...h.hotlineAssessment, at: iso(h.hotlineAssessment.at) } : null,
    iccamTold: {
      reference: iso(told.reference?.at ?? null),
      assessment: iso(told.assessment?.at ?? null),
      actions: Object.fromEntries(Object.entries(told.actions ?? {}).map(([word, a]) => [word, { at: iso(a.at), alreadyThere: a.found }])),
      leftToAPerson: Object.fromEntries(Object.entries(told.gaveUp ?? {}).map(([message, g]) => [message, { at: iso(g.at), detail: g.detail }])),
      followedTo: told.followed?.country ?? null,
    },
    settledAt: iso(h.inboundDoneAt),
  };
}

export function referralView(referral: ReferralRecord, handovers: HandoverRecord[]) {
  return {
    referralId: referral.id,
    reportId: referral.reportId,
    source: referral.source,
    partnerHotline: referral.partnerHotline,
    countryAssignmentDate: iso(referral.countryAssignmentDate),
    classification: referral.classification,
    reportedAt: iso(referral.reportedAt),
    referredBy: referral.referredBy,
    createdAt: iso(referral.createdAt),
    createdBy: referral.createdBy,
    handovers: handovers.map(handoverSummary),
  };
}

export function attemptView(a: AttemptRecord) {
  return {
    attempt: a.attemptNo,
    destination: a.destination,
    startedAt: iso(a.startedAt),
    finishedAt: iso(a.finishedAt),
    durationMs: a.durationMs,
    outcome: a.outcome,
    statusCode: a.statusCode,
    errorClass: a.errorClass,
    requestHash: a.requestHash,
    responseDigest: a.responseDigest,
    detail: a.detail,
  };
}

export function ackView(a: AckRecord) {
  return {
    destination: a.destination,
    source: a.source,
    status: a.status,
    reference: a.reference,
    reason: a.reason,
    applied: a.applied,
    note: a.note,
    receivedAt: iso(a.receivedAt),
  };
}

export function auditView(e: AuditEvent) {
  return {
    seq: e.seq,
    at: iso(e.at),
    actor: e.actor,
    kind: e.kind,
    from: e.fromState,
    to: e.toState,
    reason: e.reason,
    data: e.data,
    hash: e.hash,
  };
}

/** How a handover linked by URL (a duplicate, a reappearance) appears on the other one. */
export function urlLinkView(h: HandoverRecord) {
  return { id: h.id, reportId: h.reportId, state: h.state, createdAt: iso(h.createdAt), splitAt: iso(h.splitAt) };
}
