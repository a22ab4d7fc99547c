package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.Store;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator verbs through the HTTP API of two in-process agents: node-a provides svc and solo,
 * node-b provides svc only. Every rejected request leaves the group's settings as they were.
 */
class OperatorVerbsTest {
  @TempDir static Path dir;
  static Agent a;
  static Agent b;
  static Store store;

  @BeforeAll
  static void startTwoAgents() throws Exception {
    Path file = dir.resolve("node-a.yaml");
    Files.writeString(file, String.join("\n",
        "group: it",
        "node: {name: node-a}",
        "api: {listen: '127.0.0.1:" + TestNodes.freePort() + "'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 200ms, lease: 1200ms}",
        "state-dir: " + dir.resolve("node-a"),
        "services:",
        "  svc: {command: [sleep, '600'], stop-timeout: 2s}",
        "  solo: {command: [sleep, '600'], stop-timeout: 2s}",
        ""));
    a = TestNodes.agent(ConfigLoader.load(file));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(owner("svc")) && "node-a".equals(owner("solo")));
    b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600"));
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> Http.json(Http.get(a, "/v1/status")).path("nodes").size() == 2
        && service(a, "svc").path("providers").size() == 2);
    store = TestNodes.store(dir);
  }

  @AfterAll
  static void stopAgents() {
    store.close();
    b.stop();
    a.stop();
  }

  static JsonNode service(Agent agent, String name) throws Exception {
    return Http.json(Http.get(agent, "/v1/services/" + name));
  }

  static String owner(String name) throws Exception {
    return service(a, name).path("owner").asText(null);
  }

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + b.apiAddress() + path))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Asserts the answer's status and that its error names {@code text}; then that nothing changed. */
  static void rejected(HttpResponse<String> r, int status, String text, GroupSettings before) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(Http.json(r).path("error").asText()).contains(text);
    assertThat(store.snapshot().settings()).isEqualTo(before);
  }

  @Test
  void unknownServicesAndNodesAre404AndChangeNothing() throws Exception {
    GroupSettings before = store.snapshot().settings();
    rejected(send("POST", "/v1/services/nope/move", "{\"to\": \"node-b\"}"), 404, "no service \"nope\"", before);
    rejected(send("POST", "/v1/services/svc/move", "{\"to\": \"node-z\"}"), 404, "no node \"node-z\"", before);
    rejected(send("POST", "/v1/services/nope/disable", null), 404, "no service \"nope\"", before);
    rejected(send("POST", "/v1/services/nope/enable", null), 404, "no service \"nope\"", before);
    rejected(send("PUT", "/v1/services/svc/ranking", "{\"ranking\": [\"node-b\", \"node-z\"]}"), 404,
        "no node \"node-z\"", before);
    rejected(send("POST", "/v1/nodes/node-z/drain", null), 404, "no node \"node-z\"", before);
    rejected(send("POST", "/v1/nodes/node-z/undrain", null), 404, "no node \"node-z\"", before);
  }

  @Test
  void badBodiesAndNamesAre400AndChangeNothing() throws Exception {
    GroupSettings before = store.snapshot().settings();
    rejected(send("POST", "/v1/services/svc/move", "node-b"), 400, "not valid JSON", before);
    rejected(send("POST", "/v1/services/svc/move", "{}"), 400, "needs \"to\"", before);
    rejected(send("POST", "/v1/services/svc/move", "{\"to\": 7}"), 400, "needs \"to\"", before);
    rejected(send("POST", "/v1/services/svc/move", "{\"to\": \"node-b\", \"now\": true}"), 400,
        "unknown field \"now\"", before);
    rejected(send("POST", "/v1/services/svc/move", "{\"to\": \"Node B\"}"), 400, "invalid node name \"Node B\"", before);
    rejected(send("POST", "/v1/services/Bad%20Svc/disable", null), 400, "invalid service name \"Bad Svc\"", before);
    rejected(send("PUT", "/v1/services/svc/ranking", "{\"ranking\": \"node-a\"}"), 400, "a list of node names", before);
    rejected(send("PUT", "/v1/services/svc/ranking", "{\"ranking\": [\"node-a\", \"node-a\"]}"), 400,
        "listed twice", before);
    rejected(send("POST", "/v1/nodes/Bad%20Node/drain", null), 400, "invalid node name \"Bad Node\"", before);
  }

  @Test
  void aMoveThatCannotHappenNowIs409AndChangesNothing() throws Exception {
    GroupSettings before = store.snapshot().settings();
    rejected(send("POST", "/v1/services/solo/move", "{\"to\": \"node-b\"}"), 409, "has no provider of solo", before);

    store.putNodeSettings(dev.baton.core.NodeName.of("node-b"), new dev.baton.core.store.NodeSettings(true));
    try {
      GroupSettings drained = store.snapshot().settings();
      rejected(send("POST", "/v1/services/svc/move", "{\"to\": \"node-b\"}"), 409, "node-b: the node is drained", drained);
    } finally {
      store.putNodeSettings(dev.baton.core.NodeName.of("node-b"), new dev.baton.core.store.NodeSettings(false));
    }
  }

  @Test
  void rankingIsStoredAndReportedAsAChange() throws Exception {
    HttpResponse<String> r = send("PUT", "/v1/services/solo/ranking", "{\"ranking\": [\"node-b\", \"node-a\"]}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Http.json(r).path("changed").asBoolean()).isTrue();
    assertThat(store.snapshot().settings().service(dev.baton.core.ServiceName.of("solo")).ranking())
        .extracting(dev.baton.core.NodeName::value).containsExactly("node-b", "node-a");
    assertThat(Http.json(send("PUT", "/v1/services/solo/ranking", "{\"ranking\": [\"node-b\", \"node-a\"]}"))
        .path("changed").asBoolean()).isFalse();
    assertThat(owner("solo")).as("a ranking never moves a running service").isEqualTo("node-a");
    await().atMost(Duration.ofSeconds(5)).until(() -> !Http.events(a, "operator.rank").isEmpty());
  }

  @Test
  void disableStopsTheServiceEverywhereAndEnablePlacesItAgain() throws Exception {
    HttpResponse<String> r = send("POST", "/v1/services/solo/disable", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> service(a, "solo").path("state").asText().equals("disabled")
        && service(a, "solo").path("owner").isNull()
        && service(a, "solo").path("providers").get(0).path("state").asText().equals("waiting"));
    assertThat(Http.json(send("POST", "/v1/services/solo/disable", null)).path("changed").asBoolean()).isFalse();

    assertThat(send("POST", "/v1/services/solo/enable", null).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(owner("solo")));
    await().atMost(Duration.ofSeconds(5)).until(() -> !Http.events(a, "operator.disable").isEmpty()
        && !Http.events(a, "operator.enable").isEmpty());
  }

  @Test
  void aMoveHandsTheServiceToItsTargetWithTheNextEpochAndThenEnds() throws Exception {
    JsonNode before = service(a, "svc");
    String from = before.path("owner").asText();
    String to = from.equals("node-a") ? "node-b" : "node-a";
    long epoch = before.path("epoch").asLong();

    HttpResponse<String> r = send("POST", "/v1/services/svc/move", "{\"to\": \"" + to + "\"}");

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(Http.json(r).path("detail").asText()).contains(from + " stops svc");
    await().atMost(Duration.ofSeconds(10)).until(() -> to.equals(owner("svc")));
    JsonNode after = service(a, "svc");
    assertThat(after.path("epoch").asLong()).isEqualTo(epoch + 1);
    assertThat(after.path("moving").isNull()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> Http.events(a, "operator.move").stream()
        .anyMatch(e -> e.path("detail").asText().contains("move to " + to)));
    assertThat(Http.json(send("POST", "/v1/services/svc/move", "{\"to\": \"" + to + "\"}")).path("changed")
        .asBoolean()).isFalse();
  }
}
