package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.ProviderState;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every agent takes a snapshot every heartbeat: on a group that does not change, what a snapshot
 * reads must grow with the nodes, not with the services (counted by pg_stat_statements on a server
 * of this class's own), and a change another store committed must still show at once.
 */
class PostgresSnapshotLoadTest {
  private static final Duration LEASE = Duration.ofSeconds(10);
  private static final int SERVICES = 500;
  private static final int SNAPSHOTS = 10;

  @RegisterExtension
  static final PrivatePostgres postgres = new PrivatePostgres();

  private final List<Store> stores = new ArrayList<>();
  private final GroupName group = GroupName.of("snap");
  private String database;

  @BeforeEach
  void createDatabase() throws SQLException {
    database = "snap_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    postgres.server().createDatabase(database);
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION pg_stat_statements");
    }
  }

  @AfterEach
  void closeStores() {
    stores.forEach(Store::close);
  }

  @Test
  void snapshotsOfAnUnchangedGroupReadRowsInProportionToItsNodesNotItsServices() throws SQLException {
    Store a = open();
    Store b = open();
    a.openSession(node("node-a"), providers(ProviderState.WAITING), null);
    b.openSession(node("node-b"), providers(ProviderState.WAITING), null);
    assertThat(a.snapshot().node(NodeName.of("node-b")).orElseThrow().providers()).hasSize(SERVICES);

    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("SELECT pg_stat_statements_reset()");
      for (int i = 0; i < SNAPSHOTS; i++) {
        assertThat(a.snapshot().node(NodeName.of("node-b")).orElseThrow().providers()).hasSize(SERVICES);
      }
      long rows;
      try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(rows), 0) FROM pg_stat_statements"
          + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
          + " AND query NOT LIKE '%pg_stat_statements%'"
          // the server identity check of a connection the pool opens meanwhile: per connection, not per snapshot
          + " AND query NOT LIKE '%baton_server_%'")) {
        rs.next();
        rows = rs.getLong(1);
      }
      // Two node rows and one counter row per snapshot; re-reading the providers would be 1000.
      assertThat(rows).as("rows read by %d snapshots of 2 nodes x %d services", SNAPSHOTS, SERVICES)
          .isLessThanOrEqualTo(SNAPSHOTS * 3L);
    }
  }

  @Test
  void aSnapshotShowsAChangeAnotherStoreJustCommitted() {
    Store a = open();
    Store b = open();
    a.openSession(node("node-a"), providers(ProviderState.WAITING), null);
    SessionId sb = b.openSession(node("node-b"), providers(ProviderState.WAITING), null);
    ServiceName first = ServiceName.of("svc-0001");
    assertThat(a.snapshot().ownership(first).session()).isNull();

    assertThat(b.claim(new ClaimRequest(first, 0, sb, null)).granted()).isTrue();
    assertThat(a.snapshot().ownership(first).node()).isEqualTo(NodeName.of("node-b"));

    b.publishProviders(sb, Map.of(first, ProviderStatus.of(ProviderState.PROVIDING)));
    assertThat(a.snapshot().node(NodeName.of("node-b")).orElseThrow().providers())
        .containsExactly(Map.entry(first, ProviderStatus.of(ProviderState.PROVIDING)));
  }

  private Store open() {
    Store store = Stores.open(new StoreOptions(postgres.server().url(database), group, LEASE.dividedBy(4), LEASE,
        Duration.ofSeconds(2), null));
    stores.add(store);
    return store;
  }

  private static NodeInfo node(String name) {
    return new NodeInfo(NodeName.of(name), Location.ROOT, "127.0.0.1:7070");
  }

  private static Map<ServiceName, ProviderStatus> providers(ProviderState state) {
    Map<ServiceName, ProviderStatus> providers = new TreeMap<>();
    for (int i = 1; i <= SERVICES; i++) {
      providers.put(ServiceName.of(String.format(Locale.ROOT, "svc-%04d", i)), ProviderStatus.of(state));
    }
    return providers;
  }

  private Connection connect() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("password", postgres.server().password());
    return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + postgres.server().port() + "/" + database, p);
  }
}
