package dev.baton.store.postgresql;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives a test class a database of its own on the run's PostgreSQL server. Register it as a static
 * field ({@code @RegisterExtension static final TestPostgres db = new TestPostgres();}).
 *
 * <p>The server is {@code BATON_TEST_PG_URL} when that is set (a URL of any database on it, as a
 * user allowed to create databases), else one private {@link LocalPostgres} started for the whole
 * test run in a temp dir, stopped and deleted when the run ends, by JUnit or, if the JVM ends
 * otherwise, by a shutdown hook.
 */
final class TestPostgres implements BeforeAllCallback, AfterAllCallback {
  private Server server;
  private String url;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = context.getRoot().getStore(ExtensionContext.Namespace.create(TestPostgres.class))
        .getOrComputeIfAbsent(Server.class, k -> Server.start(), Server.class);
    url = newDatabase(context.getRequiredTestClass().getSimpleName());
  }

  @Override
  public void afterAll(ExtensionContext context) {
    // A private server's databases go with its directory; an external server's stay small and
    // uniquely named, and are dropped here.
    server.dropCreated();
  }

  /** The store URL of this class's database. */
  String url() {
    return url;
  }

  /** The store URL of a new empty database. */
  String newDatabase(String hint) {
    return server.createDatabase(hint);
  }

  /** The shared server: an external one, or a private one this run started. */
  static final class Server implements AutoCloseable {
    private final PostgresUrl external;
    private final LocalPostgres local;
    private final Path dir;
    private final List<String> created = new CopyOnWriteArrayList<>();

    private Server(PostgresUrl external, LocalPostgres local, Path dir) {
      this.external = external;
      this.local = local;
      this.dir = dir;
    }

    static Server start() {
      String fromEnvironment = System.getenv("BATON_TEST_PG_URL");
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        return new Server(PostgresUrl.parse(fromEnvironment), null, null);
      }
      Path dir;
      try {
        dir = Files.createTempDirectory("baton-test-pg-");
      } catch (IOException e) {
        throw new IllegalStateException("cannot create a temp dir for the test PostgreSQL server", e);
      }
      LocalPostgres local = LocalPostgres.init(dir);
      Server server = new Server(null, local, dir);
      Runtime.getRuntime().addShutdownHook(new Thread(server::close, "baton-test-pg-stop"));
      local.start();
      return server;
    }

    String createDatabase(String hint) {
      String name = ("baton_" + hint.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "")
          + "_" + UUID.randomUUID().toString().substring(0, 8)).replace('-', '_');
      if (local != null) {
        return local.createDatabase(name);
      }
      execute("CREATE DATABASE " + name);
      created.add(name);
      return external.withDatabase(name).storeUrl();
    }

    void dropCreated() {
      for (String name : created) {
        try {
          execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
          created.remove(name);
        } catch (IllegalStateException e) {
          // left behind on the external server; its name says where it came from
        }
      }
    }

    private void execute(String sql) {
      Properties p = new Properties();
      p.putAll(external.params());
      p.setProperty("user", external.user());
      String password = external.password() != null ? external.password() : System.getenv("PGPASSWORD");
      if (password != null) {
        p.setProperty("password", password);
      }
      try (Connection c = DriverManager.getConnection(external.jdbcUrl(), p); Statement s = c.createStatement()) {
        s.execute(sql);
      } catch (SQLException e) {
        throw new IllegalStateException("BATON_TEST_PG_URL server " + external + ": " + sql + " failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void close() {
      if (local == null) {
        return;
      }
      local.close();
      deleteTree(dir);
    }
  }

  static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp dir
    }
  }
}
