package dev.baton.core.store;

import java.util.List;
import java.util.Optional;

/**
 * Creates stores for one URL scheme. Implementations are registered for {@link java.util.ServiceLoader}
 * in {@code META-INF/services/dev.baton.core.store.StoreProvider}.
 */
public interface StoreProvider {

  /** Whether this provider handles {@code url} (by its scheme). */
  boolean accepts(String url);

  /** Problems with {@code url}, each a sentence saying what is expected; empty when it is fine. */
  List<String> problems(String url);

  /**
   * Why the store at a valid {@code url} cannot be used from this machine as things stand (a SQLite
   * file's directory is missing), or empty; only what can be told without connecting.
   */
  default Optional<String> unusable(String url) {
    return Optional.empty();
  }

  /**
   * What an operator should know about the store at {@code url} before an agent starts there (a
   * valid URL), such as that it does not exist yet and will be created with a new group; empty when
   * there is nothing to say or it cannot be told without connecting.
   */
  default Optional<String> notice(String url) {
    return Optional.empty();
  }

  /** Opens the store; does not open a session. */
  Store open(StoreOptions options);
}
