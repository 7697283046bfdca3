-- Successor lookups (content moved, hosting changed) and the still-online check.
CREATE INDEX handovers_parent ON handovers(parent_id);
