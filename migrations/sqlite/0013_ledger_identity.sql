-- The ledger's own id, made once by the first process that asks for it. The audit checkpoint
-- file names it in its first line, so a file written for another database is refused at
-- start-up instead of silently disagreeing with this one.
CREATE TABLE ledger_identity (
  singleton  INTEGER NOT NULL PRIMARY KEY CHECK (singleton = 1),
  ledger_id  TEXT    NOT NULL,
  created_at BIGINT  NOT NULL
);
