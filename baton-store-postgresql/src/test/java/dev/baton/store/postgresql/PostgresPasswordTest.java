package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The password comes from the URL, else PGPASSWORD, else the password file; a wrong one is refused. */
class PostgresPasswordTest {
  @RegisterExtension
  static final PrivatePostgres postgres = new PrivatePostgres();

  private static String withPassword;
  private static String withoutPassword;

  @BeforeAll
  static void createDatabase() {
    withPassword = postgres.server().createDatabase("passwords");
    withoutPassword = "postgresql://postgres@127.0.0.1:" + postgres.server().port() + "/passwords";
  }

  private static StoreOptions options(String url, Path passwordFile) {
    return new StoreOptions(url, GroupName.of("pw"), Duration.ofMillis(250), Duration.ofSeconds(1),
        Duration.ofSeconds(1), passwordFile);
  }

  private static void assertOpensAndReads(PostgresStoreProvider provider, StoreOptions options) {
    try (Store store = provider.open(options)) {
      assertThat(store.snapshot().nodes()).isEmpty();
    }
  }

  @Test
  void thePasswordInTheUrlIsUsedBeforeTheEnvironmentAndTheFile(@TempDir Path dir) throws IOException {
    Path wrongFile = Files.writeString(dir.resolve("pw"), "wrong\n");
    assertOpensAndReads(new PostgresStoreProvider(Map.of("PGPASSWORD", "wrong")::get), options(withPassword, wrongFile));
  }

  @Test
  void pgpasswordIsUsedWhenTheUrlHasNoPasswordAndBeforeTheFile(@TempDir Path dir) throws IOException {
    Path wrongFile = Files.writeString(dir.resolve("pw"), "wrong\n");
    PostgresStoreProvider provider = new PostgresStoreProvider(Map.of("PGPASSWORD", postgres.server().password())::get);
    assertOpensAndReads(provider, options(withoutPassword, wrongFile));
  }

  @Test
  void thePasswordFileIsUsedWhenNeitherUrlNorEnvironmentHasOne(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("pw"), postgres.server().password() + "\n");
    assertOpensAndReads(new PostgresStoreProvider(name -> null), options(withoutPassword, file));
  }

  @Test
  void aWrongPasswordIsRefusedWithAStoreExceptionThatDoesNotShowIt() {
    PostgresStoreProvider provider = new PostgresStoreProvider(Map.of("PGPASSWORD", "not-the-password-42")::get);
    assertThatThrownBy(() -> provider.open(options(withoutPassword, null)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("group=pw")
        .hasMessageContaining("password authentication failed")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-password-42"));
  }

  @Test
  void anUnreadablePasswordFileIsNamedInTheError(@TempDir Path dir) {
    Path missing = dir.resolve("no-such-file");
    assertThatThrownBy(() -> new PostgresStoreProvider(name -> null).open(options(withoutPassword, missing)))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(missing.toString());
  }
}
