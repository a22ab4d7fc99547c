-- Each group's identity: made once, when the first agent joins the group, and never changed. An
-- agent remembers the identity it joined and refuses a database where it is missing or another (a
-- replaced, emptied or recreated database, whose epochs may start again below ones handed out).
CREATE TABLE group_identity (
  group_name text        NOT NULL PRIMARY KEY CHECK (group_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  identity   text        NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
