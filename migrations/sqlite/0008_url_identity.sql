-- One live case per URL (issue #15). url_key is the URL's identity (src/domain/url-identity.ts);
-- live_url_key is the same key while the handover carries the URL, cleared in the transaction
-- that makes the case over, so the unique index lets only one live handover hold a URL: two
-- referrals racing on two replicas cannot both create a case. Rows written before this
-- migration get their keys when the store starts (SqlStore.migrate): the key is computed in
-- code, not SQL.
ALTER TABLE handovers ADD COLUMN url_key TEXT;
ALTER TABLE handovers ADD COLUMN live_url_key TEXT;
-- A duplicate entry's link to the handover that carries its URL.
ALTER TABLE handovers ADD COLUMN duplicate_of TEXT REFERENCES handovers(id);
-- A new case's link to the earlier case of its URL that was over (closed, failed, cancelled).
ALTER TABLE handovers ADD COLUMN reappearance_of TEXT REFERENCES handovers(id);
-- When a supervisor split a duplicate into its own case.
ALTER TABLE handovers ADD COLUMN split_at INTEGER;
CREATE UNIQUE INDEX handovers_live_url_key ON handovers(live_url_key);
CREATE INDEX handovers_url_key ON handovers(url_key, seq);
CREATE INDEX handovers_duplicate_of ON handovers(duplicate_of);
CREATE INDEX handovers_reappearance_of ON handovers(reappearance_of);
