package dev.baton.store.pair;

import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.StoreProvider;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Opens the hot-backup pair store for URLs of the form {@code pair://PEER_HOST:PORT?listen=...}.
 * Registered for {@link java.util.ServiceLoader}.
 */
public final class PairStoreProvider implements StoreProvider {

  @Override
  public boolean accepts(String url) {
    return url != null && url.startsWith(PairUrl.SCHEME);
  }

  @Override
  public List<String> problems(String url) {
    List<String> problems = new ArrayList<>();
    PairUrl.parse(url, problems);
    return problems;
  }

  @Override
  public Optional<String> notice(String url) {
    PairUrl pair = PairUrl.parse(url);
    if (pair.member() && pair.witness() == null) {
      return Optional.of("this pair has no witness: if the link between the two members is cut while both"
          + " run, the backup goes live " + pair.silence().toMillis() + " ms (" + pair.threshold() + " x "
          + pair.interval().toMillis() + " ms) after the last heartbeat it received and both run the services;"
          + " set pair.witness to a store of another kind to prevent it");
    }
    return Optional.empty();
  }

  @Override
  public Store open(StoreOptions options) {
    return PairStore.open(PairUrl.parse(options.url()), options);
  }
}
