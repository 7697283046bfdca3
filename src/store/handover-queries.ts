/**
 * The handovers table's queries, each named for what it does (the ledger's cases: reads,
 * patches, delivery claims, poll marks). Constants are fixed texts; functions build a text from
 * their arguments, and those that lock rows take the driver's RowLocking to say how.
 */
import { hostingAsnOf, type HostingEvidence } from '../domain/evidence.js';
import type { HandoverState } from '../domain/handover-states.js';
import { chainHeadColumns } from './audit-queries.js';
import type { Query, RowLocking } from './sql-driver.js';
import { PATCHABLE_HANDOVER_FIELDS, type HandoverFilter, type HandoverPatch, type HandoverQuery } from './store.js';

/** The referral's columns a handover record carries, by the name they are selected as. */
const REFERRAL_COLUMNS: Record<string, string> = {
  report_id: 'r.report_id',
  classification: 'r.classification',
  referred_by: 'r.referred_by',
  reported_at: 'r.reported_at',
  referral_created_at: 'r.created_at',
  referral_created_by: 'r.created_by',
  source: 'r.source',
  partner_hotline: 'r.partner_hotline',
  country_assignment_date: 'r.country_assignment_date',
};

/** Names of the referral's columns in a handover row (what an UPDATE of handovers cannot return). */
const REFERRAL_COLUMN_NAMES: readonly string[] = Object.keys(REFERRAL_COLUMNS);

type Row = Record<string, unknown>;

/** The referral's columns of a handover row, by the names they are selected as, from a referrals row. */
export function referralColumnsOf(referral: Row): Row {
  return Object.fromEntries(Object.entries(REFERRAL_COLUMNS).map(([name, column]) => [name, referral[column.slice('r.'.length)]]));
}

/**
 * A handovers row as INSERT or UPDATE … RETURNING gives it, completed with its referral's
 * columns taken from `joined` (a row selected with them, or referralColumnsOf), for toHandover.
 */
export function withReferralColumns(row: Row, joined: Row): Row {
  const complete: Row = { ...row };
  for (const name of REFERRAL_COLUMN_NAMES) complete[name] = joined[name];
  return complete;
}

/** The SELECT list for handovers `h` joined with their referral `r` (see toHandover). */
export const HANDOVER_COLUMNS = `h.*, ${Object.entries(REFERRAL_COLUMNS)
  .map(([name, column]) => `${column} AS ${name}`)
  .join(', ')}`;
export const HANDOVER_FROM = `handovers h JOIN referrals r ON r.id = h.referral_id`;
const SELECT_HANDOVERS = `SELECT ${HANDOVER_COLUMNS} FROM ${HANDOVER_FROM}`;

export const SELECT_HANDOVER_BY_ID = `${SELECT_HANDOVERS} WHERE h.id = ?`;

/** The handover, its row locked until the transaction ends (its referral row is left alone). */
export const lockHandoverById = (locking: RowLocking) => locking.forUpdate(SELECT_HANDOVER_BY_ID, 'h');

export const SELECT_HANDOVERS_OF_REFERRAL = `${SELECT_HANDOVERS} WHERE h.referral_id = ? ORDER BY h.position, h.seq`;

/** The content ids of a partner report's items already recorded (params: the referral's id). */
export const SELECT_INBOUND_CONTENT_IDS = 'SELECT inbound_content_id FROM handovers WHERE referral_id = ? AND inbound_content_id IS NOT NULL';

export const SELECT_SUCCESSORS = `${SELECT_HANDOVERS} WHERE h.parent_id = ? ORDER BY h.seq`;

/** Duplicates and reappearances of one handover (params: its id twice). */
export const SELECT_URL_LINKS = `${SELECT_HANDOVERS} WHERE h.duplicate_of = ? OR h.reappearance_of = ? ORDER BY h.seq`;

export const SELECT_URL_REPEATS = `SELECT h.duplicate_of, h.created_at, h.split_at, e.state AS earlier_state
  FROM handovers h LEFT JOIN handovers e ON e.id = h.reappearance_of
  WHERE (h.duplicate_of IS NOT NULL OR h.reappearance_of IS NOT NULL) AND h.created_at >= ? AND h.created_at < ?
  ORDER BY h.seq`;

export const COUNT_HANDOVERS_OF_REFERRAL = 'SELECT COUNT(*) AS n FROM handovers WHERE referral_id = ?';

export const COUNT_BY_STATE_AND_DESTINATION = 'SELECT state, destination, COUNT(*) AS n FROM handovers GROUP BY state, destination ORDER BY state, destination';

