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
 * if the JVM ends before {@code afterAll}. {@link #withTls()} makes one that also offers TLS with a
 * self-signed certificate made for the test.
 */
final class PrivatePostgres implements BeforeAllCallback, AfterAllCallback {
  private final boolean tls;
  private LocalPostgres server;
  private Path dir;
  private Thread hook;

  PrivatePostgres() {
    this(false);
  }

  private PrivatePostgres(boolean tls) {
    this.tls = tls;
  }

  /**
   * A server with {@code ssl = on} and a self-signed certificate for {@code localhost} and
   * 127.0.0.1, made with openssl ({@link #certificate()}).
   */
  static PrivatePostgres withTls() {
    return new PrivatePostgres(true);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException, InterruptedException {
    dir = Files.createTempDirectory("baton-test-pg-private-");
    server = LocalPostgres.init(dir);
    if (tls) {
      Path made = selfSigned(dir.resolve("tls"));
      server.useTls(made.resolve("cert.pem"), made.resolve("key.pem"));
    }
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

  /** The server's certificate (PEM), its own CA, for {@code sslrootcert}; only {@link #withTls()}. */
  Path certificate() {
    return dir.resolve("tls").resolve("cert.pem");
  }

  /**
   * A self-signed certificate for {@code localhost} and 127.0.0.1, made with openssl:
   * {@code cert.pem} and {@code key.pem} in {@code dir}; returns {@code dir}.
   */
  static Path selfSigned(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString())
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException("openssl could not make a certificate: " + output);
    }
    return dir;
  }
}
