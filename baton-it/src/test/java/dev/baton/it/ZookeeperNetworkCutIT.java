package dev.baton.it;

import dev.baton.lab.local.LocalZooKeeper;
import java.io.IOException;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;

/**
 * The network cuts on a three-server ZooKeeper ensemble whose servers are processes of their own
 * (their client ports listen on every address, the store address included); every test has a
 * chroot of its own. The agents' ZooKeeper clients must connect without reverse DNS: the
 * namespaces reach no name server, and a lookup would hold every connection for seconds.
 */
class ZookeeperNetworkCutIT extends NetworkCutContract {
  private static LocalZooKeeper ensemble;

  @BeforeAll
  static void startZooKeeper() throws IOException {
    ensemble = LocalZooKeeper.start(buildTheNetwork("baton-it-netzk-"));
    serverStarted(ensemble);
  }

  @Override
  String freshStoreUrl() {
    return "zookeeper://" + ensemble.connectString(net.storeAddress()) + "/it_"
        + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }
}
