-- Deployment-wide rate limits (failed authentication per client address, callbacks): one row
-- per limited key and fixed window, so every replica counts against the same number.
CREATE TABLE rate_limit_counters (
  limit_key    TEXT    NOT NULL,
  window_start INTEGER NOT NULL,
  hits         INTEGER NOT NULL,
  PRIMARY KEY (limit_key, window_start)
);
CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_start);
