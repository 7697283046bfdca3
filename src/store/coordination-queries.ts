/**
 * The queries of what replicas share besides the ledger, each named for what it does: named
 * job leases, the ICCAM call gate and lookup lists (migration 0004), rate-limit counters.
 */
import type { RowLocking } from './sql-driver.js';

export const lockJobLease = (locking: RowLocking) => locking.forUpdate('SELECT holder, expires_at FROM job_leases WHERE name = ?');

export const INSERT_JOB_LEASE = 'INSERT INTO job_leases (name, holder, expires_at, last_run_at) VALUES (?, ?, ?, ?)';

export const TAKE_JOB_LEASE = 'UPDATE job_leases SET holder = ?, expires_at = ?, last_run_at = ? WHERE name = ?';

/** Expires the lease now, only if the caller still holds it. */
export const RELEASE_JOB_LEASE = 'UPDATE job_leases SET expires_at = 0 WHERE name = ? AND holder = ?';

export const lockIccamGate = (locking: RowLocking) => locking.forUpdate('SELECT holder, expires_at, not_before FROM iccam_gate WHERE id = 1');

export const TAKE_ICCAM_GATE = 'UPDATE iccam_gate SET holder = ?, expires_at = ? WHERE id = 1';

/** Lets the gate go and sets the earliest next call, only if the caller holds it. */
export const RELEASE_ICCAM_GATE = 'UPDATE iccam_gate SET holder = NULL, expires_at = 0, not_before = ? WHERE id = 1 AND holder = ?';

export const UPDATE_LOOKUP_LIST = 'UPDATE iccam_lookup_lists SET entries = ?, fetched_at = ? WHERE list = ?';

export const INSERT_LOOKUP_LIST = 'INSERT INTO iccam_lookup_lists (list, entries, fetched_at) VALUES (?, ?, ?)';

export const SELECT_LOOKUP_LISTS = 'SELECT list, entries, fetched_at FROM iccam_lookup_lists';

/** One statement in both dialects: the upsert is atomic, so two replicas never lose a hit. */
export const COUNT_RATE_LIMIT_HIT = `INSERT INTO rate_limit_counters (limit_key, window_start, hits) VALUES (?, ?, 1)
  ON CONFLICT (limit_key, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
  RETURNING hits`;

export const SELECT_RATE_LIMIT_HITS = 'SELECT hits FROM rate_limit_counters WHERE limit_key = ? AND window_start = ?';

export const PRUNE_RATE_LIMIT_COUNTERS = 'DELETE FROM rate_limit_counters WHERE window_start < ?';

/** When the last inbound import began (one row, migration 0010). */
export const SELECT_ICCAM_IMPORT_MARK = 'SELECT last_started_at FROM iccam_inbound_state WHERE id = 1';

export const UPDATE_ICCAM_IMPORT_MARK = 'UPDATE iccam_inbound_state SET last_started_at = ? WHERE id = 1';
