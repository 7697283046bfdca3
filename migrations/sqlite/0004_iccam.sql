-- ICCAM v3 (issue #9). Nothing here resets a handover: cases delivered under the earlier
-- report shape keep their references (ICCAM report id and content id) and are polled as before.

-- The analyst who referred the report (sent to ICCAM as reporting and assessing analyst).
ALTER TABLE referrals ADD COLUMN referred_by TEXT;

-- Where the correction of ICCAM's country assignment stands for a delivered case:
-- NULL (not needed or not yet looked at), 'hosting-corrected' (first PUT done), 'assigned' (second PUT done).
ALTER TABLE handovers ADD COLUMN iccam_assignment TEXT;

-- ICCAM's lookup lists ([{ id, name }] per list), as last read from ICCAM.
CREATE TABLE iccam_lookup_lists (
  list        TEXT PRIMARY KEY,
  entries     TEXT NOT NULL,
  fetched_at  INTEGER NOT NULL
);

-- The deployment-wide ICCAM gate: one call at a time, at least the pacing interval apart.
-- Only the holder may call; a holder that dies lets the gate go when expires_at passes.
CREATE TABLE iccam_gate (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  holder      TEXT,
  expires_at  INTEGER NOT NULL,
  not_before  INTEGER NOT NULL
);
INSERT INTO iccam_gate (id, holder, expires_at, not_before) VALUES (1, NULL, 0, 0);
