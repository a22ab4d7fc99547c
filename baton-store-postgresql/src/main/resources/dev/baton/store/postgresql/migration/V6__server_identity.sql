-- The server whose history this database's epochs belong to: its cluster (system identifier) and
-- timeline. One row for the whole database (every group in it); a store records it the first time
-- it opens the database, and refuses a server that is not this one: a promoted standby (another
-- timeline) or another cluster (another system identifier) may lack commits that were
-- acknowledged, granted epochs among them (docs/store-postgresql.md, "Server identity").
CREATE TABLE baton_server_identity (
  id                         smallint    PRIMARY KEY DEFAULT 1 CHECK (id = 1),
  system_identifier          bigint      NOT NULL,
  timeline                   integer     NOT NULL,
  recorded_at                timestamptz NOT NULL DEFAULT clock_timestamp(),
  -- the identity an operator's baton_accept_server_identity() replaced; null until then
  replaced_system_identifier bigint,
  replaced_timeline          integer
);

-- This server's identity as Baton compares it. On a primary the timeline is the one its WAL is
-- written on now (pg_control_checkpoint() gives the timeline of the last checkpoint, which lags a
-- promotion until the next checkpoint); on a standby, the last checkpoint's.
CREATE FUNCTION baton_server_now(OUT system_identifier bigint, OUT timeline integer, OUT in_recovery boolean)
LANGUAGE sql VOLATILE AS $$
  SELECT (pg_control_system()).system_identifier,
         CASE WHEN pg_is_in_recovery() THEN (pg_control_checkpoint()).timeline_id
              ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::integer END,
         pg_is_in_recovery()
$$;

-- What an operator runs on a new primary that has every acknowledged commit (a switchover to a
-- synchronous standby): `SELECT baton_accept_server_identity();`. Records this server's identity in
-- place of the old one; running agents carry on, agents opening the database accept it.
CREATE FUNCTION baton_accept_server_identity() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  now_id record;
  old_id record;
BEGIN
  SELECT * INTO now_id FROM baton_server_now();
  IF now_id.in_recovery THEN
    RAISE EXCEPTION 'this server is a standby in recovery: accept the new primary on the primary itself';
  END IF;
  SELECT * INTO old_id FROM baton_server_identity WHERE id = 1 FOR UPDATE;
  IF NOT FOUND THEN
    INSERT INTO baton_server_identity (system_identifier, timeline) VALUES (now_id.system_identifier, now_id.timeline);
    RETURN format('recorded system %s timeline %s', now_id.system_identifier, now_id.timeline);
  END IF;
  IF old_id.system_identifier = now_id.system_identifier AND old_id.timeline = now_id.timeline THEN
    RETURN format('nothing to accept: system %s timeline %s is already the recorded server',
        now_id.system_identifier, now_id.timeline);
  END IF;
  UPDATE baton_server_identity
     SET system_identifier = now_id.system_identifier, timeline = now_id.timeline, recorded_at = clock_timestamp(),
         replaced_system_identifier = old_id.system_identifier, replaced_timeline = old_id.timeline
   WHERE id = 1;
  RETURN format('accepted system %s timeline %s in place of system %s timeline %s',
      now_id.system_identifier, now_id.timeline, old_id.system_identifier, old_id.timeline);
END
$$;
