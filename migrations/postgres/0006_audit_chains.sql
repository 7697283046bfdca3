-- Per-handover audit chains and signed checkpoints (issue #11).
-- Each new event links to the previous event of its own chain (the handover's id, or
-- 'unattached' for events outside any handover), numbered by chain_seq from 1; row_facts is
-- what the handover row held right after it. Events written before this migration keep
-- chain = NULL: they are the legacy global chain, ended by the now frozen audit_head, and the
-- first checkpoint seals them as its own segment. The global seq now comes from a sequence,
-- so writers of different handovers no longer wait on one head row.
ALTER TABLE audit_events ADD COLUMN chain TEXT, ADD COLUMN chain_seq BIGINT, ADD COLUMN row_facts TEXT;
CREATE UNIQUE INDEX audit_events_chain ON audit_events(chain, chain_seq);
CREATE SEQUENCE audit_events_seq OWNED BY audit_events.seq;
SELECT setval('audit_events_seq', COALESCE((SELECT MAX(seq) FROM audit_events), 0) + 1, false);
ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT nextval('audit_events_seq');

-- Signed checkpoints: the Merkle root of the events in (from_seq, to_seq], linked to the
-- previous checkpoint by its hash, signed with Ed25519. The same lines go to
-- AUDIT_CHECKPOINT_FILE, outside the database.
CREATE TABLE audit_checkpoints (
  id          BIGINT PRIMARY KEY,
  from_seq    BIGINT NOT NULL,
  to_seq      BIGINT NOT NULL,
  size        BIGINT NOT NULL,
  root        TEXT NOT NULL,
  prev        TEXT NOT NULL,
  at          BIGINT NOT NULL,
  key_id      TEXT NOT NULL,
  signature   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  public_key  TEXT NOT NULL
);

CREATE FUNCTION audit_records_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END;
$$ LANGUAGE plpgsql;

-- A second wall: TRUNCATE fires no row trigger, so it is refused on its own.
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
-- The legacy head no longer moves: it marks where the legacy chain ends.
CREATE TRIGGER audit_head_frozen BEFORE INSERT OR UPDATE OR DELETE ON audit_head
FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
-- Attempts and acknowledgements are records of what happened: never rewritten.
CREATE TRIGGER delivery_attempts_no_change BEFORE UPDATE OR DELETE ON delivery_attempts
FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER delivery_attempts_no_truncate BEFORE TRUNCATE ON delivery_attempts
FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER acknowledgements_no_change BEFORE UPDATE OR DELETE ON acknowledgements
FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER acknowledgements_no_truncate BEFORE TRUNCATE ON acknowledgements
FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();

-- Attempts and acknowledgements recorded before this migration have no event of their own in
-- any chain; verify checks those after these ids only.
CREATE TABLE audit_legacy_extent (
  name     TEXT PRIMARY KEY,
  last_id  BIGINT NOT NULL
);
INSERT INTO audit_legacy_extent (name, last_id) SELECT 'delivery_attempts', COALESCE(MAX(id), 0) FROM delivery_attempts;
INSERT INTO audit_legacy_extent (name, last_id) SELECT 'acknowledgements', COALESCE(MAX(id), 0) FROM acknowledgements;
CREATE TRIGGER audit_legacy_extent_frozen BEFORE INSERT OR UPDATE OR DELETE ON audit_legacy_extent
FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();
CREATE TRIGGER audit_legacy_extent_no_truncate BEFORE TRUNCATE ON audit_legacy_extent
FOR EACH STATEMENT EXECUTE FUNCTION audit_records_append_only();
