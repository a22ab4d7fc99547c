package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.Store;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failback with real in-process agents: node-a ranks 1 and node-b 2 (their configs' default ranks);
 * node-a crashes, node-b takes svc over, node-a comes back.
 */
class FailbackTest {
  @TempDir Path dir;

  Agent node(String name, int rank) {
    return TestNodes.agent(TestNodes.config(dir, name, "sleep 600", "    rank: " + rank));
  }

  static JsonNode service(Agent agent) throws Exception {
    return Http.json(Http.get(agent, "/v1/services/svc"));
  }

  static HttpResponse<String> failback(Agent agent, String service, String body) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + "/v1/services/" + service
        + "/failback")).header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Starts node-a, then node-b; crashes node-a and waits until node-b runs svc; returns node-b. */
  Agent failedOver() throws Exception {
    Agent a = node("node-a", 1);
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(service(a).path("owner").asText(null)));
    Agent b = node("node-b", 2);
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> service(b).path("providers").size() == 2);
    a.crash();
    await().atMost(Duration.ofSeconds(15)).until(() -> "node-b".equals(service(b).path("owner").asText(null)));
    return b;
  }

  @Test
  void withFailbackRankTheBetterRankedNodeTakesTheServiceBackByAHandoverAfterTheDelay() throws Exception {
    Agent b = failedOver();
    Agent a = null;
    try {
      HttpResponse<String> set = failback(b, "svc", "{\"policy\": \"rank\", \"delay\": \"2s\"}");
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      await("the whiteboard shows it from the next pass").atMost(Duration.ofSeconds(10))
          .until(() -> service(b).path("failback").asText().equals("rank"));
      assertThat(service(b).path("failbackDelay").asText()).isEqualTo("2s");
      long epoch = service(b).path("epoch").asLong();

      a = node("node-a", 1); // node-a comes back
      a.start();
      Agent back = a;
      await().atMost(Duration.ofSeconds(30)).until(() -> "node-a".equals(service(back).path("owner").asText(null)));
      assertThat(service(a).path("epoch").asLong()).isEqualTo(epoch + 1);

      // A graceful handover: node-b decided it, stopped svc (asked, not on its own), then node-a claimed.
      List<JsonNode> events = Http.events(a);
      long failback = seq(events, "service.failback", "node-b", epoch);
      long stopped = seq(events, "service.stopped", "node-b", epoch);
      long claimed = seq(events, "service.claimed", "node-a", epoch + 1);
      assertThat(failback).isLessThan(stopped);
      assertThat(stopped).isLessThan(claimed);
      assertThat(events.stream().filter(e -> e.path("seq").asLong() == stopped).findFirst().orElseThrow()
          .path("detail").asText()).doesNotContain("on its own");
      assertThat(events.stream().filter(e -> e.path("type").asText().equals("service.failback")).findFirst()
          .orElseThrow().path("detail").asText()).contains("node-a (rank 1)").contains("node-b (rank 2)");
    } finally {
      if (a != null) {
        a.stop();
      }
      b.stop();
    }
  }

  @Test
  void stickyByDefaultTheOwnerKeepsTheServiceWhenTheBetterRankedNodeComesBack() throws Exception {
    Agent b = failedOver();
    Agent a = node("node-a", 1);
    try {
      assertThat(service(b).path("failback").asText()).isEqualTo("sticky");
      long epoch = service(b).path("epoch").asLong();
      a.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> service(a).path("providers").size() == 2
          && service(a).path("providers").findValuesAsText("state").contains("waiting"));
      await("node-b keeps svc").during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10))
          .until(() -> "node-b".equals(service(a).path("owner").asText(null)) && service(a).path("epoch").asLong() == epoch);
      assertThat(Http.events(a, "service.failback")).isEmpty();
    } finally {
      a.stop();
      b.stop();
    }
  }

  @Test
  void badFailbackRequestsAreRefusedAndChangeNothing() throws Exception {
    Agent a = node("node-a", 1);
    a.start();
    try (Store store = TestNodes.store(dir)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(service(a).path("owner").asText(null)));
      GroupSettings before = store.snapshot().settings();
      PauseTest.refused(failback(a, "svc", "{\"policy\": \"always\"}"), 400, "\"sticky\"", store, before);
      PauseTest.refused(failback(a, "svc", "{}"), 400, "needs \"policy\"", store, before);
      PauseTest.refused(failback(a, "svc", "{\"policy\": \"rank\", \"delay\": \"soon\"}"), 400, "invalid duration", store, before);
      PauseTest.refused(failback(a, "svc", "{\"policy\": \"rank\", \"delay\": \"0s\"}"), 400, "above zero", store, before);
      PauseTest.refused(failback(a, "svc", "{\"policy\": \"rank\", \"after\": \"1s\"}"), 400, "unknown field \"after\"", store,
          before);
      PauseTest.refused(failback(a, "svc", "rank"), 400, "not valid JSON", store, before);
      PauseTest.refused(failback(a, "nope", "{\"policy\": \"rank\"}"), 404, "no service \"nope\"", store, before);

      HttpResponse<String> set = failback(a, "svc", "{\"policy\": \"rank\"}");
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      assertThat(Http.json(set).path("detail").asText()).contains("30s");
      assertThat(Http.json(failback(a, "svc", "{\"policy\": \"rank\"}")).path("changed").asBoolean()).isFalse();
    } finally {
      a.stop();
    }
  }

  private static long seq(List<JsonNode> events, String type, String node, long epoch) {
    return events.stream().filter(e -> e.path("type").asText().equals(type) && e.path("node").asText().equals(node)
        && e.path("epoch").asLong() == epoch).mapToLong(e -> e.path("seq").asLong()).min()
        .orElseThrow(() -> new AssertionError("no " + type + " of " + node + " at epoch " + epoch + " in " + events));
  }
}
