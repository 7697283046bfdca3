/**
 * The queries of one live case per URL (issue #15), each named for what it does. A handover
 * carries its URL by holding the URL's key in `live_url_key`, under a unique index.
 */
import { OVER_STATES } from '../domain/handover-states.js';
import type { RowLocking } from './sql-driver.js';

const OVER_IN = OVER_STATES.map((s) => `'${s}'`).join(', ');

/**
 * Whether any handover has carried the URL: asked first, since most referred URLs are new and
 * this is an index probe, where the ordered look-up below costs several times more on SQLite
 * even when it finds nothing.
 */
export const SELECT_URL_KEY_KNOWN = 'SELECT 1 AS known FROM handovers WHERE url_key = ? LIMIT 1';

/** The URL's most recent case that is over (what a new case reappears after). */
export const SELECT_LATEST_OVER_CASE_OF_URL = `SELECT id, state, referral_id FROM handovers WHERE url_key = ? AND state IN (${OVER_IN}) ORDER BY seq DESC LIMIT 1`;

/**
 * The columns every referred URL's row starts with (see rowOf in url-claims.ts): a back-office
 * URL leaves the partner item's three NULL.
 */
const REFERRED_URL_COLUMNS =
  'id, referral_id, position, url, reported_url, content_type, url_key, host_key, inbound_content_id, partner_assessment, own_classification';
const REFERRED_URL_VALUES = '?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?';

/**
 * A new case (in `locating`, or `awaiting_assessment` for a partner item) taking the URL's live
 * key, returned as inserted (intake answers with it: no read-back); inserts and returns nothing
 * when another holds the key.
 */
export const INSERT_CASE_TAKING_URL = `INSERT INTO handovers (${REFERRED_URL_COLUMNS}, state, live_url_key, reappearance_of, created_at, updated_at)
  VALUES (${REFERRED_URL_VALUES}, ?, ?, ?, ?, ?) ON CONFLICT (live_url_key) DO NOTHING RETURNING *`;

/** The handover holding the URL's live key, locked so it cannot become over before the link to it commits. */
export const lockLiveHolderOfUrl = (locking: RowLocking) => locking.forUpdate('SELECT id, state, referral_id FROM handovers WHERE live_url_key = ?');

/** A duplicate entry linked to the URL's live holder, returned as inserted. */
export const INSERT_DUPLICATE = `INSERT INTO handovers (${REFERRED_URL_COLUMNS}, state, duplicate_of, created_at, updated_at)
  VALUES (${REFERRED_URL_VALUES}, 'duplicate', ?, ?, ?) RETURNING *`;

/** The handover holding a URL's live key, other than the given one (params: key, id). */
export const SELECT_OTHER_LIVE_HOLDER = 'SELECT id FROM handovers WHERE live_url_key = ? AND id <> ?';

export const DROP_LIVE_URL_KEY = 'UPDATE handovers SET live_url_key = NULL WHERE id = ?';

/** Sets the URL's key and live key (params: key, live key or null, id). */
export const SET_URL_KEYS = 'UPDATE handovers SET url_key = ?, live_url_key = ? WHERE id = ?';

/** A duplicate becomes a case in `locating` (params: split at, updated at, key, live key or null, id). */
export const SPLIT_DUPLICATE = `UPDATE handovers SET state = 'locating', split_at = ?, updated_at = ?, url_key = ?, live_url_key = ? WHERE id = ?`;

export const SELECT_STATE_AND_REFERRAL = 'SELECT state, referral_id FROM handovers WHERE id = ?';

/** A linked successor in `locating` taking the URL's live key; inserts nothing when another holds it. */
export const INSERT_SUCCESSOR_TAKING_URL = `INSERT INTO handovers (id, referral_id, position, url, content_type, state, parent_id, url_key, host_key, live_url_key, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, 'locating', ?, ?, ?, ?, ?, ?) ON CONFLICT (live_url_key) DO NOTHING`;

export const INSERT_SUCCESSOR_WITHOUT_URL = `INSERT INTO handovers (id, referral_id, position, url, content_type, state, parent_id, url_key, host_key, live_url_key, created_at, updated_at)
  VALUES (?, ?, ?, ?, ?, 'locating', ?, ?, ?, NULL, ?, ?)`;

/** The next rows written before migration 0008, which have no URL key yet. */
export const SELECT_UNKEYED_PAGE = 'SELECT id, url, state FROM handovers WHERE url_key IS NULL ORDER BY seq LIMIT 500';

export const SELECT_LIVE_KEY_TAKEN = 'SELECT 1 AS taken FROM handovers WHERE live_url_key = ?';

/** The next rows written before migration 0012, which have no host search key yet. */
export const SELECT_HOST_UNKEYED_PAGE = 'SELECT id, url FROM handovers WHERE host_key IS NULL ORDER BY seq LIMIT 500';

export const SET_HOST_KEY = 'UPDATE handovers SET host_key = ? WHERE id = ?';
