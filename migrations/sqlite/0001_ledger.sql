-- The handover ledger. Times are epoch milliseconds; JSON is stored as text.

CREATE TABLE referrals (
  id              TEXT PRIMARY KEY,
  report_id       TEXT NOT NULL UNIQUE,
  body_hash       TEXT NOT NULL,
  classification  TEXT NOT NULL,
  reported_at     INTEGER,
  created_at      INTEGER NOT NULL,
  created_by      TEXT NOT NULL
);

CREATE TABLE handovers (
  seq                  INTEGER PRIMARY KEY AUTOINCREMENT,
  id                   TEXT NOT NULL UNIQUE,
  referral_id          TEXT NOT NULL REFERENCES referrals(id),
  position             INTEGER NOT NULL,
  url                  TEXT NOT NULL,
  content_type         TEXT,
  state                TEXT NOT NULL,
  destination          TEXT,
  country              TEXT,
  target_hotline       TEXT,
  assigned_country     TEXT,
  evidence             TEXT,
  decision             TEXT,
  located_at           INTEGER,
  locate_attempts      INTEGER NOT NULL DEFAULT 0,
  next_attempt_at      INTEGER,
  attempt_count        INTEGER NOT NULL DEFAULT 0,
  first_attempt_at     INTEGER,
  lease_token          TEXT,
  lease_expires_at     INTEGER,
  reference            TEXT,
  secondary_reference  TEXT,
  delivered_at         INTEGER,
  acknowledged_at      INTEGER,
  closed_at            INTEGER,
  last_polled_at       INTEGER,
  outcome              TEXT,
  failure_reason       TEXT,
  overdue_at           INTEGER,
  resent_at            INTEGER,
  rechecked_at         INTEGER,
  parent_id            TEXT REFERENCES handovers(id),
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
);
CREATE INDEX handovers_referral ON handovers(referral_id, position);
CREATE INDEX handovers_state_due ON handovers(state, destination, next_attempt_at);
CREATE INDEX handovers_lease ON handovers(state, lease_expires_at);

CREATE TABLE delivery_attempts (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  handover_id      TEXT NOT NULL REFERENCES handovers(id),
  attempt_no       INTEGER NOT NULL,
  destination      TEXT NOT NULL,
  claim_token      TEXT NOT NULL,
  started_at       INTEGER NOT NULL,
  finished_at      INTEGER,
  duration_ms      INTEGER,
  outcome          TEXT NOT NULL,
  status_code      INTEGER,
  error_class      TEXT,
  request_hash     TEXT,
  response_digest  TEXT,
  detail           TEXT
);
CREATE INDEX delivery_attempts_handover ON delivery_attempts(handover_id, id);

CREATE TABLE acknowledgements (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  handover_id  TEXT,
  destination  TEXT NOT NULL,
  source       TEXT NOT NULL,
  status       TEXT NOT NULL,
  reference    TEXT,
  reason       TEXT,
  applied      INTEGER NOT NULL,
  note         TEXT,
  webhook_id   TEXT,
  received_at  INTEGER NOT NULL
);
CREATE INDEX acknowledgements_handover ON acknowledgements(handover_id, id);

-- Replay protection for signed callbacks: a webhook-id is accepted once per destination.
CREATE TABLE webhook_receipts (
  destination  TEXT NOT NULL,
  webhook_id   TEXT NOT NULL,
  received_at  INTEGER NOT NULL,
  PRIMARY KEY (destination, webhook_id)
);

-- One hash chain across the whole store; audit_head holds its end so removing the last
-- events is detected too.
CREATE TABLE audit_events (
  seq          INTEGER PRIMARY KEY,
  handover_id  TEXT,
  referral_id  TEXT,
  at           INTEGER NOT NULL,
  actor        TEXT NOT NULL,
  kind         TEXT NOT NULL,
  from_state   TEXT,
  to_state     TEXT,
  reason       TEXT,
  data         TEXT,
  prev_hash    TEXT NOT NULL,
  hash         TEXT NOT NULL
);
CREATE INDEX audit_events_handover ON audit_events(handover_id, seq);

CREATE TABLE audit_head (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   INTEGER NOT NULL,
  hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Scheduled jobs run once per period across processes: whoever holds the lease runs it.
CREATE TABLE job_leases (
  name         TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_run_at  INTEGER
);

-- Audit events are append-only: the database itself refuses edits and deletions.
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
