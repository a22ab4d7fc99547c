package dev.baton.agent.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.config.Timing;
import dev.baton.core.GroupName;
import dev.baton.core.Location;
import dev.baton.core.MonotonicClock;
import dev.baton.core.NodeName;
import dev.baton.core.store.NodeInfo;
import dev.baton.core.store.SessionId;
import dev.baton.core.store.SessionState;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session keeper on a real SQLite file. */
class SessionKeeperTest {
  private static final NodeName NODE = NodeName.of("node-a");

  @TempDir Path dir;

  @Test
  void aSessionClosedForAGracefulExitIsNotOpenedAgainByAHeartbeatThatFindsNone() throws Exception {
    Path db = dir.resolve("group.db");
    // A call timeout longer than the lock below: the close waits for the file, and is not refused.
    try (Store store = Stores.open(new StoreOptions("sqlite:" + db, GroupName.of("it"), Duration.ofMillis(100),
        Duration.ofMillis(1200), Duration.ofSeconds(10), null))) {
      List<SessionId> opened = new CopyOnWriteArrayList<>();
      SessionKeeper keeper = new SessionKeeper(store, new NodeInfo(NODE, Location.ROOT, "127.0.0.1:1"),
          new Timing(Duration.ofMillis(100), Duration.ofMillis(1200), Duration.ofMillis(400)), MonotonicClock.SYSTEM,
          Map::of, new SessionKeeper.Listener() {
            @Override
            public void sessionOpened(SessionId session) {
              opened.add(session);
            }

            @Override
            public void terminate(SessionId session, String why) {}

            @Override
            public void kill(SessionId session, String why) {}
          });
      keeper.open(Duration.ofSeconds(10));
      keeper.start();
      try {
        // The close has given the session up and waits for the file, which another connection holds;
        // meanwhile the heartbeat, every 100 ms, finds no session.
        Thread closer;
        try (Connection locker = DriverManager.getConnection("jdbc:sqlite:" + db);
            Statement st = locker.createStatement()) {
          st.execute("BEGIN EXCLUSIVE");
          closer = new Thread(keeper::closeSession, "closer");
          closer.start();
          await("the close waits for the locked file while heartbeats come and go").during(Duration.ofMillis(600))
              .atMost(Duration.ofSeconds(5)).until(() -> closer.isAlive() && keeper.session() == null);
          st.execute("ROLLBACK");
        }
        closer.join(Duration.ofSeconds(15).toMillis());
        assertThat(closer.isAlive()).as("the close finished").isFalse();

        await("node-a stays out of the group").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
            .until(() -> store.snapshot().node(NODE).map(n -> n.state() == SessionState.CLOSED).orElse(false)
                && keeper.session() == null);
        assertThat(opened).hasSize(1);
      } finally {
        keeper.close();
      }
    }
  }
}
