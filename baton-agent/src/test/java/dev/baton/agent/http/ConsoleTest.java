package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's files as a real agent serves them (the browser itself is ConsoleBrowserTest): from
 * the jar, with a policy that lets the page talk to its own agent only; and the status fields the
 * page reads to say its view is stale.
 */
class ConsoleTest {
  @TempDir Path dir;
  Agent agent;

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.stop();
    }
  }

  Agent start() {
    agent = TestNodes.agent(TestNodes.config(dir, "node-a", "exec sleep 600"));
    agent.start();
    return agent;
  }

  @Test
  void theConsoleIsServedFromTheJarAndLoadsNothingFromOtherHosts() throws Exception {
    start();
    for (var file : List.of(List.of("/", "text/html"), List.of("/console/console.js", "text/javascript"),
        List.of("/console/console.css", "text/css"))) {
      HttpResponse<String> r = Http.get(agent, file.get(0));
      assertThat(r.statusCode()).as(file.get(0)).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith(file.get(1));
      assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(p -> assertThat(p)
          .contains("default-src 'self'"));
      assertThat(r.body()).doesNotContain("http://", "https://", "//cdn", "@import");
    }
    assertThat(Http.get(agent, "/").body()).contains("/console/console.js", "/console/console.css");
  }

  @Test
  void aFileTheConsoleDoesNotHaveIsA404ThatSaysWhereTheConsoleIs() throws Exception {
    start();
    HttpResponse<String> r = Http.get(agent, "/console/secrets.txt");
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(Http.json(r).path("error").asText()).contains("secrets.txt").contains("the console is at /");
    HttpResponse<String> post = Http.post(agent, "/", "");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET");
  }

  /** How long ago {@code node} last renewed, as {@code from} saw it; -1 when it does not say. */
  static long renewalAge(Agent from, String node) throws Exception {
    for (var n : Http.json(Http.get(from, "/v1/status")).path("nodes")) {
      if (n.path("name").asText().equals(node)) {
        return n.path("renewalAgeMillis").isNumber() ? n.path("renewalAgeMillis").asLong() : -1;
      }
    }
    return -1;
  }

  @Test
  void statusSaysHowLongAgoEachNodeLastRenewedAndThatAgeGrowsOnceItStops() throws Exception {
    Agent b = TestNodes.agent(TestNodes.config(dir, "node-b", "exec sleep 600"));
    Agent a = start();
    b.start();
    try {
      var soon = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .pollInterval(java.time.Duration.ofMillis(50));
      // Both renew every 200 ms: node-b sees each within about one of its own reads of the store.
      soon.until(() -> renewalAge(b, "node-a") >= 0 && renewalAge(b, "node-b") >= 0);
      soon.until(() -> renewalAge(b, "node-a") < 1000 && renewalAge(b, "node-b") < 1000);

      a.crash();
      // node-a renews no more: the age node-b gives it grows past its lease, on node-b's clock alone.
      soon.until(() -> renewalAge(b, "node-a") > 1500);
      long before = renewalAge(b, "node-a");
      soon.until(() -> renewalAge(b, "node-a") >= before + 500);
      assertThat(renewalAge(b, "node-b")).as("node-b still renews").isBetween(0L, 1000L);
    } finally {
      b.stop();
    }
  }

  @Test
  void statusSaysHowOldTheNodesViewIsAndThatItIsFresh() throws Exception {
    start();
    var status = Http.json(Http.get(agent, "/v1/status"));
    assertThat(status.path("viewAgeMillis").isNumber()).as(status.toString()).isTrue();
    assertThat(status.path("viewAgeMillis").asLong()).isBetween(0L, 60_000L);
    assertThat(status.path("stale").isBoolean()).isTrue();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
        .until(() -> !Http.json(Http.get(agent, "/v1/status")).path("stale").asBoolean(true));
  }
}
