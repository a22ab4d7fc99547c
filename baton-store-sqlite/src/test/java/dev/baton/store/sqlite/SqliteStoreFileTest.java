package dev.baton.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.Event;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.Observed;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.RenewalStamp;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a SQLite file can do wrong: locks held by others, foreign files, other versions. */
class SqliteStoreFileTest {
  private static final Duration CALL_TIMEOUT = Duration.ofMillis(500);
  private static final GroupName GROUP = GroupName.of("billing");

  @TempDir
  Path dir;

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeEverything() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  private Path db() {
    return dir.resolve("baton.db");
  }

  private Store open(Path path) {
    Store store = Stores.open(new StoreOptions("sqlite:" + path, GROUP, Duration.ofMillis(250),
        Duration.ofSeconds(1), CALL_TIMEOUT, null));
    toClose.add(store);
    return store;
  }

  private Connection raw(Path path) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + path);
    toClose.add(c);
    try (Statement st = c.createStatement()) {
      st.execute("PRAGMA busy_timeout = 5000");
    }
    return c;
  }

  private static SessionId openSession(Store store, String node) {
    return store.openSession(new NodeInfo(NodeName.of(node), Location.ROOT, "127.0.0.1:7070"),
        Map.of(ServiceName.of("mailer"), ProviderStatus.WAITING), null);
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  @Test
  void eachRenewalIsStampedWithWhenItWasSentOnThisHostsClockAndANewSessionStartsUnstamped() {
    Store store = open(db());
    SessionId first = openSession(store, "node-a");
    assertThat(renewed(store)).isNull();
    long before = System.nanoTime();
    store.renew(first);
    long after = System.nanoTime();
    RenewalStamp stamp = renewed(store);
    assertThat(stamp.boot()).isEqualTo(RenewalStamp.localBoot()).isNotNull();
    assertThat(stamp.nanos()).isBetween(before, after);

    store.openSession(new NodeInfo(NodeName.of("node-a"), Location.ROOT, "127.0.0.1:7070"),
        Map.of(ServiceName.of("mailer"), ProviderStatus.WAITING), new Observed(first, 1));
    assertThat(renewed(store)).isNull();
  }

  private static RenewalStamp renewed(Store store) {
    return store.snapshot().nodes().stream().filter(n -> n.info().name().equals(NodeName.of("node-a"))).findFirst()
        .orElseThrow().renewed();
  }

  @Test
  void aNewFileIsCreatedAtTheCurrentSchemaVersionInWalMode() throws Exception {
    Path path = dir.resolve("billing.db");
    open(path).snapshot();

    Connection c = raw(path);
    assertThat(query(c, "PRAGMA user_version")).isEqualTo(String.valueOf(SqliteSchema.VERSION));
    assertThat(query(c, "PRAGMA journal_mode")).isEqualTo("wal");
  }

  @Test
  void aFileThatIsNotADatabaseGivesAStoreExceptionNamingThePathAndTheFix() throws Exception {
    Path path = Files.writeString(db(), "these are the minutes of the meeting, not a database\n".repeat(40));

    assertThatThrownBy(() -> open(path))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(path.toString())
        .hasMessageContaining("not a SQLite database")
        .hasMessageContaining("point the store URL at");
    assertThat(Files.readString(path)).startsWith("these are the minutes");
  }

  @Test
  void aPathThatCannotBeOpenedAsAFileGivesAStoreExceptionNamingItAndTheFix() throws Exception {
    Path directory = Files.createDirectories(dir.resolve("not-a-file.db"));

    assertThatThrownBy(() -> SqliteStore.open(directory, new StoreOptions("sqlite:" + directory, GROUP,
        Duration.ofMillis(250), Duration.ofSeconds(1), CALL_TIMEOUT, null)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(directory.toString())
        .hasMessageContaining("read and write access");
  }

  @Test
  void aFileOfSchemaVersionOneIsMigratedAndItsSettingsReadAsWithoutAMove() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = c.createStatement()) {
      for (String sql : SqliteSchema.MIGRATIONS.get(0)) {
        st.execute(sql);
      }
      st.execute("PRAGMA user_version = 1");
      st.execute("INSERT INTO service_settings (grp, service, ranking, disabled) VALUES ('billing', 'mailer', 'node-b', 1)");
    }

    var settings = open(db()).snapshot().settings().service(ServiceName.of("mailer"));

    assertThat(settings.ranking()).containsExactly(NodeName.of("node-b"));
    assertThat(settings.disabled()).isTrue();
    assertThat(settings.move()).isNull();
    assertThat(query(raw(db()), "PRAGMA user_version")).isEqualTo(String.valueOf(SqliteSchema.VERSION));
  }

  @Test
  void aSessionOfAFileOfSchemaVersionThreeReadsWithUnknownTimingAfterTheMigrationAndNewSessionsRecordTheirs()
      throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = c.createStatement()) {
      for (int v = 0; v < 3; v++) {
        for (String sql : SqliteSchema.MIGRATIONS.get(v)) {
          st.execute(sql);
        }
      }
      st.execute("PRAGMA user_version = 3");
      st.execute("INSERT INTO nodes (grp, name, location, api, session, renewals, state)"
          + " VALUES ('billing', 'node-old', '', '127.0.0.1:7071', '1-0000abcd', 7, 'LIVE')");
    }

    Store store = open(db());
    openSession(store, "node-new");
    Snapshot snap = store.snapshot();

    var old = snap.node(NodeName.of("node-old")).orElseThrow();
    assertThat(old.renewals()).isEqualTo(7);
    assertThat(old.lease()).as("unknown: written before leases were recorded").isNull();
    assertThat(old.heartbeat()).isNull();
    assertThat(old.leaseAtLeast(Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    var fresh = snap.node(NodeName.of("node-new")).orElseThrow();
    assertThat(fresh.lease()).isEqualTo(Duration.ofSeconds(1));
    assertThat(fresh.heartbeat()).isEqualTo(Duration.ofMillis(250));
    assertThat(query(raw(db()), "PRAGMA user_version")).isEqualTo(String.valueOf(SqliteSchema.VERSION));
  }

  @Test
  void aFileOfSchemaVersionFourIsMigratedKeepingItsSettingsAndThenKeepsDecisions() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = c.createStatement()) {
      for (int v = 0; v < 4; v++) {
        for (String sql : SqliteSchema.MIGRATIONS.get(v)) {
          st.execute(sql);
        }
      }
      st.execute("PRAGMA user_version = 4");
      st.execute("INSERT INTO node_settings (grp, node, drained) VALUES ('billing', 'node-b', 1)");
    }

    Store store = open(db());
    assertThat(store.snapshot().decisions()).isEmpty();
    var banned = dev.baton.core.store.Decision.ban(java.time.Instant.parse("2030-01-01T00:00:00Z"), "banned");
    store.putDecision(NodeName.of("node-b"), ServiceName.of("mailer"), banned);

    Snapshot snap = open(db()).snapshot();
    assertThat(snap.settings().node(NodeName.of("node-b")).drained()).isTrue();
    assertThat(snap.decision(NodeName.of("node-b"), ServiceName.of("mailer"))).isEqualTo(banned);
    assertThat(query(raw(db()), "PRAGMA user_version")).isEqualTo("11").isEqualTo(String.valueOf(SqliteSchema.VERSION));
  }

  @Test
  void aFileWrittenByANewerSchemaVersionIsRefused() throws Exception {
    open(db()).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
        Statement st = c.createStatement()) {
      st.execute("PRAGMA user_version = " + (SqliteSchema.VERSION + 5));
    }

    assertThatThrownBy(() -> open(db()))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining(db().toString())
        .hasMessageContaining("newer Baton")
        .hasMessageContaining("schema version " + (SqliteSchema.VERSION + 5));
  }

  @Test
  void anotherConnectionHoldingAnExclusiveLockMakesWritesFailWithinTheCallTimeoutAndThenRecover()
      throws Exception {
    Store store = open(db());
    SessionId session = openSession(store, "node-a");
    Connection locker = raw(db());
    try (Statement st = locker.createStatement()) {
      st.execute("BEGIN EXCLUSIVE");
    }

    long start = System.nanoTime();
    assertThatThrownBy(() -> store.renew(session))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("locked")
        .hasMessageContaining(db().toString());
    Duration renewTook = Duration.ofNanos(System.nanoTime() - start);
    start = System.nanoTime();
    assertThatThrownBy(() -> store.claim(new ClaimRequest(ServiceName.of("mailer"), 0, session, null)))
        .isInstanceOf(StoreException.class);
    Duration claimTook = Duration.ofNanos(System.nanoTime() - start);
    assertThat(renewTook).isLessThan(CALL_TIMEOUT.plusSeconds(1));
    assertThat(claimTook).isLessThan(CALL_TIMEOUT.plusSeconds(1));
    assertThatCode(store::snapshot).as("readers go on in WAL mode").doesNotThrowAnyException();

    try (Statement st = locker.createStatement()) {
      st.execute("ROLLBACK");
    }
    assertThat(store.renew(session)).isEqualTo(1);
    assertThat(store.claim(new ClaimRequest(ServiceName.of("mailer"), 0, session, null)).granted()).isTrue();
  }

  @Test
  void rowsWithInvalidNamesAreSkippedAndTheRestIsRead() throws Exception {
    Store store = open(db());
    SessionId session = openSession(store, "node-a");
    store.claim(new ClaimRequest(ServiceName.of("mailer"), 0, session, null));
    Connection c = raw(db());
    try (Statement st = c.createStatement()) {
      st.execute("INSERT INTO nodes (grp, name, location, api, session, renewals, state) VALUES ('billing', 'Node B!', '', 'x', 's-x', 0, 'LIVE')");
      st.execute("INSERT INTO nodes (grp, name, location, api, session, renewals, state) VALUES ('billing', 'node-c', '', 'x', 's-y', 0, 'ZOMBIE')");
      st.execute("INSERT INTO services (grp, name, epoch, owner_node, owner_session) VALUES ('billing', 'Mailer 2', 3, 'node-a', NULL)");
      st.execute("INSERT INTO providers (grp, node, service, state, reason) VALUES ('billing', 'node-a', 'reporter', 'dancing', NULL)");
      st.execute("INSERT INTO service_settings (grp, service, ranking, disabled) VALUES ('billing', 'reporter', 'node-a,NOT OK', 0)");
      st.execute("INSERT INTO node_settings VALUES ('billing', '-bad', 1)");
    }

    Snapshot snapshot = store.snapshot();

    assertThat(snapshot.nodes()).extracting(n -> n.info().name().value()).containsExactly("node-a");
    assertThat(snapshot.nodes().get(0).providers()).containsOnlyKeys(ServiceName.of("mailer"));
    assertThat(snapshot.ownerships()).containsOnlyKeys(ServiceName.of("mailer"));
    assertThat(snapshot.settings().services()).isEmpty();
    assertThat(snapshot.settings().nodes()).isEmpty();
  }

  @Test
  void aDefaultRankBelowOneWrittenByAnotherVersionReadsAsNone() throws Exception {
    ServiceName mailer = ServiceName.of("mailer");
    ServiceName reporter = ServiceName.of("reporter");
    Store store = open(db());
    store.openSession(new NodeInfo(NodeName.of("node-a"), Location.ROOT, "x"),
        Map.of(mailer, ProviderStatus.WAITING.withRank(2), reporter, ProviderStatus.WAITING.withRank(1)), null);
    try (Statement st = raw(db()).createStatement()) {
      st.execute("UPDATE providers SET default_rank = 0 WHERE service = 'mailer'");
    }

    Map<ServiceName, ProviderStatus> providers = open(db()).snapshot().node(NodeName.of("node-a")).orElseThrow().providers();
    assertThat(providers.get(mailer)).isEqualTo(ProviderStatus.WAITING);
    assertThat(providers.get(reporter).rank()).isEqualTo(1);
  }

  @Test
  void onlyTheNewestTenThousandEventsOfAGroupAreKept() throws Exception {
    Store store = open(db());
    store.appendEvent(new EventDraft(Instant.EPOCH, "first", null, null, null, null));
    Connection c = raw(db());
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO events (grp, seq, time, type) VALUES ('billing', ?, '2024-01-01T00:00:00Z', 'filler')")) {
      for (long seq = 2; seq <= SqliteStore.EVENTS_KEPT; seq++) {
        ps.setLong(1, seq);
        ps.addBatch();
      }
      ps.executeBatch();
    }
    try (Statement st = c.createStatement()) {
      st.execute("UPDATE groups SET last_event_seq = " + SqliteStore.EVENTS_KEPT + " WHERE grp = 'billing'");
    }
    c.commit();
    assertThat(store.events(0, 1)).extracting(Event::type).containsExactly("first");

    long seq = store.appendEvent(new EventDraft(Instant.EPOCH, "newest", null, null, null, null));

    assertThat(seq).isEqualTo(SqliteStore.EVENTS_KEPT + 1);
    assertThat(store.events(0, 1)).extracting(Event::seq).containsExactly(2L);
    assertThat(query(c, "SELECT count(*) FROM events WHERE grp = 'billing'"))
        .isEqualTo(String.valueOf(SqliteStore.EVENTS_KEPT));
  }

  @Test
  void theFileRefusesToLowerAnEpochOrDeleteAServiceWhoeverWrites() throws Exception {
    Store store = open(db());
    SessionId session = openSession(store, "node-a");
    store.claim(new ClaimRequest(ServiceName.of("mailer"), 0, session, null));
    Connection c = raw(db());

    try (Statement st = c.createStatement()) {
      assertThatThrownBy(() -> st.execute("UPDATE services SET epoch = 0"))
          .hasMessageContaining("never decreases");
      assertThatThrownBy(() -> st.execute("DELETE FROM services"))
          .hasMessageContaining("never deleted");
    }
    assertThat(store.snapshot().ownership(ServiceName.of("mailer")).epoch()).isEqualTo(1);
  }
}