export const COUNT_OVERDUE_BY_DESTINATION =
  'SELECT destination, COUNT(*) AS n FROM handovers WHERE overdue_at IS NOT NULL AND destination IS NOT NULL GROUP BY destination ORDER BY destination';

/** The handover now carrying the URL of the given one (why that one could not go live again). */
export const SELECT_LIVE_HOLDER_OF_URL_OF = 'SELECT o.id FROM handovers o JOIN handovers h ON h.url_key = o.live_url_key WHERE h.id = ?';

/**
 * Due `routed` handovers of a destination, oldest due first, skipping rows another claimer
 * holds: whole handover rows, locked (their referrals left alone), so the claim reads each once.
 */
export const selectDueForClaim = (locking: RowLocking) =>
  locking.forUpdateSkipLocked(
    `${SELECT_HANDOVERS} WHERE h.state = 'routed' AND h.destination = ? AND h.next_attempt_at <= ? ORDER BY h.next_attempt_at, h.seq LIMIT ?`,
    'h',
  );

/** The console's search by short id: the last 8 hex digits of the id (an expression index holds them). */
export const SELECT_HANDOVERS_BY_SHORT_ID = `${SELECT_HANDOVERS} WHERE substr(h.id, 29) = ? ORDER BY h.seq DESC LIMIT ?`;

/** The console's search by host: one range of host keys (src/domain/host-search-key.ts), each host's newest first. */
export const SELECT_HANDOVERS_BY_HOST_KEY = `${SELECT_HANDOVERS} WHERE h.host_key >= ? AND h.host_key < ? ORDER BY h.host_key, h.seq DESC LIMIT ?`;

/** The handovers of the referral whose report id is this, whatever its case (lower-cased; an expression index). */
export const SELECT_HANDOVERS_BY_REPORT_ID = `${SELECT_HANDOVERS} WHERE lower(r.report_id) = ? ORDER BY h.position, h.seq LIMIT ?`;

/**
 * The handovers of the newest referrals whose report id holds the text (a LIKE pattern on the
 * lower-cased id, `!` escaping): a scan of the referrals only, which are far fewer than handovers.
 */
export const SELECT_HANDOVERS_BY_REPORT_ID_PART = `${SELECT_HANDOVERS} WHERE h.referral_id IN (
    SELECT id FROM referrals WHERE lower(report_id) LIKE ? ESCAPE '!' ORDER BY created_at DESC LIMIT ?
  ) ORDER BY r.created_at DESC, h.position, h.seq LIMIT ?`;

/** The list view's page: filters, after the cursor, oldest first. */
export function listHandovers(filter: HandoverFilter): Query {
  const where: string[] = ['h.seq > ?'];
  const params: unknown[] = [filter.afterSeq ?? 0];
  if (filter.state) {
    where.push('h.state = ?');
    params.push(filter.state);
  }
  if (filter.destination) {
    where.push('h.destination = ?');
    params.push(filter.destination);
  }
  if (filter.country) {
    where.push('h.country = ?');
    params.push(filter.country);
  }
  if (filter.overdue !== undefined) where.push(filter.overdue ? 'h.overdue_at IS NOT NULL' : 'h.overdue_at IS NULL');
  params.push(filter.limit);
  return { sql: `${SELECT_HANDOVERS} WHERE ${where.join(' AND ')} ORDER BY h.seq LIMIT ?`, params };
}

