package dev.baton.lab.bench;

import dev.baton.store.postgresql.LocalPostgres;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Counts the statements that the clients of a benchmark's private PostgreSQL server execute, with
 * {@code pg_stat_statements}: it counts statements (not transactions) and keeps them apart by
 * database role, so giving every node a role of its own splits the count by node. It does not see
 * the {@code COMMIT} the JDBC driver sends as a server-side prepared statement, so
 * {@link #commits} reads {@code pg_stat_database}'s committed transactions (all clients) as well.
 */
final class PgStatements implements AutoCloseable {
  static final String DATABASE = "baton";

  private final LocalPostgres pg;
  private final Connection admin;
  private final Statement st;

  PgStatements(LocalPostgres pg) throws SQLException {
    this.pg = pg;
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", pg.password());
    this.admin = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + pg.port() + "/" + DATABASE, p);
    this.st = admin.createStatement();
    st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  }

  /** Creates a login role for every node; returns the node's store URL, by node. */
  Map<String, String> rolesFor(Collection<String> nodes) throws SQLException {
    Map<String, String> urls = new LinkedHashMap<>();
    for (String node : nodes) {
      String role = role(node);
      st.execute("CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD '" + pg.password() + "'");
      urls.put(node, "postgresql://" + role + ":" + pg.password() + "@127.0.0.1:" + pg.port() + "/" + DATABASE);
    }
    return urls;
  }

  static String role(String node) {
    return "bench_" + node.replace('-', '_').replace('.', '_');
  }

  /** Starts counting anew. */
  void reset() throws SQLException {
    st.execute("SELECT pg_stat_statements_reset()");
  }

  /** Transactions committed in the benchmark's database so far, by all clients. */
  long commits() throws SQLException {
    st.execute("SELECT pg_stat_clear_snapshot()");
    try (ResultSet rs = st.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = '" + DATABASE + "'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Statements executed and rows they returned or changed since the reset, by role: {calls, rows}. */
  Map<String, long[]> byRole() throws SQLException {
    Map<String, long[]> byRole = new TreeMap<>();
    try (ResultSet rs = st.executeQuery("SELECT r.rolname, sum(s.calls)::bigint, sum(s.rows)::bigint"
        + " FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid"
        + " WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY r.rolname")) {
      while (rs.next()) {
        byRole.put(rs.getString(1), new long[] {rs.getLong(2), rs.getLong(3)});
      }
    }
    return byRole;
  }

  /** Prints the most frequent statements of {@code roles} since the reset, per second of {@code seconds}. */
  void printTop(PrintWriter out, Collection<String> roles, double seconds, int limit) throws SQLException {
    String in = String.join(",", roles.stream().map(r -> "'" + r + "'").toList());
    try (ResultSet rs = st.executeQuery("SELECT regexp_replace(s.query, '\\s+', ' ', 'g'), sum(s.calls)::bigint, sum(s.rows)::bigint"
        + " FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname IN (" + in + ")"
        + " GROUP BY 1 ORDER BY 2 DESC LIMIT " + limit)) {
      while (rs.next()) {
        String q = rs.getString(1);
        out.printf("%8.1f  rows %8.0f  %s%n", rs.getLong(2) / seconds, rs.getLong(3) / seconds,
            q.length() > 90 ? q.substring(0, 87) + "..." : q);
      }
    }
  }

  @Override
  public void close() throws SQLException {
    admin.close();
  }
}
