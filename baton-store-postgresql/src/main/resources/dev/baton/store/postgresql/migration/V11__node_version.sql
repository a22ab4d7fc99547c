-- The Baton version of the agent that opened the node's session (`baton --version`), shown on the
-- whiteboard so that a node left behind in a rolling upgrade stands out. Null for a session of an
-- agent that does not know it (a development build, or an older version).
ALTER TABLE server_registry ADD COLUMN version text;

-- As with the timing (V5): a session opened by an older agent must not pass for the previous
-- session's version, so a change of session clears it; this version writes it afterwards.
CREATE OR REPLACE FUNCTION baton_server_registry_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.session IS DISTINCT FROM OLD.session THEN
    NEW.heartbeat_ms := NULL;
    NEW.lease_ms := NULL;
    NEW.version := NULL;
  END IF;
  RETURN NEW;
END
$$;
