package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two in-process agents on one SQLite file; the API of each is asked what a load balancer or operator would ask. */
class HttpApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();
  @TempDir static Path dir;
  static Agent a;
  static Agent b;

  @BeforeAll
  static void startTwoAgents() {
    a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600"));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> get(a, "/v1/services/svc").path("owner").asText().equals("node-a"));
    b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600"));
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> get(b, "/v1/status").path("nodes").size() == 2
        && get(a, "/v1/services/svc").path("providers").size() == 2);
  }

  @AfterAll
  static void stopAgents() {
    b.stop();
    a.stop();
  }

  static HttpResponse<String> send(Agent agent, String method, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonNode get(Agent agent, String path) throws Exception {
    return JSON.readTree(send(agent, "GET", path).body());
  }

  /** The body of a GET that must answer 200. */
  static JsonNode ok(Agent agent, String path) throws Exception {
    HttpResponse<String> r = send(agent, "GET", path);
    assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  void statusShowsTheWholeWhiteboardInTheDesignShape() throws Exception {
    JsonNode s = ok(b, "/v1/status");
    assertThat(s.path("group").asText()).isEqualTo("it");
    assertThat(s.path("node").asText()).isEqualTo("node-b");
    assertThat(s.path("nodes").findValuesAsText("name")).containsExactly("node-a", "node-b");
    assertThat(s.path("nodes").findValuesAsText("state")).containsOnly("alive");
    JsonNode svc = s.path("services").get(0);
    assertThat(svc.path("name").asText()).isEqualTo("svc");
    assertThat(svc.path("owner").asText()).isEqualTo("node-a");
    assertThat(svc.path("epoch").asLong()).isEqualTo(1);
    assertThat(svc.path("providers").toString())
        .isEqualTo("[{\"node\":\"node-a\",\"state\":\"providing\",\"reason\":null,\"bannedUntil\":null,\"failed\":false,"
            + "\"place\":1,\"rank\":null},"
            + "{\"node\":\"node-b\",\"state\":\"waiting\",\"reason\":\"next in line: the only other candidate\","
            + "\"bannedUntil\":null,\"failed\":false,\"place\":2,\"rank\":null}]");
    assertThat(svc.path("next").asText()).isEqualTo("node-b");
    assertThat(svc.path("ranking").size()).isZero();
    assertThat(svc.path("takeoverIn").isNull()).isTrue();
  }

  @Test
  void activeAnswers200OnTheOwnerAnd503Elsewhere() throws Exception {
    assertThat(send(a, "GET", "/v1/services/svc/active").statusCode()).isEqualTo(200);
    assertThat(send(b, "GET", "/v1/services/svc/active").statusCode()).isEqualTo(503);
  }

  @Test
  void aBadServiceNameIsA400ThatEchoesIt() throws Exception {
    HttpResponse<String> r = send(a, "GET", "/v1/services/Bad%20Name");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(r.body()).path("error").asText()).contains("invalid service name \"Bad Name\"");
  }

  @Test
  void anUnknownServiceOrPathIsA404WithAJsonError() throws Exception {
    HttpResponse<String> r = send(a, "GET", "/v1/services/nope");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(r.body()).path("error").asText()).contains("no service \"nope\"");
    HttpResponse<String> p = send(a, "GET", "/v2/whatever");
    assertThat(p.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(p.body()).path("error").asText()).contains("no such resource");
  }

  @Test
  void badRequestsChangeNothing() throws Exception {
    HttpResponse<String> dots = send(a, "GET", "/v1/services/%2e%2e");
    assertThat(dots.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(dots.body()).path("error").asText()).startsWith("invalid service name \"..\"");
    HttpResponse<String> deleteStatus = send(a, "DELETE", "/v1/status");
    assertThat(deleteStatus.statusCode()).isEqualTo(405);
    assertThat(JSON.readTree(deleteStatus.body()).path("error").asText()).startsWith("DELETE is not allowed on /v1/status");
    HttpResponse<String> postService = send(a, "POST", "/v1/services/svc");
    assertThat(postService.statusCode()).isEqualTo(405);
    assertThat(JSON.readTree(postService.body()).path("error").asText()).startsWith("POST is not allowed on /v1/services/svc");
    JsonNode svc = ok(a, "/v1/services/svc");
    assertThat(svc.path("owner").asText()).isEqualTo("node-a");
    assertThat(svc.path("epoch").asLong()).isEqualTo(1);
    assertThat(a.state()).isEqualTo(Agent.State.RUNNING);
  }
}
