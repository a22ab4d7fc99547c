-- The timing of each node's session, recorded when it is opened: its renewal interval and its
-- lease in milliseconds (expires_at is last_heartbeat + this lease). Agents observing the session
-- on their own clocks wait at least this lease before they call it dead. Null for a session opened
-- by an agent of an older version, which neither reads nor writes these columns: it reads as
-- unknown, and a claimant then uses its own lease.
ALTER TABLE server_registry ADD COLUMN heartbeat_ms bigint CHECK (heartbeat_ms > 0);
ALTER TABLE server_registry ADD COLUMN lease_ms bigint CHECK (lease_ms > 0);

-- A session opened by an older agent replaces the row's session without mentioning the timing:
-- the timing of the previous session must not pass for its own. So a change of session clears it;
-- an agent of this version writes its timing afterwards, in the same transaction (an update that
-- does not change the session does not clear it).
CREATE FUNCTION baton_server_registry_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.session IS DISTINCT FROM OLD.session THEN
    NEW.heartbeat_ms := NULL;
    NEW.lease_ms := NULL;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER server_registry_session_changed BEFORE UPDATE OF session ON server_registry
  FOR EACH ROW EXECUTE FUNCTION baton_server_registry_session_changed();

CREATE OR REPLACE VIEW server_liveness AS
SELECT group_name, node, location, api, session, renewals, last_heartbeat, expires_at,
       CASE WHEN state = 'open' AND expires_at <= clock_timestamp() THEN 'expired' ELSE state END AS liveness,
       state = 'open' AND expires_at > clock_timestamp() AS active,
       heartbeat_ms, lease_ms
  FROM server_registry;
