package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.events.EventLog;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.ClaimRequest;
import dev.baton.core.store.Event;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.ProviderStatus;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.Snapshot;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreException;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operator verbs against a real store in trouble. A stopped PostgreSQL server cannot be read: every
 * verb fails with a {@link StoreException} (the API's 503) before it writes anything. A SQLite file
 * that another connection holds with {@code BEGIN EXCLUSIVE} can still be read (WAL) but not
 * written: the write fails once the store's call timeout has passed, and the answer says the change
 * may or may not have been made. Either way the store is unchanged and no event is recorded.
 */
class OperatorVerbsStoreTroubleTest {
  private static final GroupName GROUP = GroupName.of("it");
  private static final NodeName NODE = NodeName.of("node-a");
  private static final NodeName OTHER = NodeName.of("node-b");
  private static final ServiceName SVC = ServiceName.of("svc");
  private static final Duration CALL_TIMEOUT = Duration.ofMillis(500);
  /** Longer than the test: node-a's session outlives the outage without renewals. */
  private static final Duration LEASE = Duration.ofMinutes(5);

  @TempDir Path dir;
  private final List<Event> recorded = new CopyOnWriteArrayList<>();
  private Store store;
  private EventLog events;

  @AfterEach
  void close() {
    if (events != null) {
      events.close();
    }
    if (store != null) {
      store.close();
    }
  }

  /** node-a owning svc and node-b waiting to provide it, on {@code url}; the verbs of node-a over that store. */
  private OperatorVerbs verbsOn(String url) {
    store = Stores.open(new StoreOptions(url, GROUP, LEASE.dividedBy(4), LEASE, CALL_TIMEOUT, null));
    SessionId session = store.openSession(new NodeInfo(NODE, Location.ROOT, "127.0.0.1:1"),
        Map.of(SVC, ProviderStatus.WAITING), null);
    store.openSession(new NodeInfo(OTHER, Location.ROOT, "127.0.0.1:2"), Map.of(SVC, ProviderStatus.WAITING), null);
    assertThat(store.claim(new ClaimRequest(SVC, 0, session, null)).granted()).isTrue();
    View view = new View(store.snapshot(), Map.of(NODE, "alive", OTHER, "alive"), Map.of(SVC, NODE), Map.of(SVC, NODE));
    events = new EventLog(store, NODE, 1);
    events.subscribe(recorded::add);
    return new OperatorVerbs(GROUP, NODE, store, events, () -> view, new ObjectMapper());
  }

  /** Each verb, asked for a change that a working store would write: disable, drain, move, rank. */
  private static List<ThrowingCallable> everyVerb(OperatorVerbs verbs) {
    return List.of(
        () -> verbs.disable("svc", true),
        () -> verbs.drain("node-b", true),
        () -> verbs.move("svc", "{\"to\": \"node-b\"}"),
        () -> verbs.rank("svc", "{\"ranking\": [\"node-b\", \"node-a\"]}"));
  }

  private void assertNothingChanged(Snapshot now) {
    assertThat(now.settings().service(SVC)).isEqualTo(ServiceSettings.DEFAULT);
    assertThat(now.settings().node(NODE)).isEqualTo(NodeSettings.DEFAULT);
    assertThat(now.settings().node(OTHER)).isEqualTo(NodeSettings.DEFAULT);
    assertThat(now.ownership(SVC).epoch()).isEqualTo(1);
    // Events reach subscribers in append order: once this one arrived, any the verbs appended did too.
    events.append("test.sentinel", null, null, null);
    await("the sentinel event delivered").atMost(Duration.ofSeconds(10))
        .until(() -> recorded.stream().anyMatch(e -> e.type().equals("test.sentinel")));
    assertThat(recorded).as("events recorded by the verbs").extracting(Event::type).containsExactly("test.sentinel");
  }

  @Test
  void aStoppedPostgresqlServerFailsEveryVerbBeforeAnyWrite() throws IOException {
    // As PostgreSQL's own tests do: a directory of its own under the temp dir, owned by the server's user.
    Path pgDir = Files.createTempDirectory("baton-test-pg-verbs-");
    LocalPostgres server = LocalPostgres.init(pgDir);
    Thread stopOnExit = new Thread(server::close, "baton-test-pg-verbs-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    try {
      server.start();
      OperatorVerbs verbs = verbsOn(server.createDatabase("verbs"));

      server.stop();
      for (ThrowingCallable verb : everyVerb(verbs)) {
        assertThatThrownBy(verb).isInstanceOf(StoreException.class)
            .hasMessageContaining("group=it")
            .as("failed at the read, before any write").hasMessageNotContaining("may or may not");
      }
      server.start();

      Snapshot after = await("the store reads again").atMost(Duration.ofSeconds(30))
          .ignoreExceptionsInstanceOf(StoreException.class).until(store::snapshot, s -> true);
      assertNothingChanged(after);
    } finally {
      server.close();
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
      deleteTree(pgDir);
    }
  }

  @Test
  void aSqliteFileLockedByAnotherConnectionFailsEveryWriteSayingItMayOrMayNotHaveBeenMade() throws Exception {
    Path db = dir.resolve("group.db");
    OperatorVerbs verbs = verbsOn("sqlite:" + db);

    try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      try (Statement st = locker.createStatement()) {
        st.execute("BEGIN EXCLUSIVE");
      }
      for (ThrowingCallable verb : everyVerb(verbs)) {
        assertThatThrownBy(verb).isInstanceOf(StoreException.class)
            .hasMessageContaining("locked by another connection")
            .hasMessageContaining("may or may not have been made");
      }
      try (Statement st = locker.createStatement()) {
        st.execute("ROLLBACK");
      }
    }

    assertNothingChanged(store.snapshot());
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
