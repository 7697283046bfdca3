-- ICCAM inbound and the send-side fixes of contract §4. Nothing here changes an existing row's
-- meaning: every new column is NULL (or its default) for what was written before.

-- Where a referral came from: the back office ('backoffice'), or a partner hotline through ICCAM
-- ('iccam', one referral per ICCAM report). For the latter, the partner hotline as ICCAM names it
-- and when ICCAM assigned the content to the home country (ms): the start of its takedown clock.
ALTER TABLE referrals ADD COLUMN source TEXT NOT NULL DEFAULT 'backoffice';
ALTER TABLE referrals ADD COLUMN partner_hotline TEXT;
ALTER TABLE referrals ADD COLUMN country_assignment_date BIGINT;

-- "About to send": the claim token under which an ICCAM create was about to leave, recorded
-- just before it did. A lease that lapses without it was never sent (back to routed); with it,
-- the outcome is unknown (a person looks).
ALTER TABLE handovers ADD COLUMN sending_token TEXT;
-- How many times ICCAM refused a country-assignment PUT for this case (a person after three).
ALTER TABLE handovers ADD COLUMN iccam_assignment_tries INTEGER NOT NULL DEFAULT 0;

-- Content a partner handed to us through ICCAM: its ICCAM content id (one handover per item of
-- a report, so unique with the referral, which is one per ICCAM report).
ALTER TABLE handovers ADD COLUMN inbound_content_id TEXT;
-- What ICCAM's last assessment said when the item was taken in (JSON).
ALTER TABLE handovers ADD COLUMN partner_assessment TEXT;
-- The handover's own classification when it is not its referral's (JSON): a partner item's.
ALTER TABLE handovers ADD COLUMN own_classification TEXT;
-- The Belgian analyst's assessment of a partner item (JSON).
ALTER TABLE handovers ADD COLUMN hotline_assessment TEXT;
-- What ICCAM was told about a partner item, and when (JSON): the hotline reference, the
-- assessment, each action; refusals counted, and what was left to a person.
ALTER TABLE handovers ADD COLUMN iccam_told TEXT;
-- When ICCAM was owed nothing more about a partner item (NULL while it may be).
ALTER TABLE handovers ADD COLUMN inbound_done_at BIGINT;

CREATE UNIQUE INDEX handovers_inbound_item ON handovers(referral_id, inbound_content_id);
-- The partner items ICCAM may still be owed news of: what the inbound pass reads every run.
CREATE INDEX handovers_inbound_open ON handovers(seq) WHERE inbound_content_id IS NOT NULL AND inbound_done_at IS NULL;

-- When the last inbound import started (ms): the next one asks ICCAM for what it assigned since
-- then, less 30 minutes.
CREATE TABLE iccam_inbound_state (
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  last_started_at   BIGINT
);
INSERT INTO iccam_inbound_state (id, last_started_at) VALUES (1, NULL);
