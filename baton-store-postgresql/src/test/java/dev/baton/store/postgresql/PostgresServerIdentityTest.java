package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store refuses a server that may have lost acknowledged commits: a promoted standby (another
 * timeline) or another cluster behind the same address. Private servers of this test's own: a
 * primary, a streaming standby made from it with {@code pg_basebackup -R}, a fresh cluster.
 */
class PostgresServerIdentityTest {
  static final String DATABASE = "baton_identity";
  static final ServiceName MAILER = ServiceName.of("mailer");
  static final Duration LEASE = Duration.ofSeconds(2);

  Path dir;
  final List<LocalPostgres> servers = new ArrayList<>();
  final List<Store> stores = new ArrayList<>();
  final GroupName group = GroupName.of("identity");
  LocalPostgres primary;
  String url;
  Thread hook;

  @BeforeEach
  void startThePrimary() throws Exception {
    // Each server's directory is inside: the postgres OS user (when run as root) must get through.
    dir = Files.createTempDirectory("baton-test-pg-identity-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    hook = new Thread(this::stopServers, "baton-test-pg-identity-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    primary = server(LocalPostgres.init(dir.resolve("a")));
    primary.start();
    url = primary.createDatabase(DATABASE);
  }

  @AfterEach
  void stopEverything() {
    stores.forEach(Store::close);
    stopServers();
    Runtime.getRuntime().removeShutdownHook(hook);
    TestPostgres.deleteTree(dir);
  }

  private void stopServers() {
    servers.forEach(LocalPostgres::close);
  }

  private LocalPostgres server(LocalPostgres s) {
    servers.add(s);
    return s;
  }

  private Store open() {
    Store store = Stores.open(new StoreOptions(url, group, LEASE.dividedBy(4), LEASE, Duration.ofSeconds(1), null));
    stores.add(store);
    return store;
  }

  private static SessionId openSession(Store store, String node) {
    return store.openSession(new NodeInfo(NodeName.of(node), Location.ROOT, "127.0.0.1:7070"),
        Map.of(MAILER, ProviderStatus.WAITING), null);
  }

  private String query(String sql) throws SQLException {
    try (Connection c = PostgresLeaseTest.connect(url); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** The primary stops, its standby is promoted (a new timeline) and serves on the primary's port. */
  private LocalPostgres failOverToAPromotedStandby() {
    LocalPostgres standby = server(LocalPostgres.standbyOf(primary, dir.resolve("b")));
    standby.start();
    primary.stop();
    standby.promote();
    standby.stop();
    standby.usePort(primary.port());
    standby.start();
    return standby;
  }

  @Test
  void theServerIsRecordedAtTheFirstOpenAndTheSameServerIsAcceptedAgainAfterARestart() throws Exception {
    Store store = open();
    SessionId session = openSession(store, "node-a");
    assertThat(query("SELECT timeline || ' ' || system_identifier FROM baton_server_identity"))
        .isEqualTo(query("SELECT timeline || ' ' || system_identifier FROM baton_server_now()"));

    primary.stopImmediate();
    primary.start();

    await("calls work again on the same server").atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> store.claim(new ClaimRequest(MAILER, 0, session, null)).granted());
    open().snapshot();
  }

  @Test
  void aPromotedStandbyIsRefusedByARunningStoreAndByAFreshOneUntilAnOperatorAcceptsIt() throws Exception {
    Store store = open();
    SessionId session = openSession(store, "node-a");
    assertThat(store.claim(new ClaimRequest(MAILER, 0, session, null)).granted()).isTrue();

    failOverToAPromotedStandby();

    await("every call refused, naming the new timeline").atMost(Duration.ofSeconds(20)).untilAsserted(() ->
        assertThatThrownBy(store::snapshot)
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("another timeline of the same cluster (timeline 2, not 1)")
            .hasMessageContaining("this store opened on")
            .hasMessageContaining("SELECT baton_accept_server_identity();"));
    assertThatThrownBy(() -> store.renew(session)).isInstanceOf(StoreException.class)
        .hasMessageContaining("timeline 2, not 1");
    assertThatThrownBy(this::open)
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("another timeline of the same cluster (timeline 2, not 1)")
        .hasMessageContaining("this database records");

    assertThat(query("SELECT baton_accept_server_identity()")).contains("accepted", "timeline 2", "in place of");

    await("the running store carries on").atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> store.snapshot().ownership(MAILER).epoch() == 1);
    assertThat(open().snapshot().ownership(MAILER).epoch()).isEqualTo(1);
  }

  @Test
  void aServerOfAnotherClusterBehindTheSameAddressIsRefused() throws Exception {
    Store store = open();
    SessionId session = openSession(store, "node-a");
    assertThat(store.claim(new ClaimRequest(MAILER, 0, session, null)).granted()).isTrue();
    String oldSystem = query("SELECT system_identifier FROM baton_server_identity");

    // Another cluster on the same port, with the same database, migrated by an agent opening it.
    primary.stop();
    LocalPostgres other = server(LocalPostgres.initWithPasswordOf(dir.resolve("c"), primary));
    other.usePort(primary.port());
    other.start();
    other.createDatabase(DATABASE);
    open().snapshot();
    String newSystem = query("SELECT system_identifier FROM baton_server_identity");
    assertThat(newSystem).isNotEqualTo(oldSystem);

    await("every call of the store opened on the old cluster refused").atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThatThrownBy(store::snapshot)
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("another cluster (system identifier " + newSystem + ", not " + oldSystem + ")"));
    assertThatThrownBy(() -> store.claim(new ClaimRequest(MAILER, 0, session, null)))
        .isInstanceOf(StoreException.class).hasMessageContaining("another cluster");
  }

  @Test
  void aStandbyInRecoveryIsRefused() {
    open().snapshot();
    LocalPostgres standby = server(LocalPostgres.standbyOf(primary, dir.resolve("b")));
    standby.start();
    String standbyUrl = standby.url(DATABASE);

    assertThatThrownBy(() -> stores.add(Stores.open(
        new StoreOptions(standbyUrl, group, LEASE.dividedBy(4), LEASE, Duration.ofSeconds(1), null))))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("standby");
  }
}
