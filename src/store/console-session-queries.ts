/** The console's server-side sessions (migration 0012), each query named for what it does. */

export const INSERT_CONSOLE_SESSION = `INSERT INTO console_sessions (id, key_name, key_tag, role, issued_at, seen_at, ended_at, end_reason, draft)
  VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, ?)`;

export const SELECT_CONSOLE_SESSION = 'SELECT * FROM console_sessions WHERE id = ?';

/** Renews a live session's last use (never an ended one, never backwards). */
export const TOUCH_CONSOLE_SESSION = 'UPDATE console_sessions SET seen_at = ? WHERE id = ? AND ended_at IS NULL AND seen_at < ?';

export const CLEAR_CONSOLE_SESSION_DRAFT = 'UPDATE console_sessions SET draft = NULL WHERE id = ?';

export const END_CONSOLE_SESSION = 'UPDATE console_sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL';

export const SELECT_LIVE_CONSOLE_SESSIONS = 'SELECT * FROM console_sessions WHERE ended_at IS NULL ORDER BY issued_at';

/** Forgets sessions issued before the given time: by then each has ended, one way or the other. */
export const PRUNE_CONSOLE_SESSIONS = 'DELETE FROM console_sessions WHERE issued_at < ?';
