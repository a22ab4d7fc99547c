package dev.baton.store.postgresql;

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
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A reader that watches the group learns when it heard of each renewal (its NOTIFY), and reports it
 * as the renewal's stamp: never before the renewal was sent, never after the reader saw the counter.
 * Renewal notices announce no change to the watch. A reader that does not watch has no stamp.
 */
class PostgresRenewalNoticeTest {
  private static final Duration LEASE = Duration.ofSeconds(4);

  @RegisterExtension
  static final TestPostgres db = new TestPostgres();

  private final GroupName group = GroupName.of("notice-" + UUID.randomUUID().toString().substring(0, 8));

  private Store open() {
    return Stores.open(new StoreOptions(db.url(), group, LEASE.dividedBy(4), LEASE, LEASE.dividedBy(4), null));
  }

  private static NodeRecord nodeA(Store store) {
    return store.snapshot().nodes().stream().filter(n -> n.info().name().equals(NodeName.of("node-a"))).findFirst()
        .orElseThrow();
  }

  @Test
  void aWatchingReaderStampsEachRenewalWithWhenItHeardOfItAndRenewalsAnnounceNoChange() throws Exception {
    AtomicInteger announced = new AtomicInteger();
    try (Store owner = open(); Store watcher = open(); Store blind = open();
        AutoCloseable watch = watcher.watch(announced::incrementAndGet)) {
      SessionId session = owner.openSession(new NodeInfo(NodeName.of("node-a"), Location.ROOT, "127.0.0.1:7070"),
          Map.of(ServiceName.of("mailer"), ProviderStatus.WAITING), null);
      await().atMost(Duration.ofSeconds(10)).until(() -> announced.get() > 0); // the session's opening
      int beforeRenewals = announced.get();
      for (int i = 0; i < 3; i++) {
        long sent = System.nanoTime();
        long renewals = owner.renew(session);
        long[] seenBy = new long[1];
        NodeRecord seen = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).until(() -> {
          NodeRecord r = nodeA(watcher);
          seenBy[0] = System.nanoTime();
          return r;
        }, r -> r.renewals() == renewals && r.renewed() != null);
        assertThat(seen.renewed().boot()).isEqualTo(RenewalStamp.localBoot()).isNotNull();
        assertThat(seen.renewed().nanos()).as("heard after it was sent, before it was seen").isBetween(sent, seenBy[0]);
      }
      assertThat(announced.get()).as("renewals announce no change").isEqualTo(beforeRenewals);
      assertThat(nodeA(blind).renewed()).isNull();
    }
  }
}
