package dev.baton.store.zookeeper;

import dev.baton.store.tck.StoreTck;
import java.io.IOException;
import java.time.Duration;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The store TCK on an in-process three-server ensemble. The lease is longer than the TCK's
 * default because this store ends a session that nobody renews for a lease, and most TCK tests
 * open sessions without renewing them while they work.
 */
class ZookeeperStoreTest extends StoreTck {
  private static TestingCluster ensemble;

  @BeforeAll
  static void startEnsemble() throws Exception {
    ensemble = Ensemble.start();
  }

  @AfterAll
  static void stopEnsemble() throws IOException {
    ensemble.close();
  }

  @Override
  protected String storeUrl() {
    return "zookeeper://" + ensemble.getConnectString() + "/baton-tck";
  }

  @Override
  protected Duration lease() {
    return Duration.ofSeconds(2);
  }
}
