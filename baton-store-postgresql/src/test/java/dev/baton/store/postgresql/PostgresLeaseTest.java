package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.ClaimResult;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeRecord;
import dev.baton.core.store.Observed;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionLostException;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Leases are judged by the database clock alone. */
class PostgresLeaseTest {
  private static final Duration LEASE = Duration.ofSeconds(1);

  @RegisterExtension
  static final TestPostgres db = new TestPostgres();

  private final List<Store> stores = new ArrayList<>();
  private final GroupName group = GroupName.of("lease-" + UUID.randomUUID().toString().substring(0, 8));

  @AfterEach
  void closeStores() {
    stores.forEach(Store::close);
  }

  private Store open() {
    return open(LEASE);
  }

  private Store open(Duration lease) {
    Store store = Stores.open(new StoreOptions(db.url(), group, lease.dividedBy(4), lease, LEASE.dividedBy(2), null));
    stores.add(store);
    return store;
  }

  private static SessionId openSession(Store store, String node) {
    return store.openSession(new NodeInfo(NodeName.of(node), Location.parse("eu/paris"), "127.0.0.1:7070"),
        Map.of(ServiceName.of("mailer"), ProviderStatus.WAITING), null);
  }

  @Test
  void aSessionThatStopsRenewingReadsExpiredAfterTheLeaseAndItsNextRenewalFails() throws SQLException {
    Store node = open();
    Store reader = open();
    SessionId session = openSession(node, "node-a");
    node.renew(session);

    await("node-a expired by the database clock").atMost(Duration.ofSeconds(10))
        .until(() -> reader.snapshot().node(NodeName.of("node-a")).orElseThrow().state() == SessionState.EXPIRED);
    assertThat(storedState("node-a")).as("stored state before the failed renewal").isEqualTo("open");

    assertThatThrownBy(() -> node.renew(session))
        .isInstanceOf(SessionLostException.class)
        .hasMessageContaining("database clock");
    assertThat(storedState("node-a")).as("a lapsed lease is made final by the failed renewal").isEqualTo("expired");
    assertThat(reader.snapshot().node(NodeName.of("node-a")).orElseThrow().state()).isEqualTo(SessionState.EXPIRED);
  }

  @Test
  void aSessionRenewedWithinEachLeaseStaysLiveForSeveralLeases() {
    Duration lease = Duration.ofSeconds(2);
    Store node = open(lease);
    Store reader = open(lease);
    SessionId session = openSession(node, "node-a");
    long[] last = {0};
    // A heartbeat every 250 ms for three leases: each renewal must find the session live and extend
    // it, so the reader sees it live with the renewal just made every time. A store that dated the
    // lease from the session's opening (or ignored a renewal) lets it lapse within the first lease.
    await("node-a renewed and live by the database clock for three leases")
        .during(lease.multipliedBy(3)).atMost(lease.multipliedBy(6)).pollInterval(Duration.ofMillis(250))
        .until(() -> {
          last[0] = node.renew(session);
          NodeRecord record = reader.snapshot().node(NodeName.of("node-a")).orElseThrow();
          return record.state() == SessionState.LIVE && record.renewals() == last[0];
        });
    assertThat(last[0]).as("renewals over three leases, each within its lease").isGreaterThanOrEqualTo(3);
  }

  @Test
  void aClaimNamingTheOwnersUnchangedCounterIsRefusedUntilTheDatabaseClockSaysTheLeasePassed() {
    Store owner = open();
    Store taker = open();
    SessionId so = openSession(owner, "owner");
    SessionId st = openSession(taker, "taker");
    assertThat(owner.claim(new ClaimRequest(ServiceName.of("mailer"), 0, so, null)).granted()).isTrue();
    NodeRecord seen = taker.snapshot().node(NodeName.of("owner")).orElseThrow();
    ClaimRequest overDead = new ClaimRequest(ServiceName.of("mailer"), 1, st, new Observed(seen.session(), seen.renewals()));

    ClaimResult early = taker.claim(overDead);
    assertThat(early.granted()).isFalse();
    assertThat(early.reason()).contains("owner", "database clock");

    ClaimResult[] result = new ClaimResult[1];
    await("claim granted once the owner's lease passed").atMost(Duration.ofSeconds(10))
        .until(() -> (result[0] = taker.claim(overDead)).granted());
    assertThat(result[0].ownership().epoch()).isEqualTo(2);
    assertThatThrownBy(() -> owner.renew(so)).isInstanceOf(SessionLostException.class);
  }

