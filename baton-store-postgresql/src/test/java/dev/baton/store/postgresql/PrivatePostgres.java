package dev.baton.store.postgresql;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A PostgreSQL server of one test class's own, for tests that stop it or need its password
 * checks. Always a private {@link LocalPostgres} (also when {@code BATON_TEST_PG_URL} is set: a
 * test stops only a server it started), in a temp dir deleted afterwards; a shutdown hook stops it
 * if the JVM ends before {@code afterAll}.
 */
final class PrivatePostgres implements BeforeAllCallback, AfterAllCallback {
  private LocalPostgres server;
  private Path dir;
  private Thread hook;

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("baton-test-pg-private-");
    server = LocalPostgres.init(dir);
    hook = new Thread(server::close, "baton-test-pg-private-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    server.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      TestPostgres.deleteTree(dir);
      if (hook != null) {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
    }
  }

  LocalPostgres server() {
    return server;
  }
}
