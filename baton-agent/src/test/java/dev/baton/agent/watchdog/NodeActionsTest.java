package dev.baton.agent.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node's own {@code on:} commands, run by real in-process agents. */
class NodeActionsTest {
  @TempDir Path dir;

  @Test
  void theNodeThatRecordsANodeLostRunsItsCommandWithTheEventInItsEnvironment() throws Exception {
    Path lost = dir.resolve("lost.txt");
    String on = "on:\n  node.lost: [sh, -c, \"echo $BATON_EVENT_TYPE $BATON_EVENT_NODE $BATON_EVENT_SEQ"
        + " $BATON_NODE >> " + lost + "\"]";
    Agent a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600", "", on));
    Agent b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600", "", on));
    a.start();
    try {
      b.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> Http.json(Http.get(a, "/v1/status")).path("nodes").size() == 2);
      // A node records a loss only of a session it saw renewed (LostNodes): let node-b renew while node-a watches.
      long renewals = renewals("node-b");
      await("node-b renewing while node-a watches").atMost(Duration.ofSeconds(15))
          .until(() -> renewals("node-b") >= renewals + 4);

      b.crash();

      await("node.lost recorded").atMost(Duration.ofSeconds(15)).until(() -> !Http.events(a, "node.lost").isEmpty());
      JsonNode event = Http.events(a, "node.lost").get(0);
      await("the command ran").atMost(Duration.ofSeconds(10)).until(() -> Files.exists(lost));
      assertThat(Files.readAllLines(lost)).containsExactly("node.lost node-b " + event.path("seq").asLong() + " node-a");
      await().atMost(Duration.ofSeconds(10)).until(() -> !Http.events(a, "action.run").isEmpty());
      assertThat(Http.events(a, "action.run")).extracting(e -> e.path("detail").asText())
          .anySatisfy(d -> assertThat(d).startsWith("on node.lost: [sh, -c,").endsWith("exited with code 0"));
      assertThat(Files.readString(dir.resolve("node-a").resolve("logs").resolve("actions.log")))
          .contains("on node.lost");
    } finally {
      b.stop();
      a.stop();
    }
  }

  /** The renewal counter of {@code node}'s session, as the store has it. */
  private long renewals(String node) {
    try (dev.baton.core.store.Store s = TestNodes.store(dir)) {
      return s.snapshot().node(dev.baton.core.NodeName.of(node)).map(n -> n.renewals()).orElse(0L);
    }
  }
}
