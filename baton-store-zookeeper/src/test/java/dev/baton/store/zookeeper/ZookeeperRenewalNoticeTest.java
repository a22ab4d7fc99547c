package dev.baton.store.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.RenewalStamp;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A reader that watches the group learns when it heard of each renewal (the ensemble's notice of
 * the ephemeral's write), and reports it as the renewal's stamp: never before the renewal was sent,
 * never after the reader saw the counter. A reader that does not watch has no stamp.
 */
class ZookeeperRenewalNoticeTest {
  private static final Duration LEASE = Duration.ofSeconds(4);
  private static TestingCluster ensemble;

  @BeforeAll
  static void startEnsemble() throws Exception {
    ensemble = Ensemble.start();
  }

  @AfterAll
  static void stopEnsemble() throws Exception {
    ensemble.close();
  }

  private static Store open(String group) {
    return Stores.open(new StoreOptions("zookeeper://" + ensemble.getConnectString() + "/baton-notice",
        GroupName.of(group), LEASE.dividedBy(4), LEASE, LEASE.dividedBy(4), null));
  }

  private static NodeRecord nodeA(Store store) {
    return store.snapshot().nodes().stream().filter(n -> n.info().name().equals(NodeName.of("node-a"))).findFirst()
        .orElseThrow();
  }

  @Test
  void aWatchingReaderStampsEachRenewalWithWhenItHeardOfItAndANonWatchingOneDoesNot() throws Exception {
    try (Store owner = open("heard"); Store watcher = open("heard"); Store blind = open("heard");
        AutoCloseable watch = watcher.watch(() -> { })) {
      SessionId session = owner.openSession(new NodeInfo(NodeName.of("node-a"), Location.ROOT, "127.0.0.1:7070"),
          Map.of(ServiceName.of("mailer"), ProviderStatus.WAITING), null);
      for (int i = 0; i < 3; i++) {
        long sent = System.nanoTime();
        owner.renew(session);
        long renewals = nodeA(owner).renewals();
        long[] seenBy = new long[1];
        NodeRecord seen = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
          NodeRecord r = nodeA(watcher);
          seenBy[0] = System.nanoTime();
          return r;
        }, r -> r.renewals() == renewals && r.renewed() != null);
        assertThat(seen.renewed().boot()).isEqualTo(RenewalStamp.localBoot()).isNotNull();
        assertThat(seen.renewed().nanos()).as("heard after it was sent, before it was seen").isBetween(sent, seenBy[0]);
      }
      assertThat(nodeA(blind).renewed()).isNull();
    }
  }
}
