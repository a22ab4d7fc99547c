package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.api.ProviderEntry;
import dev.baton.api.ServiceStatus;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Decision;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.Store;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rankings and the line of providers with real in-process agents on one SQLite store: the config's
 * default ranks, the operator's ranking over them, {@code GET /v1/services/{name}/ranking}, and the
 * reasons the whiteboard gives for every provider that waits or cannot take the service.
 */
class RankingTest {
  static final ServiceName SVC = ServiceName.of("svc");
  static final NodeName A = NodeName.of("node-a");

  @TempDir Path dir;
  final List<Agent> agents = new ArrayList<>();
  Store store;

  @BeforeEach
  void openStore() {
    store = TestNodes.store(dir);
  }

  @AfterEach
  void stopAll() {
    agents.forEach(Agent::stop);
    store.close();
  }

  /** Starts a node providing svc at {@code location}, with {@code rank} as its default rank (null: none). */
  Agent start(String node, String location, Integer rank) throws Exception {
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: it",
        "node: {name: " + node + ", location: " + location + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 200ms, lease: 1200ms}",
        "state-dir: " + dir.resolve(node),
        "services:",
        "  svc:",
        "    command: [sleep, '600']",
        "    stop-timeout: 2s",
        rank == null ? "" : "    rank: " + rank,
        ""));
    Agent agent = TestNodes.agent(ConfigLoader.load(file));
    agent.start();
    agents.add(agent);
    return agent;
  }

  static ConditionFactory soon() {
    return await().atMost(Duration.ofSeconds(20)).ignoreExceptions();
  }

  static ServiceStatus svc(Agent a) {
    return a.service("svc");
  }

  static ProviderEntry provider(Agent a, String node) {
    return svc(a).providers().stream().filter(p -> p.node().equals(node)).findFirst().orElseThrow();
  }

  static HttpResponse<String> send(Agent agent, String method, String path, String body) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode ranking(Agent agent) throws Exception {
    HttpResponse<String> r = Http.get(agent, "/v1/services/svc/ranking");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Http.json(r);
  }

  static List<String> nodes(JsonNode entries) {
    List<String> names = new ArrayList<>();
    entries.forEach(e -> names.add(e.path("node").asText() + " " + e.path("rank").asInt() + " " + e.path("source").asText()));
    return names;
  }

  @Test
  void configDefaultRanksDecideTheFirstPlacementAndAnOperatorsRankingOverridesThem() throws Exception {
    // Disabled until every node is up, so that the first placement sees all three: otherwise the
    // first node to start would take the service as the only candidate, whatever its rank.
    store.putServiceSettings(SVC, new ServiceSettings(List.of(), true));
    Agent a = start("node-a", "eu/paris/rack-1", 2);
    start("node-b", "eu/paris/rack-2", null);
    Agent c = start("node-c", "us/nyc/rack-1", 1); // started last, ranked first
    soon().until(() -> svc(a).providers().size() == 3);

    JsonNode byConfig = ranking(c);
    assertThat(byConfig.path("source").asText()).isEqualTo("config");
    assertThat(nodes(byConfig.path("ranking"))).containsExactly("node-c 1 config", "node-a 2 config");
    assertThat(nodes(byConfig.path("defaults"))).containsExactly("node-c 1 config", "node-a 2 config");

    assertThat(send(a, "POST", "/v1/services/svc/enable", null).statusCode()).isEqualTo(200);
    soon().until(() -> "node-c".equals(svc(a).owner()));
    assertThat(svc(a).epoch()).as("granted once, to the rank-1 node").isEqualTo(1);
    soon().until(() -> "node-a".equals(svc(a).next()) && provider(a, "node-a").reason() != null
        && provider(a, "node-a").reason().startsWith("next in line"));
    ServiceStatus line = svc(a);
    assertThat(line.ranking()).extracting(e -> e.node() + " " + e.rank() + " " + e.source())
        .containsExactly("node-c 1 config", "node-a 2 config");
    assertThat(provider(a, "node-a").reason()).isEqualTo("next in line: rank 2 (config), no location in common with node-c");
    assertThat(provider(a, "node-a").place()).isEqualTo(2);
    assertThat(provider(a, "node-b").reason()).isEqualTo("#3 in line: unranked, no location in common with node-c");
    assertThat(provider(a, "node-c").place()).isEqualTo(1);

    // The operator's ranking wins over the defaults; it does not move the running service.
    HttpResponse<String> set = send(a, "PUT", "/v1/services/svc/ranking", "{\"ranking\": [\"node-b\", \"node-a\"]}");
    assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
    JsonNode byOperator = ranking(a);
    assertThat(byOperator.path("source").asText()).isEqualTo("operator");
    assertThat(nodes(byOperator.path("ranking"))).containsExactly("node-b 1 operator", "node-a 2 operator");
    assertThat(nodes(byOperator.path("defaults"))).containsExactly("node-c 1 config", "node-a 2 config");
    soon().until(() -> "node-b".equals(svc(a).next()));
    assertThat(svc(a).owner()).isEqualTo("node-c");
    assertThat(provider(a, "node-b").reason()).isEqualTo("next in line: rank 1 (operator), no location in common with node-c");
    assertThat(provider(a, "node-a").reason()).isEqualTo("#3 in line: rank 2 (operator), no location in common with node-c");

    // Reading the ranking changes nothing.
    GroupSettings before = store.snapshot().settings();
    ranking(a);
    assertThat(store.snapshot().settings()).isEqualTo(before);

    // node-c drained: its next in line, by the operator's ranking and not the defaults, takes over.
    assertThat(send(a, "POST", "/v1/nodes/node-c/drain", null).statusCode()).isEqualTo(200);
    soon().until(() -> "node-b".equals(svc(a).owner()));
    soon().until(() -> "unavailable".equals(provider(a, "node-c").state()));
    assertThat(provider(a, "node-c").reason()).isEqualTo("node drained");
    assertThat(provider(a, "node-c").place()).isNull();
    soon().until(() -> "node-a".equals(svc(a).next()));
    assertThat(provider(a, "node-a").reason()).isEqualTo("next in line: rank 2 (operator), shares eu/paris with node-b");

    // Cleared: the config defaults apply again.
    assertThat(send(a, "PUT", "/v1/services/svc/ranking", "{\"ranking\": []}").statusCode()).isEqualTo(200);
    assertThat(ranking(a).path("source").asText()).isEqualTo("config");
    soon().until(() -> svc(a).ranking().size() == 2 && svc(a).ranking().get(0).source().equals("config"));
  }

  @Test
  void aBannedProviderIsNoCandidateAndTheWhiteboardSaysUntilWhen() throws Exception {
    Instant until = Instant.now().plus(Duration.ofMinutes(10));
    store.putDecision(A, SVC, Decision.ban(until, "banned for 10m after 3 restart(s) within 10m: exited with code 1"));
    Agent a = start("node-a", "eu/paris/rack-1", 1);
    Agent b = start("node-b", "eu/paris/rack-2", 2);
    soon().until(() -> "node-b".equals(svc(b).owner()) && "unavailable".equals(provider(b, "node-a").state()));

    ProviderEntry banned = provider(b, "node-a");
    assertThat(banned.reason()).startsWith("banned for 10m");
    assertThat(banned.bannedUntil()).isEqualTo(until.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
    assertThat(banned.place()).as("no candidate").isNull();
    assertThat(banned.rank()).as("its rank still shows").isEqualTo(1);
    assertThat(svc(a).next()).as("node-a, ranked first, is banned: nobody is next").isNull();
    assertThat(provider(a, "node-b").place()).isEqualTo(1);
  }

  @Test
  void theRankingOfAnUnknownServiceIs404AndABadNameIs400() throws Exception {
    Agent a = start("node-a", "eu", null);
    soon().until(() -> "node-a".equals(svc(a).owner()));

    HttpResponse<String> unknown = Http.get(a, "/v1/services/nope/ranking");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Http.json(unknown).path("error").asText()).contains("no service \"nope\"");
    HttpResponse<String> bad = Http.get(a, "/v1/services/Bad%20Svc/ranking");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(Http.json(bad).path("error").asText()).contains("invalid service name \"Bad Svc\"");

    GroupSettings before = store.snapshot().settings();
    HttpResponse<String> unknownNode = send(a, "PUT", "/v1/services/svc/ranking", "{\"ranking\": [\"node-a\", \"node-z\"]}");
    assertThat(unknownNode.statusCode()).isEqualTo(404);
    assertThat(Http.json(unknownNode).path("error").asText()).contains("no node \"node-z\"");
    assertThat(store.snapshot().settings()).isEqualTo(before);
    JsonNode none = ranking(a);
    assertThat(none.path("source").asText()).isEqualTo("none");
    assertThat(none.path("ranking").size()).isZero();
  }
}
