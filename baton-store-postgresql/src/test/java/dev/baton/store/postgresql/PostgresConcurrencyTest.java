package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Ownership;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** Many agents on one database: racing claims, first-time migrations, groups side by side. */
class PostgresConcurrencyTest {
  private static final Duration LEASE = Duration.ofSeconds(2);

  @RegisterExtension
  static final TestPostgres db = new TestPostgres();

  private final List<Store> stores = new CopyOnWriteArrayList<>();

  @AfterEach
  void closeStores() {
    stores.forEach(Store::close);
  }

  private Store open(String url, GroupName group) {
    Store store = Stores.open(new StoreOptions(url, group, LEASE.dividedBy(4), LEASE, Duration.ofSeconds(1), null));
    stores.add(store);
    return store;
  }

  private static GroupName freshGroup(String prefix) {
    return GroupName.of(prefix + "-" + UUID.randomUUID().toString().substring(0, 8));
  }

  private static SessionId openSession(Store store, String node, List<String> services) {
    Map<ServiceName, ProviderStatus> providers = new HashMap<>();
    services.forEach(s -> providers.put(ServiceName.of(s), ProviderStatus.WAITING));
    return store.openSession(new NodeInfo(NodeName.of(node), Location.ROOT, "127.0.0.1:7070"), providers, null);
  }

  private record Grant(String service, long epoch, String node) {}

