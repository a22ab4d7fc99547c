package dev.baton.it;

import dev.baton.cli.faults.LocalZooKeeper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The network cuts on a three-server ZooKeeper ensemble whose servers are processes of their own
 * (their client ports listen on every address, the store address included); every test has a
 * chroot of its own. The agents' ZooKeeper clients must connect without reverse DNS: the
 * namespaces reach no name server, and a lookup would hold every connection for seconds.
 */
class ZookeeperNetworkCutIT extends NetworkCutContract {
  private static Path serverDir;
  private static LocalZooKeeper ensemble;
  private static Thread cleanUpOnExit;

  @BeforeAll
  static void buildTheNetworkAndStartZooKeeper() throws IOException {
    buildTheNetwork();
    serverDir = Files.createTempDirectory("baton-it-netzk-");
    cleanUpOnExit = new Thread(() -> {
      if (ensemble != null) {
        ensemble.close();
      }
      net.close();
    }, "baton-it-net-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    ensemble = LocalZooKeeper.start(serverDir);
  }

  @AfterAll
  static void stopZooKeeperAndRemoveTheNetwork() throws IOException {
    if (cleanUpOnExit == null) {
      return;
    }
    try {
      if (ensemble != null) {
        ensemble.close();
      }
      net.close();
    } finally {
      Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
      PostgresFailoverIT.deleteTree(serverDir);
    }
  }

  @Override
  String freshStoreUrl() {
    return "zookeeper://" + ensemble.connectString(net.storeAddress()) + "/it_"
        + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }
}
