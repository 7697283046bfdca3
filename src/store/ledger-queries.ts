/**
 * The ledger's other tables' queries, each named for what it does: referrals, delivery
 * attempts, acknowledgements and the webhook-ids of callbacks already taken.
 */
import { chainHeadColumns } from './audit-queries.js';

export const SELECT_REFERRAL_BY_REPORT_ID = 'SELECT * FROM referrals WHERE report_id = ?';

/** The referral, returned as inserted (intake answers with it: no read-back). */
export const INSERT_REFERRAL = `INSERT INTO referrals (id, report_id, body_hash, classification, reported_at, referred_by, created_at, created_by, source, partner_hotline, country_assignment_date)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`;

/** The attempt's id, and the head of its handover's chain (send it with the handover locked). */
export const INSERT_ATTEMPT = `INSERT INTO delivery_attempts (handover_id, attempt_no, destination, claim_token, started_at, finished_at, duration_ms, outcome, status_code, error_class, request_hash, response_digest, detail)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, ${chainHeadColumns('delivery_attempts.handover_id')}`;

export const SELECT_ATTEMPTS_OF_HANDOVER = 'SELECT * FROM delivery_attempts WHERE handover_id = ? ORDER BY id';

/**
 * Per destination: when it last took a handover and last failed, and how many attempts started
 * at or after the bound (params: it twice) and how many of those failed. Outcomes other than
 * delivered and skipped mean the destination did not take the handover.
 */
export const SUMMARISE_ATTEMPTS_BY_DESTINATION = `SELECT destination,
    MAX(CASE WHEN outcome = 'delivered' THEN COALESCE(finished_at, started_at) END) AS last_success_at,
    MAX(CASE WHEN outcome NOT IN ('delivered', 'skipped') THEN COALESCE(finished_at, started_at) END) AS last_failure_at,
    SUM(CASE WHEN started_at >= ? THEN 1 ELSE 0 END) AS recent_attempts,
    SUM(CASE WHEN started_at >= ? AND outcome NOT IN ('delivered', 'skipped') THEN 1 ELSE 0 END) AS recent_failures
  FROM delivery_attempts GROUP BY destination ORDER BY destination`;

export const SELECT_LAST_FAILURE_CLASS = `SELECT error_class FROM delivery_attempts WHERE destination = ? AND outcome NOT IN ('delivered', 'skipped')
  ORDER BY COALESCE(finished_at, started_at) DESC, id DESC LIMIT 1`;

/** The acknowledgement's id, and the head of its handover's chain (null when it names none). */
export const INSERT_ACK = `INSERT INTO acknowledgements (handover_id, destination, source, status, reference, reason, applied, note, webhook_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  RETURNING id, ${chainHeadColumns('acknowledgements.handover_id')}`;

export const SELECT_ACKS_OF_HANDOVER = 'SELECT * FROM acknowledgements WHERE handover_id = ? ORDER BY id';

export const INSERT_WEBHOOK_RECEIPT = 'INSERT INTO webhook_receipts (destination, webhook_id, received_at) VALUES (?, ?, ?)';
