package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.api.ServiceStatus;
import dev.baton.core.ServiceName;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.Store;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service with {@code instances} on three in-process agents (one SQLite store): resolve lists
 * every instance's owner, nearest first; the service's verbs act on each of its instances; a move
 * onto a node that runs another instance is refused; bad requests change nothing.
 */
class InstancesTest {
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

  Agent start(String node, String location, String instances, int port) throws Exception {
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: it",
        "node: {name: " + node + ", location: " + location + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 200ms, lease: 1200ms}",
        "state-dir: " + dir.resolve(node),
        "services:",
        "  web:",
        "    instances: " + instances,
        "    command: [sleep, '600']",
        "    stop-timeout: 2s",
        "    endpoint: 127.0.0.1:" + port,
        ""));
    Agent agent = TestNodes.agent(ConfigLoader.load(file));
    agent.start();
    agents.add(agent);
    return agent;
  }

  List<Agent> threeNodes(String instances) throws Exception {
    Agent a = start("node-a", "eu/paris/rack-1", instances, 9101);
    Agent b = start("node-b", "eu/paris/rack-2", instances, 9102);
    Agent c = start("node-c", "us/nyc/rack-1", instances, 9103);
    return List.of(a, b, c);
  }

  static ConditionFactory soon() {
    return await().atMost(Duration.ofSeconds(30)).ignoreExceptions();
  }

  static HttpResponse<String> send(Agent agent, String method, String path, String body) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path))
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The endpoints of {@code GET /v1/services/web/resolve{query}}, each as {@code endpoint node}. */
  static List<String> resolve(Agent agent, String query) throws Exception {
    HttpResponse<String> r = Http.get(agent, "/v1/services/web/resolve" + query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    List<String> rows = new ArrayList<>();
    Http.json(r).path("endpoints").forEach(e -> rows.add(e.path("endpoint").asText() + " " + e.path("node").asText()
        + (e.path("active").asBoolean() ? " active" : "")));
    return rows;
  }

  static List<ServiceStatus> instances(Agent agent) {
    return agent.status().services().stream().filter(s -> s.name().startsWith("web@")).toList();
  }

  @Test
  void resolveListsEveryInstancesOwnerNearestFirstThroughEveryAgent() throws Exception {
    List<Agent> nodes = threeNodes("all");
    soon().until(() -> resolve(nodes.get(2), "").size() == 3);
    for (Agent via : nodes) {
      assertThat(resolve(via, "?from=us/nyc/rack-9")).containsExactly("127.0.0.1:9103 node-c active",
          "127.0.0.1:9101 node-a active", "127.0.0.1:9102 node-b active");
      assertThat(resolve(via, "?from=eu/paris/rack-2")).containsExactly("127.0.0.1:9102 node-b active",
          "127.0.0.1:9101 node-a active", "127.0.0.1:9103 node-c active");
    }
    assertThat(instances(nodes.get(0))).extracting(ServiceStatus::name, ServiceStatus::owner).containsExactly(
        org.assertj.core.groups.Tuple.tuple("web@node-a", "node-a"), org.assertj.core.groups.Tuple.tuple("web@node-b", "node-b"),
        org.assertj.core.groups.Tuple.tuple("web@node-c", "node-c"));
  }

  @Test
  void pauseAndResumeOfTheServiceActOnEachInstance() throws Exception {
    List<Agent> nodes = threeNodes("all");
    Agent a = nodes.get(0);
    soon().until(() -> instances(a).size() == 3 && instances(a).stream().allMatch(s -> s.owner() != null));

    HttpResponse<String> paused = Http.post(a, "/v1/services/web/pause", "");
    assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
    assertThat(Http.json(paused).path("detail").asText()).contains("web@node-a: ", "web@node-b: ", "web@node-c: ");
    for (String i : List.of("web@node-a", "web@node-b", "web@node-c")) {
      assertThat(store.snapshot().settings().service(ServiceName.of(i)).paused()).as(i).isTrue();
    }
    HttpResponse<String> again = Http.post(a, "/v1/services/web/pause", "");
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(Http.json(again).path("error").asText()).contains("cannot pause web@node-a: it is already paused");

    assertThat(Http.post(a, "/v1/services/web/resume", "").statusCode()).isEqualTo(200);
    for (String i : List.of("web@node-a", "web@node-b", "web@node-c")) {
      assertThat(store.snapshot().settings().service(ServiceName.of(i)).paused()).as(i).isFalse();
    }
  }

  @Test
  void aMoveOfAnInstanceOntoANodeThatRunsAnotherIsRefusedAndBadRequestsChangeNothing() throws Exception {
    List<Agent> nodes = threeNodes("2");
    Agent a = nodes.get(0);
    soon().until(() -> instances(a).size() == 2 && instances(a).stream().allMatch(s -> s.owner() != null));
    String ownerOfTwo = a.service("web@2").owner();
    GroupSettings before = store.snapshot().settings();

    HttpResponse<String> move = Http.post(a, "/v1/services/web@1/move", "{\"to\": \"" + ownerOfTwo + "\"}");
    assertThat(move.statusCode()).isEqualTo(409);
    assertThat(Http.json(move).path("error").asText())
        .contains("it runs web@2, and a node runs at most one instance of web");

    HttpResponse<String> whole = Http.get(a, "/v1/services/web");
    assertThat(whole.statusCode()).isEqualTo(404);
    assertThat(Http.json(whole).path("error").asText()).contains("it runs as the instances [web@1, web@2]");

    HttpResponse<String> unknownNode = send(a, "PUT", "/v1/services/web/ranking", "{\"ranking\": [\"node-z\"]}");
    assertThat(unknownNode.statusCode()).isEqualTo(404);

    HttpResponse<String> configuredName = Http.get(a, "/v1/services/web@/resolve");
    assertThat(configuredName.statusCode()).isEqualTo(400);
    assertThat(store.snapshot().settings()).isEqualTo(before);

    HttpResponse<String> ranked = send(a, "PUT", "/v1/services/web/ranking", "{\"ranking\": [\"node-c\"]}");
    assertThat(ranked.statusCode()).as(ranked.body()).isEqualTo(200);
    assertThat(store.snapshot().settings().service(ServiceName.of("web@1")).ranking()).extracting(Object::toString)
        .containsExactly("node-c");
    assertThat(store.snapshot().settings().service(ServiceName.of("web@2")).ranking()).extracting(Object::toString)
        .containsExactly("node-c");
  }
}
