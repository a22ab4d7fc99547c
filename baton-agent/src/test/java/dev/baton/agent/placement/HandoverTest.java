package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import dev.baton.core.GroupName;
import dev.baton.core.NodeName;
import dev.baton.core.store.Event;
import dev.baton.core.store.NodeSettings;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When placement moves a service away from a live owner (drained, or its provider unavailable),
 * the next owner waits for the release: it never claims over a live session.
 */
class HandoverTest {
  @TempDir Path dir;

  @Test
  void drainingTheOwnerHandsTheServiceOverByReleaseNotByAClaimOverItsLiveSession() {
    // A service that takes a while to stop, so that a claim over the live owner would overlap it.
    String slowStop = "trap \"sleep 1; exit 0\" TERM; while :; do sleep 0.1; done";
    Agent a = TestNodes.agent(TestNodes.config(dir, "node-a", slowStop));
    Agent b = TestNodes.agent(TestNodes.config(dir, "node-b", slowStop));
    try (Store store = Stores.open(new StoreOptions("sqlite:" + dir.resolve("group.db"), GroupName.of("it"),
        Duration.ofMillis(200), Duration.ofMillis(1200), Duration.ofMillis(500), null))) {
      a.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(a.status().services().get(0).owner()));
      b.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> b.status().services().get(0).providers().size() == 2);

      store.putNodeSettings(NodeName.of("node-a"), new NodeSettings(true));

      await().atMost(Duration.ofSeconds(10)).until(() -> "node-b".equals(b.status().services().get(0).owner()));
      List<String> history = store.events(0, 1000).stream()
          .filter(e -> e.type().equals("service.released") || e.type().equals("service.claimed"))
          .map(e -> e.type() + " " + e.node() + " " + e.epoch()).toList();
      assertThat(history).containsExactly("service.claimed node-a 1", "service.released node-a 1",
          "service.claimed node-b 2");
      assertThat(store.events(0, 1000)).extracting(Event::type).doesNotContain("node.fenced");
      assertThat(b.status().nodes()).anySatisfy(n -> {
        assertThat(n.name()).isEqualTo("node-a");
        assertThat(n.state()).isEqualTo("drained");
      });
    } finally {
      b.stop();
      a.stop();
    }
  }
}
