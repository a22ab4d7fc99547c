package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** TLS to PostgreSQL: the URL's sslmode and sslrootcert reach the driver, which verifies the server. */
class PostgresTlsTest {
  @RegisterExtension
  static final PrivatePostgres postgres = PrivatePostgres.withTls();

  private static String plainUrl;

  @BeforeAll
  static void createDatabase() {
    plainUrl = postgres.server().createDatabase("tls");
  }

  private static StoreOptions options(String url, String group) {
    return new StoreOptions(url, GroupName.of(group), Duration.ofMillis(250), Duration.ofSeconds(1),
        Duration.ofSeconds(2), null);
  }

  @Test
  void verifyFullWithTheServersCaConnectsAndEveryConnectionIsEncrypted() throws Exception {
    String url = plainUrl.replace("@127.0.0.1:", "@localhost:")
        + "?sslmode=verify-full&sslrootcert=" + postgres.certificate();

    try (Store store = new PostgresStoreProvider(name -> null).open(options(url, "tls-ok"))) {
      assertThat(store.snapshot().nodes()).isEmpty();

      List<Boolean> encrypted = storeConnectionsEncrypted("baton tls-ok");
      assertThat(encrypted).isNotEmpty().containsOnly(true);
    }
  }

  @Test
  void aRootCertificateThatDidNotSignTheServersIsRefusedClearly(@TempDir Path dir) throws Exception {
    Path otherCa = PrivatePostgres.selfSigned(dir).resolve("cert.pem");
    String url = plainUrl.replace("@127.0.0.1:", "@localhost:") + "?sslmode=verify-full&sslrootcert=" + otherCa;

    assertThatThrownBy(() -> new PostgresStoreProvider(name -> null).open(options(url, "tls-wrong")).close())
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("group=tls-wrong")
        .hasMessageContaining("Path does not chain with any of the trust anchors")
        .hasMessageContaining("the TLS handshake with the server failed: check that sslrootcert")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(postgres.server().password()));
    assertThat(storeConnectionsEncrypted("baton tls-wrong")).isEmpty();
  }

  /** Whether each connection of the store of {@code applicationName} uses TLS, seen by the server. */
  private static List<Boolean> storeConnectionsEncrypted(String applicationName) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", postgres.server().password());
    p.setProperty("sslmode", "disable");
    List<Boolean> encrypted = new ArrayList<>();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.server().port() + "/postgres", p);
        PreparedStatement s = c.prepareStatement("SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)"
            + " WHERE a.application_name = ?")) {
      s.setString(1, applicationName);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          encrypted.add(rs.getBoolean(1));
        }
      }
    }
    return encrypted;
  }
}
