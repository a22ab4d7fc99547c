package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.core.BatonException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code api.token-file}, {@code api.insecure}, {@code api.advertise} and the health probes, on
 * real in-process agents sharing one SQLite file.
 */
class ApiAccessTest {
  private static final String TOKEN = "s3cret-token-of-the-group";

  @TempDir Path dir;
  private final List<Agent> started = new ArrayList<>();

  @AfterEach
  void stopAgents() {
    started.forEach(Agent::stop);
  }

  private Agent start(String node, String apiYaml) throws Exception {
    Files.writeString(dir.resolve("token"), TOKEN + "\n");
    Agent agent = TestNodes.agent(TestNodes.config(dir, node, "exec sleep 600", "", "", apiYaml));
    started.add(agent);
    agent.start();
    return agent;
  }

  private static String api(String... lines) {
    return ("api:\n" + String.join("\n", lines).indent(2)).stripTrailing();
  }

  static HttpResponse<String> call(Agent agent, String method, String path, String body, String authorization)
      throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (authorization != null) {
      r.header("Authorization", authorization);
    }
    return Http.CLIENT.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private record Route(String method, String path, String body) {}

  /** Every route that needs the token, in an order where each succeeds with it (stop last). */
  private static final List<Route> GUARDED = List.of(
      new Route("GET", "/v1/status", null),
      new Route("GET", "/v1/services/svc", null),
      new Route("GET", "/v1/services/svc/ranking", null),
      new Route("GET", "/v1/events", null),
      new Route("PUT", "/v1/services/svc/heartbeat", null),
      new Route("POST", "/v1/services/svc/clear", null),
      new Route("PUT", "/v1/services/svc/ranking", "{\"ranking\": [\"node-a\"]}"),
      new Route("POST", "/v1/services/svc/move", "{\"to\": \"node-a\"}"),
      new Route("POST", "/v1/services/svc/restart", null),
      new Route("POST", "/v1/reports", "{\"condition\": \"disk-full\"}"),
      new Route("POST", "/v1/nodes/node-a/drain", null),
      new Route("POST", "/v1/nodes/node-a/undrain", null),
      new Route("POST", "/v1/services/svc/disable", null),
      new Route("POST", "/v1/services/svc/enable", null),
      new Route("POST", "/v1/reload", null),
      new Route("GET", "/v1/no-such-route", null),
      new Route("POST", "/v1/stop", null));

