package dev.baton.core.store;

import java.util.List;

/**
 * Creates stores for one URL scheme. Implementations are registered for {@link java.util.ServiceLoader}
 * in {@code META-INF/services/dev.baton.core.store.StoreProvider}.
 */
public interface StoreProvider {

  /** Whether this provider handles {@code url} (by its scheme). */
  boolean accepts(String url);

  /** Problems with {@code url}, each a sentence saying what is expected; empty when it is fine. */
  List<String> problems(String url);

  /** Opens the store; does not open a session. */
  Store open(StoreOptions options);
}