/** A scheduled job's selection (null when it asks for no state at all: nothing matches). */
export function findHandovers(q: HandoverQuery): Query | null {
  if (q.states.length === 0) return null;
  const where: string[] = [`h.state IN (${placeholders(q.states.length)})`];
  const params: unknown[] = [...q.states];
  const bound = (sql: string, value: unknown) => {
    where.push(sql);
    params.push(value);
  };
  if (q.destination) bound('h.destination = ?', q.destination);
  if (q.dueBy !== undefined) bound('(h.next_attempt_at IS NULL OR h.next_attempt_at <= ?)', q.dueBy);
  if (q.leaseExpiredBy !== undefined) bound('h.lease_expires_at <= ?', q.leaseExpiredBy);
  if (q.createdBefore !== undefined) bound('h.created_at <= ?', q.createdBefore);
  if (q.deliveredBefore !== undefined) bound('h.delivered_at <= ?', q.deliveredBefore);
  if (q.acknowledgedBefore !== undefined) bound('h.acknowledged_at <= ?', q.acknowledgedBefore);
  if (q.lastPolledBefore !== undefined) bound('(h.last_polled_at IS NULL OR h.last_polled_at <= ?)', q.lastPolledBefore);
  if (q.recheckedBefore !== undefined) bound('(h.rechecked_at IS NULL OR h.rechecked_at <= ?)', q.recheckedBefore);
  if (q.locatedBefore !== undefined) bound('h.located_at <= ?', q.locatedBefore);
  if (q.updatedBefore !== undefined) bound('h.updated_at <= ?', q.updatedBefore);
  if (q.notOverdue) where.push('h.overdue_at IS NULL');
  if (q.notResent) where.push('h.resent_at IS NULL');
  if (q.noSuccessor) where.push('NOT EXISTS (SELECT 1 FROM handovers s WHERE s.parent_id = h.id)');
  // Written as the partial index handovers_inbound_open is, so the planner can use it.
  if (q.inboundOpen) where.push('h.inbound_content_id IS NOT NULL AND h.inbound_done_at IS NULL');
  // A partner item's first message to ICCAM is always its claim (our reference).
  if (q.partnerItemsClaimed) where.push('(h.inbound_content_id IS NULL OR h.iccam_told IS NOT NULL)');
  params.push(q.limit);
  const order = q.order === 'least-recently-polled' ? 'COALESCE(h.last_polled_at, 0), h.seq' : q.order === 'longest-waiting' ? 'h.updated_at, h.seq' : 'h.seq';
  return { sql: `${SELECT_HANDOVERS} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`, params };
}

const PATCHABLE = new Set<string>(PATCHABLE_HANDOVER_FIELDS);
const JSON_FIELDS = new Set<string>(['evidence', 'decision', 'ownClassification', 'hotlineAssessment', 'iccamTold']);

/** The column a patchable field is stored in: its name in snake_case. */
const columnOf = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * Sets the state and the patch's fields (JSON ones serialised, the hosting network with the
 * evidence) on the given handovers. A routed handover always gets
 * a due time (now, when nobody set one): the claim query can then walk the
 * (state, destination, next_attempt_at) index instead of sorting. Returns the row as it now
 * stands with its audit chain's head (chainHeadColumns), so the writer reads neither again;
 * the referral's columns are not in it (see REFERRAL_COLUMN_NAMES). Send it only with the row
 * already locked.
 */
export function patchHandover(ids: readonly string[], state: HandoverState, patch: HandoverPatch | undefined, now: number): Query {
  const assignments = ['state = ?', 'updated_at = ?'];
  const params: unknown[] = [state, now];
  const keepDueOrNow = state === 'routed' && (patch?.nextAttemptAt ?? null) === null;
  for (const [field, value] of Object.entries(patch ?? {})) {
    if (value === undefined || (keepDueOrNow && field === 'nextAttemptAt')) continue;
    if (!PATCHABLE.has(field)) throw new Error(`not a patchable handover field: ${field}`);
    assignments.push(`${columnOf(field)} = ?`);
    params.push(JSON_FIELDS.has(field) && value !== null ? JSON.stringify(value) : value);
    if (field === 'evidence') {
      // The hosting network is read from the evidence whenever it is written: the clock groups by it.
      assignments.push('hosting_asn = ?');
      params.push(hostingAsnOf(value as HostingEvidence | null));
    }
  }
  if (keepDueOrNow) {
    assignments.push('next_attempt_at = COALESCE(next_attempt_at, ?)');
    params.push(now);
  }
  return {
    sql: `UPDATE handovers SET ${assignments.join(', ')} WHERE id IN (${placeholders(ids.length)}) RETURNING *, ${chainHeadColumns('handovers.id')}`,
    params: [...params, ...ids],
  };
}

/**
 * Marks the given handovers polled at `now`, passing over rows another transaction holds and
 * locking the rest in id order. With `polledBefore`, only those not polled since then, and the
 * marked ids are returned.
 */
export function markPolled(locking: RowLocking, ids: readonly string[], now: number, polledBefore?: number): Query {
  const notSince = polledBefore === undefined ? '' : ' AND (last_polled_at IS NULL OR last_polled_at <= ?)';
  const select = locking.forUpdateSkipLocked(`SELECT id FROM handovers WHERE id IN (${placeholders(ids.length)})${notSince} ORDER BY id`);
  return {
    sql: `UPDATE handovers SET last_polled_at = ? WHERE id IN (${select})${polledBefore === undefined ? '' : ' RETURNING id'}`,
    params: [now, ...ids, ...(polledBefore === undefined ? [] : [polledBefore])],
  };
}

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');
