-- Baton's shared-database store. Every table carries group_name so that several groups share
-- one database without seeing each other. Times that decide leases come from clock_timestamp()
-- of this server only.

-- One row per node of a group: its latest session and lease.
CREATE TABLE server_registry (
  group_name     text        NOT NULL CHECK (group_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  node           text        NOT NULL CHECK (node ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  api            text        NOT NULL,
  location       text        NOT NULL,
  session        text        NOT NULL,
  renewals       bigint      NOT NULL DEFAULT 0,
  opened_at      timestamptz NOT NULL,
  last_heartbeat timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  -- open: the node's session (alive while expires_at is ahead of clock_timestamp());
  -- closed: the node left gracefully; expired: a claim over it ended it, or its lease passed
  state          text        NOT NULL CHECK (state IN ('open', 'closed', 'expired')),
  ended_at       timestamptz,
  PRIMARY KEY (group_name, node)
);
CREATE UNIQUE INDEX server_registry_session ON server_registry (group_name, session);

-- One row per service that was ever claimed; never deleted (the epoch must never repeat).
CREATE TABLE service_status (
  group_name text        NOT NULL CHECK (group_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  service    text        NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  -- the owner, or after a release or a death the last owner; null if never owned
  owner      text,
  -- the owner's session; null once released
  session    text,
  epoch      bigint      NOT NULL CHECK (epoch >= 0),
  since      timestamptz NOT NULL,
  PRIMARY KEY (group_name, service)
);
CREATE INDEX service_status_session ON service_status (group_name, session);

-- The whiteboard: each node's provider states, as its node published them last.
CREATE TABLE provider_state (
  group_name text NOT NULL,
  node       text NOT NULL,
  service    text NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  state      text NOT NULL CHECK (state IN ('starting', 'providing', 'stopping', 'waiting', 'unavailable')),
  reason     text,
  PRIMARY KEY (group_name, node, service),
  FOREIGN KEY (group_name, node) REFERENCES server_registry (group_name, node)
);

-- Operator settings of services (ranking best first, disabled) and nodes (drained).
CREATE TABLE service_settings (
  group_name text    NOT NULL CHECK (group_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  service    text    NOT NULL CHECK (service ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  ranking    text[]  NOT NULL DEFAULT '{}',
  disabled   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (group_name, service)
);

CREATE TABLE node_settings (
  group_name text    NOT NULL CHECK (group_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  node       text    NOT NULL CHECK (node ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  drained    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (group_name, node)
);

-- Per-group counters. last_event_seq is raised under this row's lock, so events commit in
-- the order of their numbers and a reader never skips one that commits late.
CREATE TABLE group_state (
  group_name     text   NOT NULL PRIMARY KEY CHECK (group_name ~ '^[a-z0-9][a-z0-9._-]{0,62}$'),
  last_event_seq bigint NOT NULL
);

-- The event log: seq grows per group; time is the writer's wall clock, for people to read.
CREATE TABLE event_log (
  group_name text        NOT NULL,
  seq        bigint      NOT NULL,
  time       timestamptz NOT NULL,
  time_nanos integer     NOT NULL CHECK (time_nanos BETWEEN 0 AND 999999999),
  type       text        NOT NULL,
  node       text,
  service    text,
  epoch      bigint,
  detail     text,
  PRIMARY KEY (group_name, seq)
);

-- Nodes as the database clock judges them right now: what an operator usually wants to read.
CREATE VIEW server_liveness AS
SELECT group_name, node, location, api, session, renewals, last_heartbeat, expires_at,
       CASE WHEN state = 'open' AND expires_at <= clock_timestamp() THEN 'expired' ELSE state END AS liveness,
       state = 'open' AND expires_at > clock_timestamp() AS active
  FROM server_registry;
