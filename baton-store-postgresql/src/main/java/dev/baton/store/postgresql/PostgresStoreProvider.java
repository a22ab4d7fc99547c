package dev.baton.store.postgresql;

import dev.baton.core.InvalidInputException;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.StoreProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The PostgreSQL store, for {@code postgresql://user[:password]@host:port/database} (also
 * {@code postgres://} and {@code jdbc:postgresql://}). The password comes from the URL, else the
 * {@code PGPASSWORD} environment variable, else {@link StoreOptions#passwordFile()}, else none
 * (for servers that trust the connection).
 */
public final class PostgresStoreProvider implements StoreProvider {
  private final UnaryOperator<String> environment;

  public PostgresStoreProvider() {
    this(System::getenv);
  }

  PostgresStoreProvider(UnaryOperator<String> environment) {
    this.environment = environment;
  }

  @Override
  public boolean accepts(String url) {
    return PostgresUrl.hasScheme(url);
  }

  @Override
  public List<String> problems(String url) {
    return PostgresUrl.problems(url);
  }

  @Override
  public Store open(StoreOptions options) {
    PostgresUrl url = PostgresUrl.parse(options.url());
    return PostgresStore.open(url, password(url, options), options);
  }

  private String password(PostgresUrl url, StoreOptions options) {
    if (url.password() != null) {
      return url.password();
    }
    String fromEnvironment = environment.apply("PGPASSWORD");
    if (fromEnvironment != null && !fromEnvironment.isEmpty()) {
      return fromEnvironment;
    }
    if (options.passwordFile() != null) {
      try {
        return Files.readString(options.passwordFile(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new InvalidInputException("cannot read the store password file " + options.passwordFile()
            + " (" + e + "); expected a readable file holding the password of " + url.user());
      }
    }
    return null;
  }
}
