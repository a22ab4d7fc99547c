package dev.baton.core.store;

import dev.baton.core.InvalidInputException;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/** Finds the {@link StoreProvider} for a store URL. */
public final class Stores {
  private Stores() {}

  public static List<StoreProvider> providers() {
    return ServiceLoader.load(StoreProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .collect(Collectors.toList());
  }

  public static Optional<StoreProvider> find(String url) {
    return providers().stream().filter(p -> p.accepts(url)).findFirst();
  }

  /** Problems with {@code url}: no provider for its scheme, or what the provider finds. */
  public static List<String> problems(String url) {
    return find(url)
        .map(p -> p.problems(url))
        .orElseGet(() -> List.of("no store handles \"" + url
            + "\"; expected sqlite:/path/to/file.db, postgresql://user@host:port/db, zookeeper://host:port,.../chroot"
            + " or pair://PEER_HOST:PORT (a hot-backup pair, with a pair: section)"));
  }

  /** Why its provider says the store at a valid {@code url} cannot be used from here, if it can't. */
  public static Optional<String> unusable(String url) {
    return find(url).flatMap(p -> p.unusable(url));
  }

  /** What its provider says an operator should know about the store at a valid {@code url}. */
  public static Optional<String> notice(String url) {
    return find(url).flatMap(p -> p.notice(url));
  }

  public static Store open(StoreOptions options) {
    List<String> problems = problems(options.url());
    if (!problems.isEmpty()) {
      throw new InvalidInputException(String.join("; ", problems));
    }
    return find(options.url()).orElseThrow().open(options);
  }
}
