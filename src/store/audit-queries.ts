/**
 * The audit trail's queries, each named for what it does: appending chained events, reading a
 * chain's head, and sealing and listing checkpoints. (audit-trail-check.ts reads the trail for
 * `audit verify` with queries of its own.)
 */
import type { Query } from './sql-driver.js';

const AUDIT_EVENT_COLUMNS = 'handover_id, referral_id, at, actor, kind, from_state, to_state, reason, data, prev_hash, hash, chain, chain_seq, row_facts';
/** How many values each row of insertAuditEvents holds, in AUDIT_EVENT_COLUMNS order. */
const AUDIT_EVENT_ARITY = 14;

/** Appends every row in one statement (rows: AUDIT_EVENT_ARITY values each). */
export function insertAuditEvents(rows: readonly (readonly unknown[])[]): Query {
  const row = `(${Array.from({ length: AUDIT_EVENT_ARITY }, () => '?').join(', ')})`;
  return { sql: `INSERT INTO audit_events (${AUDIT_EVENT_COLUMNS}) VALUES ${rows.map(() => row).join(', ')}`, params: rows.flat() };
}

export const SELECT_CHAIN_HEAD = 'SELECT chain_seq, hash FROM audit_events WHERE chain = ? ORDER BY chain_seq DESC LIMIT 1';

/**
 * A chain's head as two more columns (head_seq, head_hash; null for a chain with no event) of
 * a statement the writer sends anyway — an UPDATE or INSERT ... RETURNING on the handover's
 * row or one of its rows — saving the separate SELECT_CHAIN_HEAD. `chainOf` is the SQL
 * naming the chain, e.g. `handovers.id`. Only in a statement sent after the handover's row
 * was locked: on PostgreSQL a statement sees what was committed when it began, and a SELECT
 * that waited for the lock began before the previous holder committed its event.
 */
export function chainHeadColumns(chainOf: string): string {
  const newest = (column: string) => `(SELECT ${column} FROM audit_events WHERE chain = ${chainOf} ORDER BY chain_seq DESC LIMIT 1)`;
  return `${newest('chain_seq')} AS head_seq, ${newest('hash')} AS head_hash`;
}

export const SELECT_AUDIT_EVENTS_OF_HANDOVER = 'SELECT * FROM audit_events WHERE handover_id = ? ORDER BY seq';

export const SELECT_CHECKPOINTS = 'SELECT * FROM audit_checkpoints ORDER BY id';

export const SELECT_LAST_CHECKPOINT = 'SELECT * FROM audit_checkpoints ORDER BY id DESC LIMIT 1';

/** Where the single global chain of a ledger from before per-handover chains ended. */
export const SELECT_LEGACY_HEAD_SEQ = 'SELECT seq FROM audit_head WHERE id = 1';

export const SELECT_MAX_AUDIT_SEQ = 'SELECT MAX(seq) AS m FROM audit_events';

/** How many events a checkpoint reads per round trip while it folds them into its tree. */
export const CHECKPOINT_PAGE_SIZE = 10_000;

/** The next page of a checkpoint's range (params: after seq, up to seq, page size). */
export const SELECT_CHECKPOINT_ENTRIES_PAGE = 'SELECT seq, chain, chain_seq, hash FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?';

export const INSERT_CHECKPOINT =
  'INSERT INTO audit_checkpoints (id, from_seq, to_seq, size, root, prev, at, key_id, signature, hash, public_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

/** The ledger's id (migration 0013): one row, made once; the first writer of any replica wins. */
export const INSERT_LEDGER_ID = 'INSERT INTO ledger_identity (singleton, ledger_id, created_at) VALUES (1, ?, ?) ON CONFLICT (singleton) DO NOTHING';
export const SELECT_LEDGER_ID = 'SELECT ledger_id FROM ledger_identity WHERE singleton = 1';
