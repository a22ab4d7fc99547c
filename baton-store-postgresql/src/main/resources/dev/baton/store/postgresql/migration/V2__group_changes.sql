-- Every write other than a renewal or an event counts one change of its group, in its own
-- transaction: a reader that sees the same count as before knows that ownerships, provider states
-- and settings are as it last read them, and reads only the nodes (their renewal counters).
ALTER TABLE group_state ADD COLUMN changes bigint NOT NULL DEFAULT 0;
