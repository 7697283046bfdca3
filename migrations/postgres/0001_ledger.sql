-- The handover ledger. Times are epoch milliseconds; JSON is stored as text.

CREATE TABLE referrals (
  id              TEXT PRIMARY KEY,
  report_id       TEXT NOT NULL UNIQUE,
  body_hash       TEXT NOT NULL,
  classification  TEXT NOT NULL,
  reported_at     BIGINT,
  created_at      BIGINT NOT NULL,
  created_by      TEXT NOT NULL
);

CREATE TABLE handovers (
  seq                  BIGSERIAL PRIMARY KEY,
  id                   TEXT NOT NULL UNIQUE,
  referral_id          TEXT NOT NULL REFERENCES referrals(id),
  position             BIGINT NOT NULL,
  url                  TEXT NOT NULL,
  content_type         TEXT,
  state                TEXT NOT NULL,
  destination          TEXT,
  country              TEXT,
  target_hotline       TEXT,
  assigned_country     TEXT,
  evidence             TEXT,
  decision             TEXT,
  located_at           BIGINT,
  locate_attempts      BIGINT NOT NULL DEFAULT 0,
  next_attempt_at      BIGINT,
  attempt_count        BIGINT NOT NULL DEFAULT 0,
  first_attempt_at     BIGINT,
  lease_token          TEXT,
  lease_expires_at     BIGINT,
  reference            TEXT,
  secondary_reference  TEXT,
  delivered_at         BIGINT,
  acknowledged_at      BIGINT,
  closed_at            BIGINT,
  last_polled_at       BIGINT,
  outcome              TEXT,
  failure_reason       TEXT,
  overdue_at           BIGINT,
  resent_at            BIGINT,
  rechecked_at         BIGINT,
  parent_id            TEXT REFERENCES handovers(id),
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL
);
CREATE INDEX handovers_referral ON handovers(referral_id, position);
CREATE INDEX handovers_state_due ON handovers(state, destination, next_attempt_at);
CREATE INDEX handovers_lease ON handovers(state, lease_expires_at);

CREATE TABLE delivery_attempts (
  id               BIGSERIAL PRIMARY KEY,
  handover_id      TEXT NOT NULL REFERENCES handovers(id),
  attempt_no       BIGINT NOT NULL,
  destination      TEXT NOT NULL,
  claim_token      TEXT NOT NULL,
  started_at       BIGINT NOT NULL,
  finished_at      BIGINT,
  duration_ms      BIGINT,
  outcome          TEXT NOT NULL,
  status_code      BIGINT,
  error_class      TEXT,
  request_hash     TEXT,
  response_digest  TEXT,
  detail           TEXT
);
CREATE INDEX delivery_attempts_handover ON delivery_attempts(handover_id, id);

CREATE TABLE acknowledgements (
  id           BIGSERIAL PRIMARY KEY,
  handover_id  TEXT,
  destination  TEXT NOT NULL,
  source       TEXT NOT NULL,
  status       TEXT NOT NULL,
  reference    TEXT,
  reason       TEXT,
  applied      BOOLEAN NOT NULL,
  note         TEXT,
  webhook_id   TEXT,
  received_at  BIGINT NOT NULL
);
CREATE INDEX acknowledgements_handover ON acknowledgements(handover_id, id);

-- Replay protection for signed callbacks: a webhook-id is accepted once per destination.
CREATE TABLE webhook_receipts (
  destination  TEXT NOT NULL,
  webhook_id   TEXT NOT NULL,
  received_at  BIGINT NOT NULL,
  PRIMARY KEY (destination, webhook_id)
);

-- One hash chain across the whole store; audit_head holds its end so removing the last
-- events is detected too.
CREATE TABLE audit_events (
  seq          BIGINT PRIMARY KEY,
  handover_id  TEXT,
  referral_id  TEXT,
  at           BIGINT NOT NULL,
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
  id    BIGINT PRIMARY KEY CHECK (id = 1),
  seq   BIGINT NOT NULL,
  hash  TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Scheduled jobs run once per period across processes: whoever holds the lease runs it.
CREATE TABLE job_leases (
  name         TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  expires_at   BIGINT NOT NULL,
  last_run_at  BIGINT
);

-- Audit events are append-only: the database itself refuses edits and deletions.
CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit events are append-only'; END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
