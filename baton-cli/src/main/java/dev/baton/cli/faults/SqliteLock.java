package dev.baton.cli.faults;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The SQLite file locked by another process (the bench's JVM, not an agent's): {@code BEGIN
 * EXCLUSIVE} held for 2 x lease, then rolled back. No agent can renew or claim meanwhile.
 */
final class SqliteLock implements Fault {
  @Override
  public String kind() {
    return "sqlite-lock";
  }

  @Override
  public String how() {
    return "SQLite: another process holds BEGIN EXCLUSIVE on the file for 2 x lease, then rolls back";
  }

  @Override
  public Optional<String> unavailable(FaultContext context) {
    return context.unlessStore("sqlite");
  }

  @Override
  public Aim aim() {
    return Aim.STORE;
  }

  @Override
  public boolean storeDown() {
    return true;
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws SQLException, InterruptedException {
    Path file = context.sqliteFile().orElseThrow();
    long at = context.checker().fault(kind(), "BEGIN EXCLUSIVE on " + file + " for 2 x lease");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("BEGIN EXCLUSIVE");
      context.checker().note("the SQLite file is locked");
      try {
        context.hold(2);
      } finally {
        s.execute("ROLLBACK");
      }
    }
    return new Injected(at, context.checker().note("the SQLite file is unlocked"));
  }
}