  @Test
  void everyRouteButHealthAndActiveAnswers401WithoutTheTokenOrWithAWrongOneAndWorksWithIt() throws Exception {
    Agent a = start("node-a", api("listen: 127.0.0.1:0", "token-file: token"));
    await().atMost(Duration.ofSeconds(20)).until(() -> call(a, "GET", "/v1/services/svc/active", null, null).statusCode() == 200);

    for (Route r : GUARDED) {
      for (String wrong : new String[] {null, "Bearer not-the-token", "Bearer " + TOKEN + "x", "Basic " + TOKEN, "Bearer "}) {
        HttpResponse<String> refused = call(a, r.method(), r.path(), r.body(), wrong);
        assertThat(refused.statusCode()).as(r + " with " + wrong).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate")).as(r.toString()).hasValueSatisfying(
            v -> assertThat(v).startsWith("Bearer"));
        JsonNode error = Http.json(refused);
        assertThat(error.path("error").asText()).as(r.toString()).contains("Authorization: Bearer");
        assertThat(refused.body()).doesNotContain(TOKEN);
      }
      HttpResponse<String> allowed = call(a, r.method(), r.path(), r.body(), "Bearer " + TOKEN);
      if (r.path().equals("/v1/no-such-route")) {
        assertThat(allowed.statusCode()).as(r.toString()).isEqualTo(404);
      } else {
        assertThat(allowed.statusCode()).as(r + ": " + allowed.body()).isBetween(200, 299);
      }
    }
    a.awaitStopped();
    assertThat(a.state()).isEqualTo(Agent.State.STOPPED);
  }

  @Test
  void theEventStreamNeedsTheTokenToo() throws Exception {
    Agent a = start("node-a", api("listen: 127.0.0.1:0", "token-file: token"));
    HttpRequest.Builder stream = HttpRequest.newBuilder(URI.create("http://" + a.apiAddress() + "/v1/events/stream"))
        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).GET();
    assertThat(Http.CLIENT.send(stream.build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
    HttpResponse<InputStream> open = Http.CLIENT.send(stream.header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = open.body()) {
      assertThat(open.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void healthProbesAndActiveAnswerWithoutAToken() throws Exception {
    Agent a = start("node-a", api("listen: 127.0.0.1:0", "token-file: token"));
    HttpResponse<String> live = call(a, "GET", "/v1/health/live", null, null);
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(Http.json(live).path("status").asText()).isEqualTo("live");
    await().atMost(Duration.ofSeconds(20)).until(() -> call(a, "GET", "/v1/health/ready", null, null).statusCode() == 200);
    JsonNode ready = Http.json(call(a, "GET", "/v1/health/ready", null, null));
    assertThat(ready.path("status").asText()).isEqualTo("ready");
    assertThat(ready.path("viewAgeMillis").asLong()).isLessThan(2_000);
    await().atMost(Duration.ofSeconds(20)).until(() -> call(a, "GET", "/v1/services/svc/active", null, null).statusCode() == 200);
    assertThat(call(a, "GET", "/v1/services/svc/active", null, "Bearer wrong").statusCode())
        .as("/active does not look at the token").isEqualTo(200);
    assertThat(call(a, "GET", "/v1/services/other/active", null, null).statusCode()).isEqualTo(404);
  }

  @Test
  void statusSaysHowOldItsViewIs() throws Exception {
    Agent a = start("node-a", api("listen: 127.0.0.1:0"));
    await().atMost(Duration.ofSeconds(20)).until(() -> Http.get(a, "/v1/status").statusCode() == 200);
    JsonNode status = Http.json(Http.get(a, "/v1/status"));
    assertThat(status.has("viewAgeMillis")).isTrue();
    assertThat(status.path("viewAgeMillis").asLong(-1)).isBetween(0L, 2_000L);
  }

  @Test
  void aNodeSendsTheTokenWhenItForwardsARestartToTheOwner() throws Exception {
    Agent a = start("node-a", api("listen: 127.0.0.1:0", "token-file: token"));
    await().atMost(Duration.ofSeconds(20)).until(() -> call(a, "GET", "/v1/services/svc/active", null, null).statusCode() == 200);
    Agent b = start("node-b", api("listen: 127.0.0.1:0", "token-file: token"));
    await().atMost(Duration.ofSeconds(20)).until(() -> Http.json(call(b, "GET", "/v1/services/svc", null, "Bearer " + TOKEN))
        .path("owner").asText("").equals("node-a"));
    HttpResponse<String> restart = call(b, "POST", "/v1/services/svc/restart", null, "Bearer " + TOKEN);
    assertThat(restart.statusCode()).as(restart.body()).isEqualTo(202);
    assertThat(Http.json(restart).path("node").asText()).isEqualTo("node-a");
  }

  @Test
  void anAgentListeningBeyondLoopbackWithoutATokenRefusesToStartSayingWhy() throws Exception {
    Agent open = TestNodes.agent(TestNodes.config(dir, "node-a", "exec sleep 600", "", "", api("listen: 0.0.0.0:0")));
    assertThatThrownBy(open::start).isInstanceOf(BatonException.class)
        .hasMessageContaining("api.listen 0.0.0.0:0 is reachable beyond this host")
        .hasMessageContaining("api.token-file").hasMessageContaining("--insecure");
    assertThat(open.state()).isEqualTo(Agent.State.STOPPED);
  }

  @Test
  void anInsecureAgentStartsOnAllAddressesAndAdvertisesAReachableOne() throws Exception {
    Agent a = start("node-a", api("listen: 0.0.0.0:0", "insecure: true"));
    assertThat(a.advertisedAddress()).doesNotStartWith("0.0.0.0").endsWith(":" + a.apiAddress().split(":")[1]);
    await().atMost(Duration.ofSeconds(20)).until(() -> Http.get(a, "/v1/status").statusCode() == 200);
    assertThat(Http.json(Http.get(a, "/v1/status")).path("nodes").get(0).path("api").asText())
        .isEqualTo(a.advertisedAddress());
  }

  @Test
  void aTokenAlsoLetsAnAgentListenBeyondLoopback() throws Exception {
    Agent a = start("node-a", api("listen: 0.0.0.0:0", "token-file: token"));
    assertThat(call(a, "GET", "/v1/status", null, null).statusCode()).isEqualTo(401);
  }

  @Test
  void theNodePublishesItsAdvertisedAddressInsteadOfItsListenAddress() throws Exception {
    Agent a = start("node-a", api("listen: 127.0.0.1:0", "advertise: node-a.example.com"));
    Agent b = start("node-b", api("listen: 127.0.0.1:0", "advertise: '10.1.2.3:8443'"));
    String port = a.apiAddress().substring(a.apiAddress().lastIndexOf(':') + 1);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      JsonNode nodes = Http.json(Http.get(b, "/v1/status")).path("nodes");
      assertThat(nodes).hasSize(2);
      assertThat(nodes.get(0).path("api").asText()).isEqualTo("node-a.example.com:" + port);
      assertThat(nodes.get(1).path("api").asText()).isEqualTo("10.1.2.3:8443");
    });
  }

  /** A client that trusts the test's self-signed certificate (and nothing else). */
  private static java.net.http.HttpClient trusting(Path cert) throws Exception {
    java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
    store.load(null, null);
    try (InputStream in = Files.newInputStream(cert)) {
      store.setCertificateEntry("test", java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    javax.net.ssl.TrustManagerFactory trust =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    trust.init(store);
    javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLS");
    context.init(null, trust.getTrustManagers(), null);
    return java.net.http.HttpClient.newBuilder().sslContext(context).build();
  }

  @Test
  void withTlsTheApiServesHttpsOnlyAndANodeForwardsARestartOverIt() throws Exception {
    TestNodes.selfSigned(dir.resolve("tls"));
    String tls = "tls: {cert: tls/cert.pem, key: tls/key.pem}";
    Agent a = start("node-a", api("listen: 127.0.0.1:0", "token-file: token", tls));
    java.net.http.HttpClient https = trusting(dir.resolve("tls/cert.pem"));
    URI status = URI.create("https://" + a.apiAddress() + "/v1/status");
    await().atMost(Duration.ofSeconds(20)).until(() -> https.send(HttpRequest.newBuilder(status)
        .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    assertThat(https.send(HttpRequest.newBuilder(status).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .as("the token is still needed").isEqualTo(401);
    assertThat(https.send(HttpRequest.newBuilder(URI.create("https://" + a.apiAddress() + "/v1/health/live")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    assertThatThrownBy(() -> Http.CLIENT.send(HttpRequest.newBuilder(URI.create("https://" + a.apiAddress()
        + "/v1/health/live")).build(), HttpResponse.BodyHandlers.ofString()))
        .as("a client that does not trust the certificate").isInstanceOf(javax.net.ssl.SSLException.class);
    assertThatThrownBy(() -> Http.get(a, "/v1/health/live")).as("plain HTTP is not served")
        .isInstanceOf(java.io.IOException.class);

    Agent b = start("node-b", api("listen: 127.0.0.1:0", "token-file: token", tls));
    URI restart = URI.create("https://" + b.apiAddress() + "/v1/services/svc/restart");
    URI active = URI.create("https://" + a.apiAddress() + "/v1/services/svc/active");
    await().atMost(Duration.ofSeconds(20)).until(() -> https.send(HttpRequest.newBuilder(active).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    HttpResponse<String> forwarded = await().atMost(Duration.ofSeconds(20)).until(() -> https.send(
        HttpRequest.newBuilder(restart).header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody())
            .build(), HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() != 503 || !r.body().contains("has not read"));
    assertThat(forwarded.statusCode()).as(forwarded.body()).isEqualTo(202);
    assertThat(Http.json(forwarded).path("node").asText()).isEqualTo("node-a");
  }
}