  @Test
  void eachSessionIsJudgedByItsOwnLeaseWhateverTheLeaseOfItsReader() throws SQLException {
    Store shortLease = open();
    Store longLease = open(Duration.ofSeconds(10));
    openSession(shortLease, "node-a");
    openSession(longLease, "node-b");
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT node, lease_ms, heartbeat_ms, (extract(epoch FROM expires_at - last_heartbeat) * 1000)::bigint"
            + " FROM server_liveness WHERE group_name = ? ORDER BY node")) {
      ps.setString(1, group.value());
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(List.of(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
            .containsExactly("node-a", 1_000L, 250L, 1_000L);
        assertThat(rs.next()).isTrue();
        assertThat(List.of(rs.getString(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)))
            .containsExactly("node-b", 10_000L, 2_500L, 10_000L);
      }
    }

    // Read by a store whose own lease is 1 s, neither renewed: node-a expires by its lease of 1 s,
    // node-b lives on for its own 10 s.
    await("node-a expired by its own lease").atMost(Duration.ofSeconds(5))
        .until(() -> shortLease.snapshot().node(NodeName.of("node-a")).orElseThrow().state() == SessionState.EXPIRED);
    NodeRecord b = shortLease.snapshot().node(NodeName.of("node-b")).orElseThrow();
    assertThat(b.state()).isEqualTo(SessionState.LIVE);
    assertThat(b.lease()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aSessionOpenedByAnOlderAgentReadsWithUnknownTimingNotThePreviousSessions() throws SQLException {
    Store store = open();
    openSession(store, "node-a");
    assertThat(store.snapshot().node(NodeName.of("node-a")).orElseThrow().lease()).isEqualTo(LEASE);

    // What an agent of the previous version runs to open sessions: it knows nothing of the timing.
    try (Connection c = connect()) {
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE server_registry SET api = ?, location = ?, session = ?, renewals = 0,"
              + " opened_at = clock_timestamp(), last_heartbeat = clock_timestamp(),"
              + " expires_at = clock_timestamp() + ? * interval '1 millisecond', state = 'open', ended_at = NULL"
              + " WHERE group_name = ? AND node = ?")) {
        ps.setString(1, "127.0.0.1:7070");
        ps.setString(2, "eu/paris");
        ps.setString(3, UUID.randomUUID().toString());
        ps.setLong(4, 10_000);
        ps.setString(5, group.value());
        ps.setString(6, "node-a");
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO server_registry (group_name, node, api, location, session, renewals, opened_at,"
              + " last_heartbeat, expires_at, state)"
              + " VALUES (?, 'node-b', '127.0.0.1:7071', 'eu', ?, 0, clock_timestamp(), clock_timestamp(),"
              + " clock_timestamp() + interval '10 seconds', 'open')")) {
        ps.setString(1, group.value());
        ps.setString(2, UUID.randomUUID().toString());
        assertThat(ps.executeUpdate()).isEqualTo(1);
      }
    }

    for (String node : List.of("node-a", "node-b")) {
      NodeRecord record = store.snapshot().node(NodeName.of(node)).orElseThrow();
      assertThat(record.lease()).as(node + "'s lease").isNull();
      assertThat(record.heartbeat()).as(node + "'s heartbeat").isNull();
      assertThat(record.state()).isEqualTo(SessionState.LIVE);
    }
  }

  @Test
  void theOperatorViewShowsLivenessByTheDatabaseClock() throws SQLException {
    Store node = open();
    SessionId session = openSession(node, "node-a");
    node.renew(session);
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT liveness, active, renewals FROM server_liveness WHERE group_name = ? AND node = 'node-a'")) {
      ps.setString(1, group.value());
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("open");
        assertThat(rs.getBoolean(2)).isTrue();
        assertThat(rs.getLong(3)).isEqualTo(1);
      }
    }
  }

  private String storedState(String node) throws SQLException {
    try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
        "SELECT state FROM server_registry WHERE group_name = ? AND node = ?")) {
      ps.setString(1, group.value());
      ps.setString(2, node);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  private static Connection connect() throws SQLException {
    return connect(db.url());
  }

  static Connection connect(String storeUrl) throws SQLException {
    PostgresUrl url = PostgresUrl.parse(storeUrl);
    Properties p = new Properties();
    p.setProperty("user", url.user());
    String password = url.password() != null ? url.password() : System.getenv("PGPASSWORD");
    if (password != null) {
      p.setProperty("password", password);
    }
    return DriverManager.getConnection(url.jdbcUrl(), p);
  }
}
