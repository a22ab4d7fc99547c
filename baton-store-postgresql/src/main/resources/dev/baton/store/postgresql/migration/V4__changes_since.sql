-- A snapshot reads only what changed since its last read. Each write that counts a change stamps
-- what it wrote with the value of group_state.changes it raised the counter to, in its own
-- transaction (the counter row's lock orders those transactions): a reader that last read at
-- count C reads the ownerships and the nodes' provider sets stamped above C.

-- Ownerships: a trigger marks every updated row -1 (pending), so that no write can forget it; the
-- writer stamps the pending rows when it counts its change, so no committed row stays pending. (A
-- row is inserted with epoch 0, not yet an ownership, and becomes one by an update.)
ALTER TABLE service_status ADD COLUMN version bigint NOT NULL DEFAULT 0;
CREATE INDEX service_status_version ON service_status (group_name, version);

CREATE FUNCTION baton_service_status_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.version IS NOT DISTINCT FROM OLD.version THEN
    NEW.version := -1;
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER service_status_written BEFORE UPDATE ON service_status
  FOR EACH ROW EXECUTE FUNCTION baton_service_status_written();

-- Provider sets: one row per node that published, stamped like the ownerships.
CREATE TABLE provider_publication (
  group_name text   NOT NULL,
  node       text   NOT NULL,
  version    bigint NOT NULL,
  PRIMARY KEY (group_name, node)
);
CREATE INDEX provider_publication_version ON provider_publication (group_name, version);
