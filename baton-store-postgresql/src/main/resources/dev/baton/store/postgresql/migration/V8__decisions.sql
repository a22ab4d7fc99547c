-- What a node's recovery ladder decided about one of its providers, kept here so that it outlives
-- the agent: the end of a ban (the deciding node's wall clock: it decides when the node offers
-- itself again, never a lease), the restarts used of the budget since the first of them, and the
-- failed verdict. A row exists only while something is decided. Writing one counts a change of
-- the group (group_state.changes), so snapshots read the decisions again. Agents of an older
-- version neither read nor write this table.
CREATE TABLE decision (
  group_name     text        NOT NULL CHECK (group_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  node           text        NOT NULL CHECK (node ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  service        text        NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  banned_until   timestamptz,
  ban_reason     text,
  restarts       integer     NOT NULL DEFAULT 0 CHECK (restarts >= 0),
  restarts_since timestamptz,
  failed         text,
  PRIMARY KEY (group_name, node, service)
);
