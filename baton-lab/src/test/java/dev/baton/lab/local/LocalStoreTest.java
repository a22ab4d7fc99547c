package dev.baton.lab.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.BatonException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStoreTest {
  /**
   * The fault suite's ZooKeeper losses kill servers for real and start them again. A killed server
   * is a dead process, the other two keep serving, and a restarted one rejoins with its data.
   */
  @Test
  void aKilledZooKeeperServerIsAGoneProcessAndRejoinsWithItsData(@TempDir Path dir) throws Exception {
    try (LocalStore store = LocalStore.create("zookeeper", dir)) {
      LocalZooKeeper ensemble = store.zookeeper().orElseThrow();
      assertThat(store.url()).isEqualTo("zookeeper://" + ensemble.connectString("127.0.0.1") + "/baton");
      LocalZooKeeper.Server victim = ensemble.servers().get(0);
      write(store.zookeeperServers(), "/before", "kept");

      victim.kill();
      assertThat(victim.running()).isFalse();
      assertThat(victim.serves()).isFalse();
      write(store.zookeeperServers(), "/during", "two of three");

      victim.start();
      ensemble.awaitServing(Duration.ofSeconds(60));
      assertThat(read(victim, "/before")).isEqualTo("kept");
      assertThat(read(victim, "/during")).isEqualTo("two of three");
    }
  }

  /**
   * A server that cannot come up ends its own process, never this one (an embedded server would
   * have called System.exit here); the ensemble starts it again once it can.
   */
  @Test
  void aZooKeeperServerThatCannotStartEndsOnlyItsOwnProcess(@TempDir Path dir) throws Exception {
    try (LocalStore store = LocalStore.create("zookeeper", dir)) {
      LocalZooKeeper ensemble = store.zookeeper().orElseThrow();
      LocalZooKeeper.Server victim = ensemble.servers().get(1);
      victim.kill();
      try (ServerSocket squatter = new ServerSocket()) {
        squatter.bind(new InetSocketAddress(victim.clientPort()));
        victim.start();
        assertThatThrownBy(() -> ensemble.awaitServing(Duration.ofSeconds(20)))
            .isInstanceOf(BatonException.class)
            .hasMessageContaining(victim + " exited");
      }
      ensemble.awaitServing(Duration.ofSeconds(60));
      assertThat(victim.serves()).isTrue();
    }
  }

  private static void write(String servers, String path, String value) throws Exception {
    try (CuratorFramework zk = CuratorFrameworkFactory.newClient(servers, new RetryOneTime(100))) {
      zk.start();
      zk.create().forPath(path, value.getBytes());
    }
  }

  private static String read(LocalZooKeeper.Server server, String path) throws Exception {
    try (CuratorFramework zk = CuratorFrameworkFactory.newClient("127.0.0.1:" + server.clientPort(), new RetryOneTime(100))) {
      zk.start();
      zk.sync().forPath(path);
      return new String(zk.getData().forPath(path));
    }
  }
}
