package dev.baton.store.postgresql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a store on the server whose history its database's epochs belong to. A promoted standby
 * (another timeline of the same cluster) or another cluster (another system identifier) may lack
 * commits that the old server acknowledged, granted epochs among them; a store that went on there
 * would grant those epochs again and break fencing. So every new connection is checked before the
 * pool hands it out ({@link CheckedDataSource}): its server must be the one this store opened on,
 * which must be the one recorded in {@code baton_server_identity} (written at the database's first
 * open). Anything else is refused with a message naming what changed and what to do, and the
 * store's calls fail with it, so that the agents fence themselves.
 *
 * <p>An operator who knows that the new server has every acknowledged commit (a switchover to a
 * synchronous standby) runs {@code SELECT baton_accept_server_identity();} there: that records the
 * new identity and the one it replaced, and a running store whose identity is the replaced one
 * carries on with the new one. Connections already in the pool are not checked again: a server's
 * identity cannot change under an open connection, since a standby (the only server whose timeline
 * can change in place, by promotion) is refused.
 *
 * <p>Thread-safe.
 */
final class ServerIdentity {
  private static final Logger log = LoggerFactory.getLogger(ServerIdentity.class);

  /** A server's cluster and timeline. */
  record Id(long systemIdentifier, int timeline) {
    @Override
    public String toString() {
      return "system " + systemIdentifier + " timeline " + timeline;
    }
  }

  private record Now(Id id, boolean inRecovery) {}

  private record Recorded(Id id, Id replaced) {}

  private final String who;
  /** The server this store opened on (or was told to accept since); null before the first check. */
  private volatile Id expected;
  /** Why the last connection was refused; null once one passed. */
  private volatile String refusal;

  ServerIdentity(String who) {
    this.who = who;
  }

  /** Why the last new connection was refused, or null if the last one passed. */
  String refusal() {
    return refusal;
  }

  /**
   * Checks a new connection, in auto-commit mode. The first check (at open) records the server's
   * identity if the database has none yet, and requires the server to be the recorded one; later
   * checks require the server this store opened on, or one that an operator accepted in its place.
   *
   * @throws SQLException naming what changed and what to do, when the server is refused
   */
  void check(Connection c) throws SQLException {
    Now now = now(c);
    if (now.inRecovery()) {
      throw refuse("the PostgreSQL server is a standby in recovery (" + now.id() + "); Baton writes to the"
          + " primary: point the store URL at the primary, or list every host with targetServerType=primary");
    }
    Id was = expected;
    if (now.id().equals(was)) {
      passed();
      return;
    }
    if (was == null) {
      recordIfAbsent(c, now.id());
      Recorded recorded = recorded(c);
      if (recorded != null && recorded.id().equals(now.id())) {
        expected = now.id();
        passed();
        return;
      }
      throw refuse(changed(recorded == null ? null : recorded.id(), "this database records", now.id()));
    }
    Recorded recorded = recorded(c);
    if (recorded != null && recorded.id().equals(now.id()) && was.equals(recorded.replaced())) {
      log.warn("{} the PostgreSQL server is now {} in place of {}, which an operator accepted"
          + " (baton_server_identity): carrying on", who, now.id(), was);
      expected = now.id();
      passed();
      return;
    }
    throw refuse(changed(was, "this store opened on", now.id()));
  }

  private static String changed(Id was, String wasWhat, Id now) {
    if (was == null) {
      return "the database has no server identity recorded (baton_server_identity is empty) while the server is "
          + now + "; if this is the server the group's epochs were granted on, record it with"
          + " SELECT baton_accept_server_identity(); (docs/store-postgresql.md, \"Server identity\")";
    }
    String kind = was.systemIdentifier() != now.systemIdentifier()
        ? "another cluster (system identifier " + now.systemIdentifier() + ", not " + was.systemIdentifier()
            + "): a different server, or the database restored into a new cluster"
        : "another timeline of the same cluster (timeline " + now.timeline() + ", not " + was.timeline()
            + "): a standby was promoted, or the server was recovered to a point in time";
    return "refusing the PostgreSQL server: " + wasWhat + " " + was + ", and the server is " + kind + ". It may lack"
        + " commits the old server acknowledged, granted epochs among them, and granting an epoch again would"
        + " break fencing, so every store call fails and the agents fence themselves. If no acknowledged commit"
        + " was lost (a switchover to a synchronous standby), accept this server by running"
        + " SELECT baton_accept_server_identity(); in this database; otherwise bring back the server of " + was
        + " (docs/store-postgresql.md, \"Server identity\")";
  }

  private SQLException refuse(String message) {
    if (!message.equals(refusal)) {
      log.error("{} {}", who, message);
    }
    refusal = message;
    return new SQLException(message, "08004");
  }

  private void passed() {
    if (refusal != null) {
      log.info("{} the PostgreSQL server is {} again: no longer refused", who, expected);
      refusal = null;
    }
  }

  private static Now now(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT system_identifier, timeline, in_recovery FROM baton_server_now()")) {
      rs.next();
      return new Now(new Id(rs.getLong(1), rs.getInt(2)), rs.getBoolean(3));
    }
  }

  private static void recordIfAbsent(Connection c, Id id) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO baton_server_identity (system_identifier, timeline)"
        + " VALUES (?, ?) ON CONFLICT (id) DO NOTHING")) {
      ps.setLong(1, id.systemIdentifier());
      ps.setInt(2, id.timeline());
      ps.executeUpdate();
    }
  }

  private static Recorded recorded(Connection c) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
        "SELECT system_identifier, timeline, replaced_system_identifier, replaced_timeline FROM baton_server_identity")) {
      if (!rs.next()) {
        return null;
      }
      Id id = new Id(rs.getLong(1), rs.getInt(2));
      long replacedSystem = rs.getLong(3);
      boolean noneReplaced = rs.wasNull();
      int replacedTimeline = rs.getInt(4);
      return new Recorded(id, noneReplaced || rs.wasNull() ? null : new Id(replacedSystem, replacedTimeline));
    }
  }

  /** The store's data source: every connection it makes is checked before anyone uses it. */
  static final class CheckedDataSource extends PGSimpleDataSource {
    private static final long serialVersionUID = 1L;
    private final transient ServerIdentity identity;

    CheckedDataSource(ServerIdentity identity) {
      this.identity = identity;
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      Connection c = super.getConnection(user, password);
      try {
        identity.check(c);
        return c;
      } catch (SQLException | RuntimeException e) {
        try {
          c.close();
        } catch (SQLException closing) {
          e.addSuppressed(closing);
        }
        throw e;
      }
    }
  }
}
