-- Per-handover audit chains and signed checkpoints (issue #11).
-- Each new event links to the previous event of its own chain (the handover's id, or
-- 'unattached' for events outside any handover), numbered by chain_seq from 1; row_facts is
-- what the handover row held right after it. Events written before this migration keep
-- chain = NULL: they are the legacy global chain, ended by the now frozen audit_head, and the
-- first checkpoint seals them as its own segment.
ALTER TABLE audit_events ADD COLUMN chain TEXT;
ALTER TABLE audit_events ADD COLUMN chain_seq INTEGER;
ALTER TABLE audit_events ADD COLUMN row_facts TEXT;
CREATE UNIQUE INDEX audit_events_chain ON audit_events(chain, chain_seq);

-- Signed checkpoints: the Merkle root of the events in (from_seq, to_seq], linked to the
-- previous checkpoint by its hash, signed with Ed25519. The same lines go to
-- AUDIT_CHECKPOINT_FILE, outside the database.
CREATE TABLE audit_checkpoints (
  id          INTEGER PRIMARY KEY,
  from_seq    INTEGER NOT NULL,
  to_seq      INTEGER NOT NULL,
  size        INTEGER NOT NULL,
  root        TEXT NOT NULL,
  prev        TEXT NOT NULL,
  at          INTEGER NOT NULL,
  key_id      TEXT NOT NULL,
  signature   TEXT NOT NULL,
  hash        TEXT NOT NULL,
  public_key  TEXT NOT NULL
);

-- A second wall: INSERT OR REPLACE deletes the row it collides with without firing the delete
-- triggers, so an insert that would collide is refused before it happens.
CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events
WHEN EXISTS (SELECT 1 FROM audit_events WHERE seq = NEW.seq)
  OR (NEW.chain IS NOT NULL AND EXISTS (SELECT 1 FROM audit_events WHERE chain = NEW.chain AND chain_seq = NEW.chain_seq))
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_replace BEFORE INSERT ON audit_checkpoints
WHEN EXISTS (SELECT 1 FROM audit_checkpoints WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

-- The legacy head no longer moves: it marks where the legacy chain ends.
CREATE TRIGGER audit_head_frozen_update BEFORE UPDATE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the legacy audit head is frozen'); END;
CREATE TRIGGER audit_head_frozen_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'the legacy audit head is frozen'); END;
CREATE TRIGGER audit_head_no_replace BEFORE INSERT ON audit_head
BEGIN SELECT RAISE(ABORT, 'the legacy audit head is frozen'); END;

-- Attempts and acknowledgements are records of what happened: never rewritten.
CREATE TRIGGER delivery_attempts_no_update BEFORE UPDATE ON delivery_attempts
BEGIN SELECT RAISE(ABORT, 'delivery attempts are append-only'); END;
CREATE TRIGGER delivery_attempts_no_delete BEFORE DELETE ON delivery_attempts
BEGIN SELECT RAISE(ABORT, 'delivery attempts are append-only'); END;
CREATE TRIGGER delivery_attempts_no_replace BEFORE INSERT ON delivery_attempts
WHEN EXISTS (SELECT 1 FROM delivery_attempts WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'delivery attempts are append-only'); END;
CREATE TRIGGER acknowledgements_no_update BEFORE UPDATE ON acknowledgements
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;
CREATE TRIGGER acknowledgements_no_delete BEFORE DELETE ON acknowledgements
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;
CREATE TRIGGER acknowledgements_no_replace BEFORE INSERT ON acknowledgements
WHEN EXISTS (SELECT 1 FROM acknowledgements WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'acknowledgements are append-only'); END;

-- Attempts and acknowledgements recorded before this migration have no event of their own in
-- any chain; verify checks those after these ids only.
CREATE TABLE audit_legacy_extent (
  name     TEXT PRIMARY KEY,
  last_id  INTEGER NOT NULL
);
INSERT INTO audit_legacy_extent (name, last_id) SELECT 'delivery_attempts', COALESCE(MAX(id), 0) FROM delivery_attempts;
INSERT INTO audit_legacy_extent (name, last_id) SELECT 'acknowledgements', COALESCE(MAX(id), 0) FROM acknowledgements;
CREATE TRIGGER audit_legacy_extent_frozen_update BEFORE UPDATE ON audit_legacy_extent
BEGIN SELECT RAISE(ABORT, 'the legacy extent is frozen'); END;
CREATE TRIGGER audit_legacy_extent_frozen_delete BEFORE DELETE ON audit_legacy_extent
BEGIN SELECT RAISE(ABORT, 'the legacy extent is frozen'); END;
CREATE TRIGGER audit_legacy_extent_frozen_insert BEFORE INSERT ON audit_legacy_extent
WHEN (SELECT COUNT(*) FROM audit_legacy_extent) >= 2
BEGIN SELECT RAISE(ABORT, 'the legacy extent is frozen'); END;
