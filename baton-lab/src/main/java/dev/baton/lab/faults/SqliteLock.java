package dev.baton.lab.faults;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;

/**
 * The SQLite file locked by another process (the bench's JVM, not an agent's): {@code BEGIN
 * EXCLUSIVE} held for 2 x lease, then rolled back. No agent can renew or claim meanwhile.
 */
final class SqliteLock extends Fault {
  SqliteLock() {
    super("sqlite-lock", "sqlite", Aim.STORE, true, "SQLite: another process holds BEGIN EXCLUSIVE on the file for 2 x lease, then rolls back");
  }

  @Override
  public Injected inject(FaultContext context, FaultTarget target) throws Exception {
    Path file = context.sqliteFile().orElseThrow();
    Injected outage;
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      outage = outage(context, "BEGIN EXCLUSIVE on " + file + " for 2 x lease", 2, () -> s.execute("BEGIN EXCLUSIVE"),
          () -> s.execute("ROLLBACK"));
    }
    context.checker().note("the SQLite file is unlocked");
    return outage;
  }
}
