-- The address the service's clients use on a node (services.<name>.endpoint, host:port),
-- published with the provider's state for resolve. Null when the provider declares none, and for
-- rows written by agents of an older version, which neither read nor write it.
ALTER TABLE provider_state ADD COLUMN endpoint text;
