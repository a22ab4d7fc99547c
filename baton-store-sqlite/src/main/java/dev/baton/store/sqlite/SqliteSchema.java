package dev.baton.store.sqlite;

import java.util.List;

/**
 * The tables of the SQLite store and the migrations between their versions, tracked in
 * {@code PRAGMA user_version}. Every table is keyed by group name, so several groups share one
 * file. Migrations only ever append: a released migration is never edited.
 */
final class SqliteSchema {
  private SqliteSchema() {}

  /**
   * {@code MIGRATIONS.get(i)} takes a file from version {@code i} to version {@code i + 1}. A new
   * file is version 0.
   */
  static final List<List<String>> MIGRATIONS = List.of(
      List.of(
          // One row per group: generation is bumped by every write except renewals (the watch
          // polls it); the counters number sessions and events.
          """
          CREATE TABLE groups (
            grp TEXT PRIMARY KEY,
            generation INTEGER NOT NULL DEFAULT 0,
            sessions_opened INTEGER NOT NULL DEFAULT 0,
            last_event_seq INTEGER NOT NULL DEFAULT 0
          ) WITHOUT ROWID""",
          // One row per node: its latest session. Older sessions of the node are gone by design:
          // a session is open only while it is its node's row and that row is LIVE.
          """
          CREATE TABLE nodes (
            grp TEXT NOT NULL,
            name TEXT NOT NULL,
            location TEXT NOT NULL,
            api TEXT NOT NULL,
            session TEXT NOT NULL,
            renewals INTEGER NOT NULL,
            state TEXT NOT NULL,
            PRIMARY KEY (grp, name)
          ) WITHOUT ROWID""",
          "CREATE UNIQUE INDEX nodes_by_session ON nodes (grp, session)",
          """
          CREATE TABLE providers (
            grp TEXT NOT NULL,
            node TEXT NOT NULL,
            service TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            PRIMARY KEY (grp, node, service)
          ) WITHOUT ROWID""",
          // Ownership per service. Rows are never deleted and epochs never decrease: the
          // triggers refuse both, whatever version of Baton writes.
          """
          CREATE TABLE services (
            grp TEXT NOT NULL,
            name TEXT NOT NULL,
            epoch INTEGER NOT NULL,
            owner_node TEXT,
            owner_session TEXT,
            PRIMARY KEY (grp, name)
          ) WITHOUT ROWID""",
          """
          CREATE TRIGGER services_epoch_never_decreases BEFORE UPDATE OF epoch ON services
          WHEN NEW.epoch < OLD.epoch
          BEGIN SELECT RAISE(ABORT, 'a service epoch never decreases'); END""",
          """
          CREATE TRIGGER services_rows_are_kept BEFORE DELETE ON services
          BEGIN SELECT RAISE(ABORT, 'service rows are never deleted: they hold the epochs'); END""",
          """
          CREATE TABLE service_settings (
            grp TEXT NOT NULL,
            service TEXT NOT NULL,
            ranking TEXT NOT NULL,
            disabled INTEGER NOT NULL,
            PRIMARY KEY (grp, service)
          ) WITHOUT ROWID""",
          """
          CREATE TABLE node_settings (
            grp TEXT NOT NULL,
            node TEXT NOT NULL,
            drained INTEGER NOT NULL,
            PRIMARY KEY (grp, node)
          ) WITHOUT ROWID""",
          """
          CREATE TABLE events (
            grp TEXT NOT NULL,
            seq INTEGER NOT NULL,
            time TEXT NOT NULL,
            type TEXT NOT NULL,
            node TEXT,
            service TEXT,
            epoch INTEGER,
            detail TEXT,
            PRIMARY KEY (grp, seq)
          ) WITHOUT ROWID"""),
      List.of(
          // A planned move (`baton move`): the target and the epoch it was asked at; both null
          // when none. Older rows read as no move.
          "ALTER TABLE service_settings ADD COLUMN move_to TEXT",
          "ALTER TABLE service_settings ADD COLUMN move_epoch INTEGER"),
      List.of(
          // Counts the writes that change what a snapshot reads besides the node rows (providers,
          // ownerships, settings): a snapshot reads those again only when it moved, and then
          // only the rows written since (the versions below). Events and renewals do not count.
          "ALTER TABLE groups ADD COLUMN changes INTEGER NOT NULL DEFAULT 0",
          // The value of changes that the write of a node's providers raised it to.
          "ALTER TABLE nodes ADD COLUMN providers_version INTEGER NOT NULL DEFAULT 0",
          // The value of changes that the last write of a service's ownership raised it to; set by
          // triggers, so that no writer can forget it. Every write that changes a row here raises
          // changes by one in its transaction, after the row.
          "ALTER TABLE services ADD COLUMN version INTEGER NOT NULL DEFAULT 0",
          "CREATE INDEX services_by_version ON services (grp, version)",
          """
          CREATE TRIGGER services_version_on_insert AFTER INSERT ON services
          BEGIN
            UPDATE services SET version = (SELECT changes + 1 FROM groups WHERE grp = NEW.grp)
            WHERE grp = NEW.grp AND name = NEW.name;
          END""",
          """
          CREATE TRIGGER services_version_on_update AFTER UPDATE OF epoch, owner_node, owner_session ON services
          BEGIN
            UPDATE services SET version = (SELECT changes + 1 FROM groups WHERE grp = NEW.grp)
            WHERE grp = NEW.grp AND name = NEW.name;
          END"""),
      List.of(
          // The timing of the node's session, recorded when it was opened: its renewal interval
          // and its lease, in milliseconds. A claimant waits at least this lease. Null for sessions
          // opened before this version (they read as unknown: a claimant then uses its own lease).
          "ALTER TABLE nodes ADD COLUMN heartbeat_ms INTEGER",
          "ALTER TABLE nodes ADD COLUMN lease_ms INTEGER"),
      List.of(
          // The group's identity: made once, when the first agent joins, and never changed. An agent
          // remembers the one it joined and refuses a store where it is missing or another.
          """
          CREATE TABLE group_identity (
            grp TEXT PRIMARY KEY,
            identity TEXT NOT NULL,
            created_at TEXT NOT NULL
          ) WITHOUT ROWID"""),
      List.of(
          // What a node's recovery ladder decided about one of its providers, so that it outlives
          // the agent: the end of a ban (ISO-8601 instant, the deciding node's wall clock), the
          // restarts used of the budget since the first of them, the failed verdict. A row exists
          // only while something is decided; writing a decision counts a change.
          """
          CREATE TABLE decisions (
            grp TEXT NOT NULL,
            node TEXT NOT NULL,
            service TEXT NOT NULL,
            banned_until TEXT,
            ban_reason TEXT,
            restarts INTEGER NOT NULL DEFAULT 0,
            restarts_since TEXT,
            failed TEXT,
            PRIMARY KEY (grp, node, service)
          ) WITHOUT ROWID"""),
      List.of(
          // The default rank a node's config gives its provider (services.<name>.rank, 1 the most
          // preferred), published with its state so that every node's placement sees it. Null
          // when it has none, and for rows written before this version.
          "ALTER TABLE providers ADD COLUMN default_rank INTEGER"),
      List.of(
          // Maintenance and failback (`baton pause`, `baton failback`): when the service was paused
          // (ISO-8601 instant, the pausing node's wall clock; null when not paused), the failback
          // policy (sticky or rank; null reads as sticky) and its delay in milliseconds (null: the
          // default). Older rows read as not paused, sticky.
          "ALTER TABLE service_settings ADD COLUMN paused_since TEXT",
          "ALTER TABLE service_settings ADD COLUMN failback TEXT",
          "ALTER TABLE service_settings ADD COLUMN failback_delay_ms INTEGER"),
      List.of(
          // The Baton version of the agent that opened the node's session; null when unknown (a
          // development build, an older agent: every session write sets it, so an older agent's
          // session reads as unknown, not as the version before it).
          "ALTER TABLE nodes ADD COLUMN version TEXT"),
      List.of(
          // The address the service's clients use on the node (services.<name>.endpoint,
          // host:port), published for resolve. Null when it declares none, and for rows written
          // before this version.
          "ALTER TABLE providers ADD COLUMN endpoint TEXT"),
      List.of(
          // When the renewal that set the counter was sent, on its sender's host clock: the boot id
          // and System.nanoTime() (RenewalStamp). A claimant on the same boot counts the lease from
          // it. Null until the session's first renewal, for senders whose clock cannot be compared,
          // and for rows written before this version.
          "ALTER TABLE nodes ADD COLUMN renewed_boot TEXT",
          "ALTER TABLE nodes ADD COLUMN renewed_nanos INTEGER"));

  /** The version this code writes: the number of migrations. */
  static final int VERSION = MIGRATIONS.size();
}
