-- Console sign-ins, kept on the server: signing out, or removing or changing the key, ends a
-- session at once, and a cookie saved earlier opens nothing afterwards. The cookie carries a
-- random id; this table holds only its SHA-256 (id), so reading the table hands no one a session.
-- draft: a form the person had filled in when their previous session ran out, kept across the
-- sign-in and cleared once shown again.
CREATE TABLE console_sessions (
  id          TEXT    PRIMARY KEY,
  key_name    TEXT    NOT NULL,
  key_tag     TEXT    NOT NULL,
  role        TEXT    NOT NULL,
  issued_at   INTEGER NOT NULL,
  seen_at     INTEGER NOT NULL,
  ended_at    INTEGER,
  end_reason  TEXT,
  draft       TEXT
);
CREATE INDEX console_sessions_key ON console_sessions (key_name);
CREATE INDEX console_sessions_issued ON console_sessions (issued_at);

-- The console's search. host_key is the URL's host with its labels reversed and a final dot
-- (`img.host.example` is `example.host.img.`), so one index range finds a host and every name
-- under it; rows written before this migration get theirs when the store starts (computed in
-- code, like url_key). Byte order is what makes the range right: SQLite compares text so.
ALTER TABLE handovers ADD COLUMN host_key TEXT;
CREATE INDEX handovers_host_key ON handovers (host_key, seq);
-- A short id is the last 8 hex digits of the handover id (the random end of a UUID v7).
CREATE INDEX handovers_short_id ON handovers (substr(id, 29));
-- Report ids are found whatever their case.
CREATE INDEX referrals_report_id_lower ON referrals (lower(report_id));
-- The review and failed queues, longest waiting first (a handover's last change is when it began to wait).
CREATE INDEX handovers_state_updated ON handovers (state, updated_at);
