package dev.baton.agent.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.AgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An owner that cannot renew its session stops its service before the lease could pass to another
 * node. The store is made unwritable for real: another connection holds an exclusive SQLite lock.
 */
class FencingTest {
  @TempDir Path dir;
  Agent a;
  Agent b;

  @AfterEach
  void stop() {
    if (b != null) {
      b.stop();
    }
    if (a != null) {
      a.stop();
    }
  }

  long startOwner() throws Exception {
    AgentConfig config = TestNodes.config(dir, "node-a", "read -r pid rest < /proc/self/stat; echo $pid > " + dir.resolve("pid") + "; exec sleep 600");
    a = TestNodes.agent(config);
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("pid"))
        && !Files.readString(dir.resolve("pid")).isBlank());
    return Long.parseLong(Files.readString(dir.resolve("pid")).trim());
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  @Test
  void anOwnerThatCannotRenewKillsItsServiceBeforeTheLeaseEndsAndNobodyTakesItWhileTheStoreIsLocked() throws Exception {
    long pid = startOwner();
    b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600"));
    b.start();
    Duration lease = Duration.ofMillis(1200);
    try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("group.db"));
         Statement st = lock.createStatement()) {
      st.execute("BEGIN EXCLUSIVE");
      long locked = System.nanoTime();
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).until(() -> !alive(pid));
      assertThat(Duration.ofNanos(System.nanoTime() - locked)).as("service killed before the lease ends").isLessThan(lease);
      st.execute("ROLLBACK");
    }
    await("provided again with a higher epoch").atMost(Duration.ofSeconds(10)).until(() -> {
      var s = b.status().services().get(0);
      return s.owner() != null && s.epoch() > 1;
    });
  }

  @Test
  void anOutageShorterThanTheFencingThresholdStopsNothing() throws Exception {
    long pid = startOwner();
    try (Connection lock = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("group.db"));
         Statement st = lock.createStatement()) {
      st.execute("BEGIN EXCLUSIVE");
      // Less than lease - fence-margin - heartbeat (1200 - 400 - 200 = 600ms): no fencing stage is reached.
      await().pollDelay(Duration.ofMillis(300)).until(() -> true);
      st.execute("ROLLBACK");
    }
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> alive(pid));
    assertThat(a.status().services().get(0).epoch()).isEqualTo(1);
  }
}
