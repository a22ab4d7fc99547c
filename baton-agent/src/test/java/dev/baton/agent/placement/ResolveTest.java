package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.core.ServiceName;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.ServiceSettings;
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
 * {@code GET /v1/services/{name}/resolve} and {@code /v1/services/{name}/active} with real
 * in-process agents on one SQLite store: the providers' endpoints, the owner first and the others
 * nearest first from two locations, through every agent; bad input refused and changing nothing;
 * {@code /active} answering GET, HEAD and OPTIONS alike, 200 only where the service runs with its
 * checks passing.
 */
class ResolveTest {
  static final ServiceName SVC = ServiceName.of("svc");

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

  /** Starts a node providing svc at {@code location}, with {@code endpoint} and more service YAML. */
  Agent start(String node, String location, Integer rank, String endpoint, String serviceYaml) throws Exception {
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
        endpoint == null ? "" : "    endpoint: " + endpoint,
        serviceYaml,
        ""));
    Agent agent = TestNodes.agent(ConfigLoader.load(file));
    agent.start();
    agents.add(agent);
    return agent;
  }

  static ConditionFactory soon() {
    return await().atMost(Duration.ofSeconds(30)).ignoreExceptions();
  }

  static HttpResponse<String> send(Agent agent, String method, String path) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode resolve(Agent agent, String query) throws Exception {
    HttpResponse<String> r = Http.get(agent, "/v1/services/svc/resolve" + query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Http.json(r);
  }

  /** The endpoints in order, each as {@code endpoint node active}. */
  static List<String> order(JsonNode resolved) {
    List<String> rows = new ArrayList<>();
    resolved.path("endpoints").forEach(e -> rows.add(e.path("endpoint").asText() + " " + e.path("node").asText()
        + (e.path("active").asBoolean() ? " active" : "")));
    return rows;
  }

  /** Three nodes, node-a ranked first and so the owner; disabled until all three are up. */
  List<Agent> threeNodes() throws Exception {
    store.putServiceSettings(SVC, new ServiceSettings(List.of(), true));
    Agent a = start("node-a", "eu/paris/rack-1", 1, "127.0.0.1:9101", "");
    Agent b = start("node-b", "eu/paris/rack-2", null, "127.0.0.1:9102", "");
    Agent c = start("node-c", "us/nyc/rack-1", null, "127.0.0.1:9103", "");
    soon().until(() -> a.service("svc").providers().size() == 3);
    assertThat(send(a, "POST", "/v1/services/svc/enable").statusCode()).isEqualTo(200);
    soon().until(() -> "node-a".equals(a.service("svc").owner()) && order(resolve(c, "")).size() == 3
        && order(resolve(c, "")).get(0).endsWith("active"));
    return List.of(a, b, c);
  }

  @Test
  void resolveListsTheOwnerFirstThenTheNearestToTheLocationAskedFromThroughEveryAgent() throws Exception {
    List<Agent> nodes = threeNodes();

    for (Agent via : nodes) {
      assertThat(order(resolve(via, "?from=us/nyc/rack-9")))
          .containsExactly("127.0.0.1:9101 node-a active", "127.0.0.1:9103 node-c", "127.0.0.1:9102 node-b");
      assertThat(order(resolve(via, "?from=eu/paris/rack-2")))
          .containsExactly("127.0.0.1:9101 node-a active", "127.0.0.1:9102 node-b", "127.0.0.1:9103 node-c");
    }
    // Without from: the answering agent's own location.
    JsonNode fromC = resolve(nodes.get(2), "");
    assertThat(fromC.path("from").asText()).isEqualTo("us/nyc/rack-1");
    assertThat(fromC.path("node").asText()).isEqualTo("node-c");
    assertThat(order(fromC)).containsExactly("127.0.0.1:9101 node-a active", "127.0.0.1:9103 node-c", "127.0.0.1:9102 node-b");
    assertThat(fromC.path("owner").asText()).isEqualTo("node-a");
    assertThat(fromC.path("epoch").asLong()).isEqualTo(1);
    assertThat(fromC.path("endpoints").get(1).path("shared").asInt()).isEqualTo(3);
    assertThat(fromC.path("endpoints").get(1).path("state").asText()).isEqualTo("waiting");

    // The owner drained: the next owner comes first, the drained node is no longer listed.
    assertThat(send(nodes.get(0), "POST", "/v1/nodes/node-a/drain").statusCode()).isEqualTo(200);
    soon().until(() -> order(resolve(nodes.get(2), "?from=eu/paris/rack-1")).equals(
        List.of("127.0.0.1:9102 node-b active", "127.0.0.1:9103 node-c")));
  }

  @Test
  void unknownServiceIs404AndMalformedLocationOrParameterIs400AndNothingChanges() throws Exception {
    List<Agent> nodes = threeNodes();
    Agent a = nodes.get(0);
    GroupSettings before = store.snapshot().settings();

    HttpResponse<String> unknown = Http.get(a, "/v1/services/nosuch/resolve");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Http.json(unknown).path("error").asText()).contains("no service \"nosuch\"");

    HttpResponse<String> malformed = Http.get(a, "/v1/services/svc/resolve?from=eu//paris");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(Http.json(malformed).path("error").asText()).contains("invalid location \"eu//paris\"");

    HttpResponse<String> unknownParam = Http.get(a, "/v1/services/svc/resolve?near=eu");
    assertThat(unknownParam.statusCode()).isEqualTo(400);
    assertThat(Http.json(unknownParam).path("error").asText()).contains("\"near\"").contains("expected from");

    HttpResponse<String> badName = Http.get(a, "/v1/services/Bad%20Name/resolve");
    assertThat(badName.statusCode()).isEqualTo(400);

    HttpResponse<String> post = send(a, "POST", "/v1/services/svc/resolve");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).contains("GET");

    assertThat(store.snapshot().settings()).isEqualTo(before);
    assertThat(a.service("svc").owner()).isEqualTo("node-a");
    assertThat(a.service("svc").epoch()).isEqualTo(1);
  }

  @Test
  void aProviderWithoutEndpointIsNotListed() throws Exception {
    Agent a = start("node-a", "eu", null, null, "");
    soon().until(() -> "node-a".equals(a.service("svc").owner()));
    JsonNode r = resolve(a, "");
    assertThat(r.path("owner").asText()).isEqualTo("node-a");
    assertThat(r.path("endpoints")).isEmpty();
  }

  @Test
  void activeAnswersGetHeadAndOptionsAlike200OnlyOnTheOwner() throws Exception {
    List<Agent> nodes = threeNodes();
    soon().until(() -> send(nodes.get(0), "GET", "/v1/services/svc/active").statusCode() == 200);
    for (String method : List.of("GET", "HEAD", "OPTIONS")) {
      HttpResponse<String> owner = send(nodes.get(0), method, "/v1/services/svc/active");
      assertThat(owner.statusCode()).as(method + " on the owner").isEqualTo(200);
      assertThat(owner.headers().firstValue("Allow")).contains("GET, HEAD, OPTIONS");
      for (Agent other : nodes.subList(1, 3)) {
        assertThat(send(other, method, "/v1/services/svc/active").statusCode()).as(method + " elsewhere").isEqualTo(503);
      }
    }
    assertThat(send(nodes.get(0), "HEAD", "/v1/services/svc/active").body()).as("HEAD has no body").isEmpty();
    assertThat(Http.json(send(nodes.get(0), "OPTIONS", "/v1/services/svc/active")).path("active").asBoolean()).isTrue();
    assertThat(send(nodes.get(0), "OPTIONS", "/v1/services/nosuch/active").statusCode()).isEqualTo(404);
    HttpResponse<String> put = send(nodes.get(0), "PUT", "/v1/services/svc/active");
    assertThat(put.statusCode()).isEqualTo(405);
    assertThat(put.headers().firstValue("Allow")).contains("GET, HEAD, OPTIONS");
  }

  @Test
  void activeAnswers503WhileTheOwnersCheckFails() throws Exception {
    Path broken = dir.resolve("broken");
    Agent a = start("node-a", "eu", null, "127.0.0.1:9101", String.join("\n",
        "    checks:",
        "      - {name: alive, kind: exec, command: [sh, -c, 'test ! -e " + broken + "'], interval: 200ms, failures: 1}"));
    soon().until(() -> send(a, "GET", "/v1/services/svc/active").statusCode() == 200);

    Files.writeString(broken, "");

    soon().until(() -> send(a, "HEAD", "/v1/services/svc/active").statusCode() == 503
        && send(a, "GET", "/v1/services/svc/active").statusCode() == 503
        && send(a, "OPTIONS", "/v1/services/svc/active").statusCode() == 503);
  }
}
