-- The takedown clock: when content came down, and which cases went past the last mark without.

-- When the content was known to be down: the police export's contentRemovedAt, the date of
-- ICCAM's Removed or Unavailable action, or what the back office observed. It ends the clock.
ALTER TABLE handovers ADD COLUMN content_removed_at BIGINT;
-- When the escalation job found the case past the last TAKEDOWN_TARGETS mark with its content
-- not known to be down. Kept afterwards as a record; the case is chased while it is still
-- delivered or acknowledged and its content not known to be down.
ALTER TABLE handovers ADD COLUMN removal_overdue_at BIGINT;
-- The hosting network (autonomous system number) of the evidence: the first publicly routable
-- address's ASN, written with the evidence, so the clock can be grouped by network in SQL.
ALTER TABLE handovers ADD COLUMN hosting_asn BIGINT;

-- Cases closed as removed or unavailable before this migration: the close is the best time known.
UPDATE handovers SET content_removed_at = closed_at WHERE outcome IN ('removed', 'unavailable') AND closed_at IS NOT NULL;
UPDATE handovers h SET hosting_asn = (
  SELECT (a.value -> 'geo' ->> 'asn')::bigint FROM jsonb_array_elements(h.evidence::jsonb -> 'addresses') WITH ORDINALITY AS a(value, n)
   WHERE (a.value ->> 'publiclyRoutable')::boolean AND a.value -> 'geo' ->> 'asn' IS NOT NULL
   ORDER BY a.n LIMIT 1)
WHERE h.evidence IS NOT NULL;

-- The clock reads a period of referrals by when they were referred.
CREATE INDEX referrals_created_at ON referrals(created_at);
-- The escalation job's candidates: handed over, content not known to be down, not yet flagged.
CREATE INDEX handovers_removal_pending ON handovers(seq)
  WHERE state IN ('delivered', 'acknowledged') AND content_removed_at IS NULL AND removal_overdue_at IS NULL;
-- The cases to chase: flagged, still handed over, content not known to be down.
CREATE INDEX handovers_removal_overdue ON handovers(seq)
  WHERE state IN ('delivered', 'acknowledged') AND content_removed_at IS NULL AND removal_overdue_at IS NOT NULL;
