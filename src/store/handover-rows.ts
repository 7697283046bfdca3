/**
 * Mapping between database rows (snake_case, JSON as text, times as epoch ms) and records.
 * PostgreSQL returns BIGINT as strings unless told otherwise; numbers are coerced here too.
 */
import type { AuditEvent } from '../domain/audit-chain.js';
import type { HandoverState } from '../domain/handover-states.js';
import type { ReferralSource } from '../domain/inbound.js';
import type { Classification } from '../domain/referral.js';
import type { AckRecord, AttemptRecord, HandoverRecord, ReferralRecord } from './store.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const json = <T>(v: unknown): T | null => (v === null || v === undefined ? null : (JSON.parse(String(v)) as T));

export function toReferral(row: Row): ReferralRecord {
  return {
    id: String(row.id),
    reportId: String(row.report_id),
    bodyHash: String(row.body_hash),
    classification: json(row.classification)!,
    reportedAt: numOrNull(row.reported_at),
    referredBy: strOrNull(row.referred_by),
    createdAt: num(row.created_at),
    createdBy: String(row.created_by),
    source: sourceOf(row.source),
    partnerHotline: strOrNull(row.partner_hotline),
    countryAssignmentDate: numOrNull(row.country_assignment_date),
  };
}

/** Rows read without the referral's source (none predates its column) count as the back office's. */
const sourceOf = (v: unknown): ReferralSource => (v === 'iccam' ? 'iccam' : 'backoffice');

export function toHandover(row: Row): HandoverRecord {
  return {
    id: String(row.id),
    seq: num(row.seq),
    referralId: String(row.referral_id),
    reportId: String(row.report_id),
    position: num(row.position),
    url: String(row.url),
    reportedUrl: strOrNull(row.reported_url),
    contentType: strOrNull(row.content_type) as HandoverRecord['contentType'],
    classification: json<Classification>(row.own_classification) ?? json<Classification>(row.classification)!,
    ownClassification: json(row.own_classification),
    state: String(row.state) as HandoverState,
    destination: strOrNull(row.destination) as HandoverRecord['destination'],
    country: strOrNull(row.country),
    targetHotline: strOrNull(row.target_hotline),
    assignedCountry: strOrNull(row.assigned_country),
    evidence: json(row.evidence),
    decision: json(row.decision),
    locatedAt: numOrNull(row.located_at),
    locateAttempts: num(row.locate_attempts),
    nextAttemptAt: numOrNull(row.next_attempt_at),
    attemptCount: num(row.attempt_count),
    firstAttemptAt: numOrNull(row.first_attempt_at),
    leaseToken: strOrNull(row.lease_token),
    leaseExpiresAt: numOrNull(row.lease_expires_at),
    reference: strOrNull(row.reference),
    secondaryReference: strOrNull(row.secondary_reference),
    deliveredAt: numOrNull(row.delivered_at),
    acknowledgedAt: numOrNull(row.acknowledged_at),
    closedAt: numOrNull(row.closed_at),
    lastPolledAt: numOrNull(row.last_polled_at),
    outcome: strOrNull(row.outcome),
    failureReason: strOrNull(row.failure_reason),
    overdueAt: numOrNull(row.overdue_at),
    resentAt: numOrNull(row.resent_at),
    recheckedAt: numOrNull(row.rechecked_at),
    parentId: strOrNull(row.parent_id),
    urlKey: strOrNull(row.url_key),
    duplicateOf: strOrNull(row.duplicate_of),
    reappearanceOf: strOrNull(row.reappearance_of),
    splitAt: numOrNull(row.split_at),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    referredBy: strOrNull(row.referred_by),
    reportedAt: numOrNull(row.reported_at),
    referralCreatedAt: num(row.referral_created_at),
    referralCreatedBy: String(row.referral_created_by),
    iccamAssignment: strOrNull(row.iccam_assignment),
    contentRemovedAt: numOrNull(row.content_removed_at),
    removalOverdueAt: numOrNull(row.removal_overdue_at),
    hostingAsn: numOrNull(row.hosting_asn),
    iccamAssignmentTries: Number(row.iccam_assignment_tries ?? 0),
    sendingToken: strOrNull(row.sending_token),
    source: sourceOf(row.source),
    partnerHotline: strOrNull(row.partner_hotline),
    countryAssignmentDate: numOrNull(row.country_assignment_date),
    inboundContentId: strOrNull(row.inbound_content_id),
    partnerAssessment: json(row.partner_assessment),
    hotlineAssessment: json(row.hotline_assessment),
    iccamTold: json(row.iccam_told),
    inboundDoneAt: numOrNull(row.inbound_done_at),
  };
}

export function toAttempt(row: Row): AttemptRecord {
  return {
    id: num(row.id),
    handoverId: String(row.handover_id),
    attemptNo: num(row.attempt_no),
    destination: String(row.destination) as AttemptRecord['destination'],
    claimToken: String(row.claim_token),
    startedAt: num(row.started_at),
    finishedAt: numOrNull(row.finished_at),
    durationMs: numOrNull(row.duration_ms),
    outcome: String(row.outcome),
    statusCode: numOrNull(row.status_code),
    errorClass: strOrNull(row.error_class),
    requestHash: strOrNull(row.request_hash),
    responseDigest: strOrNull(row.response_digest),
    detail: strOrNull(row.detail),
  };
}

export function toAck(row: Row): AckRecord {
  return {
    id: num(row.id),
    handoverId: strOrNull(row.handover_id),
    destination: String(row.destination) as AckRecord['destination'],
    source: String(row.source) as AckRecord['source'],
    status: String(row.status),
    reference: strOrNull(row.reference),
    reason: strOrNull(row.reason),
    applied: Boolean(Number(row.applied)),
    note: strOrNull(row.note),
    webhookId: strOrNull(row.webhook_id),
    receivedAt: num(row.received_at),
  };
}

export function toAuditEvent(row: Row): AuditEvent {
  return {
    seq: num(row.seq),
    handoverId: strOrNull(row.handover_id),
    referralId: strOrNull(row.referral_id),
    at: num(row.at),
    actor: String(row.actor),
    kind: String(row.kind),
    fromState: strOrNull(row.from_state),
    toState: strOrNull(row.to_state),
    reason: strOrNull(row.reason),
    data: json(row.data),
    chain: strOrNull(row.chain),
    chainSeq: numOrNull(row.chain_seq),
    row: json(row.row_facts),
    prevHash: String(row.prev_hash),
    hash: String(row.hash),
  };
}

/** What an attempt's audit event holds: the whole row, so verify can compare the two. */
export function attemptEventData(a: AttemptRecord) {
  return {
    id: a.id,
    handoverId: a.handoverId,
    attemptNo: a.attemptNo,
    destination: a.destination,
    claimToken: a.claimToken,
    startedAt: a.startedAt,
    finishedAt: a.finishedAt,
    durationMs: a.durationMs,
    outcome: a.outcome,
    statusCode: a.statusCode,
    errorClass: a.errorClass,
    requestHash: a.requestHash,
    responseDigest: a.responseDigest,
    detail: a.detail,
  };
}

/** What an acknowledgement's audit event holds: the whole row. */
export function ackEventData(a: AckRecord) {
  return {
    id: a.id,
    handoverId: a.handoverId,
    destination: a.destination,
    source: a.source,
    status: a.status,
    reference: a.reference,
    reason: a.reason,
    applied: a.applied,
    note: a.note,
    webhookId: a.webhookId,
    receivedAt: a.receivedAt,
  };
}
