-- The URL exactly as the back office sent it, when it differs from the stored one: `url` holds
-- the WHATWG serialisation from now on (what is located and delivered), this the raw string,
-- kept for the evidence. NULL when the two are the same, and for rows written before.
ALTER TABLE handovers ADD COLUMN reported_url TEXT;
