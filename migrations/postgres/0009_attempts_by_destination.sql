-- The console's destination health reads the latest attempts of each destination.
CREATE INDEX delivery_attempts_destination ON delivery_attempts(destination, started_at);
