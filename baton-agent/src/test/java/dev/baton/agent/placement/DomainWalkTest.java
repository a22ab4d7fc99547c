package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.ConfigLoader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The domain walk of the README ("Hierarchical failover: the domain walk") with real in-process
 * agents: two subdomains of domain eu, paris (node-p1, node-p2) and london (node-l1, node-l2). The
 * paris nodes rank 1 and the london nodes 2 (their configs' default ranks): equal ranks within a
 * subdomain, so nearness to the previous owner decides there.
 */
class DomainWalkTest {
  @TempDir Path dir;
  final Map<String, Agent> agents = new TreeMap<>();

  Agent start(String name, String location, int rank) throws Exception {
    Path file = dir.resolve(name + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: it",
        "node: {name: " + name + ", location: " + location + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 200ms, lease: 1200ms}",
        "state-dir: " + dir.resolve(name),
        "services:",
        "  svc: {command: [sleep, '600'], stop-timeout: 2s, rank: " + rank + "}",
        ""));
    Agent agent = TestNodes.agent(ConfigLoader.load(file));
    agent.start();
    agents.put(name, agent);
    return agent;
  }

  Agent any() {
    return agents.values().iterator().next();
  }

  JsonNode svc() throws Exception {
    return Http.json(Http.get(any(), "/v1/services/svc"));
  }

  String ownerAfterCrashOf(String owner) throws Exception {
    long epoch = svc().path("epoch").asLong();
    agents.remove(owner).crash();
    await(owner + " taken over").atMost(Duration.ofSeconds(20))
        .until(() -> svc().path("epoch").asLong() > epoch && svc().path("owner").isTextual());
    return svc().path("owner").asText();
  }

  @AfterEach
  void stopAll() {
    new ArrayList<>(agents.values()).forEach(Agent::stop);
  }

  @Test
  void theServiceWalksWithinItsSubdomainFirstThenToTheOtherAndFailsBackHomeByRank() throws Exception {
    start("node-p1", "eu/paris", 1);
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-p1".equals(svc().path("owner").asText(null)));
    start("node-p2", "eu/paris", 1);
    start("node-l1", "eu/london", 2);
    start("node-l2", "eu/london", 2);
    await().atMost(Duration.ofSeconds(10)).until(() -> svc().path("providers").size() == 4);
    HttpResponse<String> failback = Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://"
        + any().apiAddress() + "/v1/services/svc/failback")).PUT(HttpRequest.BodyPublishers.ofString(
            "{\"policy\": \"rank\", \"delay\": \"2s\"}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(failback.statusCode()).as(failback.body()).isEqualTo(200);
    assertThat(svc().path("next").asText()).as("next in line: the other paris node").isEqualTo("node-p2");

    List<String> walk = new ArrayList<>(List.of("node-p1"));
    walk.add(ownerAfterCrashOf("node-p1")); // same subdomain, same rank
    walk.add(ownerAfterCrashOf(walk.get(1))); // paris is empty: the parent domain's other subdomain
    // Nearness is measured from the previous owner: the london node left goes before anything else.
    assertThat(svc().path("next").asText()).isIn("node-l1", "node-l2");
    walk.add(ownerAfterCrashOf(walk.get(2)));
    assertThat(walk).containsExactly("node-p1", "node-p2", "node-l1", "node-l2");

    long epoch = svc().path("epoch").asLong();
    start("node-p1", "eu/paris", 1); // home is back: failback rank brings the service home after 2s
    await("failback to node-p1").atMost(Duration.ofSeconds(30))
        .until(() -> "node-p1".equals(svc().path("owner").asText(null)));
    assertThat(svc().path("epoch").asLong()).isEqualTo(epoch + 1);
    assertThat(Http.events(any(), "service.failback")).singleElement()
        .satisfies(e -> assertThat(e.path("detail").asText()).startsWith("failback rank: node-p1 (rank 1)"));
  }
}