  @Test
  void batchesOfClaimsInOppositeOrdersFromManyStoresNeitherDeadlockNorGrantAnEpochTwice() throws Exception {
    GroupName group = freshGroup("batch");
    List<String> services = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      services.add("svc-" + i);
    }
    int nodes = 4;
    ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> workers = new ArrayList<>();
    try {
      for (int i = 0; i < nodes; i++) {
        int n = i;
        Store store = open(db.url(), group);
        workers.add(pool.submit(() -> {
          SessionId session = openSession(store, "node-" + n, services);
          start.await();
          for (int round = 0; round < 25; round++) {
            Snapshot snapshot = store.snapshot();
            List<ClaimRequest> batch = new ArrayList<>();
            for (String s : services) {
              batch.add(new ClaimRequest(ServiceName.of(s), snapshot.ownership(ServiceName.of(s)).epoch(), session, null));
            }
            if (n % 2 == 1) {
              java.util.Collections.reverse(batch);
            }
            for (ClaimResult r : store.claimAll(batch)) {
              if (r.granted()) {
                grants.add(new Grant(r.ownership().service().value(), r.ownership().epoch(), "node-" + n));
                store.release(r.ownership().service(), session, r.ownership().epoch());
              }
            }
            store.renew(session);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> w : workers) {
        w.get(2, TimeUnit.MINUTES); // a deadlock would fail a batch with "deadlock detected"
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, List<Long>> epochs = new HashMap<>();
    grants.forEach(g -> epochs.computeIfAbsent(g.service(), k -> new ArrayList<>()).add(g.epoch()));
    assertThat(epochs).hasSize(services.size());
    epochs.forEach((service, granted) -> assertThat(granted).as(service).doesNotHaveDuplicates());
  }

  @Test
  void manyStoresRacingClaimsReleasesAndRestartsNeverGrantTwoOwnersPerEpoch() throws Exception {
    GroupName group = freshGroup("race");
    List<String> services = List.of("s0", "s1", "s2");
    int nodes = 10;
    int steps = 40;
    ConcurrentLinkedQueue<Grant> grants = new ConcurrentLinkedQueue<>();
    List<Store> agents = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      agents.add(open(db.url(), group));
    }
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<?>> workers = new ArrayList<>();
    try {
      for (int i = 0; i < nodes; i++) {
        int n = i;
        workers.add(pool.submit(() -> {
          Store store = agents.get(n);
          String name = "node-" + n;
          Random random = new Random(n);
          SessionId session = openSession(store, name, services);
          Map<String, Long> owned = new HashMap<>();
          start.await();
          for (int step = 0; step < steps; step++) {
            try {
              store.renew(session);
            } catch (SessionLostException lost) {
              session = openSession(store, name, services);
              owned.clear();
            }
            int op = random.nextInt(10);
            String service = services.get(random.nextInt(services.size()));
            if (op < 6) {
              Snapshot snapshot = store.snapshot();
              Ownership o = snapshot.ownership(ServiceName.of(service));
              ClaimResult r = store.claim(new ClaimRequest(ServiceName.of(service), o.epoch(), session, null));
              if (r.granted()) {
                grants.add(new Grant(service, r.ownership().epoch(), name));
                owned.put(service, r.ownership().epoch());
              }
            } else if (op < 9) {
              Long epoch = owned.remove(service);
              if (epoch != null) {
                store.release(ServiceName.of(service), session, epoch);
              }
            } else {
              store.closeSession(session);
              session = openSession(store, name, services);
              owned.clear();
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    Snapshot end = agents.get(0).snapshot();
    for (String service : services) {
      List<Long> epochs = grants.stream().filter(g -> g.service().equals(service)).map(Grant::epoch).sorted().toList();
      long last = end.ownership(ServiceName.of(service)).epoch();
      assertThat(epochs).as("epochs granted for %s", service).doesNotHaveDuplicates();
      assertThat(epochs).as("every epoch of %s granted exactly once", service)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, last).boxed().toList());
    }
    assertThat(grants).as("the race granted something").isNotEmpty();
  }

  @Test
  void storesOpenedAtOnceOnAnEmptyDatabaseMigrateItExactlyOnce() throws Exception {
    String url = db.newDatabase("migrate");
    GroupName group = freshGroup("migrate");
    int agents = 6;
    ExecutorService pool = Executors.newFixedThreadPool(agents);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Store>> opening = new ArrayList<>();
    try {
      for (int i = 0; i < agents; i++) {
        opening.add(pool.submit(() -> {
          start.await();
          return open(url, group);
        }));
      }
      start.countDown();
      for (int i = 0; i < agents; i++) {
        Store store = opening.get(i).get(60, TimeUnit.SECONDS);
        openSession(store, "node-" + i, List.of("mailer"));
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(stores.get(0).snapshot().nodes()).hasSize(agents);
    try (Connection c = PostgresLeaseTest.connect(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, success FROM baton_schema_history WHERE version IS NOT NULL ORDER BY installed_rank")) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1) + ":" + rs.getBoolean(2));
      }
      assertThat(rows).containsExactly("1:true", "2:true", "3:true", "4:true", "5:true", "6:true", "7:true", "8:true", "9:true", "10:true", "11:true", "12:true", "13:true");
    }
  }

  @Test
  void eachGroupsChangesAreAnnouncedOnlyOnItsOwnChannel() throws SQLException {
    GroupName one = freshGroup("one");
    GroupName two = freshGroup("two");
    Store inOne = open(db.url(), one);
    Store inTwo = open(db.url(), two);
    try (Connection listener = PostgresLeaseTest.connect(db.url())) {
      try (Statement s = listener.createStatement()) {
        s.execute("LISTEN " + ChangeNotifications.quoted(PostgresStore.channel(two)));
      }
      SessionId s1 = openSession(inOne, "node-a", List.of("mailer"));
      inOne.claim(new ClaimRequest(ServiceName.of("mailer"), 0, s1, null));
      inOne.putNodeSettings(NodeName.of("node-a"), new NodeSettings(true));
      inOne.closeSession(s1);
      openSession(inTwo, "node-b", List.of("mailer"));

      List<PGNotification> received = new ArrayList<>();
      PGConnection pg = listener.unwrap(PGConnection.class);
      await("group two's own notification").atMost(Duration.ofSeconds(10)).until(() -> {
        PGNotification[] batch = pg.getNotifications(100);
        if (batch != null) {
          received.addAll(List.of(batch));
        }
        return !received.isEmpty();
      });
      // Notifications arrive in commit order: any of group one's would have come first.
      assertThat(received).extracting(PGNotification::getName).containsOnly(PostgresStore.channel(two));
      assertThat(received).extracting(PGNotification::getParameter).containsExactly("session");
    }
    assertThat(inTwo.snapshot().nodes()).extracting(r -> r.info().name().value()).containsExactly("node-b");
    assertThat(inOne.snapshot().nodes()).extracting(r -> r.info().name().value()).containsExactly("node-a");
  }
}
