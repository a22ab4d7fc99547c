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
   * <p>With a password file ({@code user:password}) the store authenticates by ZooKeeper digest and
   * creates the group's znodes for that identity alone ({@link ZnodeAcls}).
   *
   * @throws InvalidInputException for a bad URL, or a password file that is missing, unreadable,
   *     empty or malformed
   * @throws dev.baton.core.store.StoreException if the ensemble cannot be reached
   */
  @Override
  public Store open(StoreOptions options) {
    ZookeeperUrl url = ZookeeperUrl.parse(options.url());
    ZookeeperCredentials credentials =
        options.passwordFile() == null ? null : ZookeeperCredentials.read(options.passwordFile());
    return new ZookeeperStore(options, url, credentials, MonotonicClock.SYSTEM, ZookeeperStore.EVENTS_KEPT);
  }
}
