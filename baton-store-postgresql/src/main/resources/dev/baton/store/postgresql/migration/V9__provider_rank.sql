-- The default rank a node's config gives its provider of a service (services.<name>.rank, 1 the
-- most preferred), published with the provider's state so that every node's placement sees it.
-- Null when the provider has none, and for rows written by agents of an older version, which
-- neither read nor write it.
ALTER TABLE provider_state ADD COLUMN default_rank integer CHECK (default_rank >= 1);
