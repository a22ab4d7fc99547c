package dev.baton.agent.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event queue holds a few events for every service of the node: a node that starts all of its
 * many services at once while the store is busy drops none of their events. The store is a SQLite
 * file kept busy by another connection's exclusive transaction, so the events wait in the queue.
 */
class EventLogQueueTest {
  private static final NodeName NODE = NodeName.of("node-a");
  private static final Duration LEASE = Duration.ofSeconds(4);

  @TempDir Path dir;

  private Store open(Path db) {
    return Stores.open(new StoreOptions("sqlite:" + db, GroupName.of("events"), LEASE.dividedBy(4), LEASE,
        Duration.ofSeconds(2), null));
  }

  /** Appends three events for each of {@code services} services while the file is locked; returns how many were dropped. */
  private long droppedWhileBusy(int queueFor, int services) throws Exception {
    Path db = dir.resolve("group-" + queueFor + ".db");
    try (Store store = open(db); EventLog log = new EventLog(store, NODE, queueFor)) {
      store.snapshot(); // creates the file
      try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + db)) {
        try (Statement st = locker.createStatement()) {
          st.execute("BEGIN EXCLUSIVE");
        }
        for (int i = 0; i < services; i++) {
          ServiceName svc = ServiceName.of("svc-" + i);
          log.append("service.claimed", svc, 1L, null);
          log.append("service.starting", svc, 1L, null);
          log.append("service.started", svc, 1L, null);
        }
        try (Statement st = locker.createStatement()) {
          st.execute("ROLLBACK");
        }
      }
      long dropped = log.dropped();
      if (dropped == 0) {
        // the first batch may have timed out behind the lock (recorded with number 0): the rest is written
        await().atMost(Duration.ofSeconds(30)).until(() -> store.events(0, 10_000).size() >= 3 * services - EventLog.BATCH);
      }
      return dropped;
    }
  }

  @Test
  void aNodeOfTwoThousandServicesQueuesTheirStartsWhileTheStoreIsBusyAndDropsNone() throws Exception {
    assertThat(droppedWhileBusy(2_000, 2_000)).isZero();
  }

  @Test
  void aNodeOfFewServicesStillBoundsItsQueue() throws Exception {
    assertThat(droppedWhileBusy(1, 2_000)).isGreaterThanOrEqualTo(6_000 - EventLog.QUEUE - EventLog.BATCH);
  }
}
