package dev.baton.store.zookeeper;

import dev.baton.core.InvalidInputException;
import dev.baton.core.MonotonicClock;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.StoreProvider;
import java.util.List;

/**
 * Opens the ZooKeeper store for {@code zookeeper://host:port[,host:port...][/chroot]} URLs (port
 * 2181 and chroot {@code /baton} by default). Found through {@link java.util.ServiceLoader}.
 */
public final class ZookeeperStoreProvider implements StoreProvider {

  @Override
  public boolean accepts(String url) {
    return ZookeeperUrl.accepts(url);
  }

  @Override
  public List<String> problems(String url) {
    return ZookeeperUrl.problems(url);
  }

  /**
   * Connects to the ensemble (waiting up to the larger of the call timeout and the lease) and
   * creates the group's directories if they are missing.
   *
   * @throws InvalidInputException for a bad URL or a password file (ZooKeeper authentication is
   *     not supported)
   * @throws dev.baton.core.store.StoreException if the ensemble cannot be reached
   */
  @Override
  public Store open(StoreOptions options) {
    ZookeeperUrl url = ZookeeperUrl.parse(options.url());
    if (options.passwordFile() != null) {
      throw new InvalidInputException("the ZooKeeper store at \"" + options.url()
          + "\" takes no password file (ZooKeeper authentication is not supported); remove \""
          + options.passwordFile() + "\" from the store settings");
    }
    return new ZookeeperStore(options, url, MonotonicClock.SYSTEM, ZookeeperStore.EVENTS_KEPT);
  }
}
