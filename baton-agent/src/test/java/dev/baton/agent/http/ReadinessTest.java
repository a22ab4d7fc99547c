package dev.baton.agent.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/health/ready} of an agent whose PostgreSQL server stops and starts again: 200 while
 * the node is joined and its view fresh, 503 with the reason while the store cannot be read, 200
 * again once it can; {@code /v1/health/live} answers 200 throughout.
 */
class ReadinessTest {
  @TempDir Path dir;

  @Test
  void readyTurns503WhileTheStoreIsUnreachableAndBackTo200AfterwardsWhileLiveStays200() throws Exception {
    // As PostgreSQL's own tests do: a directory of its own under the temp dir, owned by the server's user.
    Path pgDir = Files.createTempDirectory("baton-test-pg-ready-");
    LocalPostgres server = LocalPostgres.init(pgDir);
    Thread stopOnExit = new Thread(server::close, "baton-test-pg-ready-stop");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
    Agent agent = null;
    try {
      server.start();
      Path file = dir.resolve("node-a.yaml");
      Files.writeString(file, String.join("\n",
          "group: it",
          "node: {name: node-a}",
          "api: {listen: '127.0.0.1:0'}",
          "store: " + server.createDatabase("ready"),
          "timing: {heartbeat: 200ms, lease: 1200ms}",
          "state-dir: " + dir.resolve("node-a"),
          "services:",
          "  svc: {command: [sleep, '600'], stop-timeout: 2s}",
          ""));
      agent = TestNodes.agent(ConfigLoader.load(file));
      agent.start();
      Agent a = agent;
      await("ready").atMost(Duration.ofSeconds(30)).until(() -> Http.get(a, "/v1/health/ready").statusCode() == 200);

      server.stop();
      await("not ready").atMost(Duration.ofSeconds(30)).until(() -> Http.get(a, "/v1/health/ready").statusCode() == 503);
      HttpResponse<String> notReady = Http.get(a, "/v1/health/ready");
      JsonNode body = Http.json(notReady);
      assertThat(body.path("status").asText()).isEqualTo("not-ready");
      assertThat(body.path("reason").asText()).containsAnyOf("the store has not answered", "holds no session");
      assertThat(Http.get(a, "/v1/health/live").statusCode()).as("the process still answers").isEqualTo(200);

      server.start();
      await("ready again").atMost(Duration.ofSeconds(60)).until(() -> Http.get(a, "/v1/health/ready").statusCode() == 200);
    } finally {
      if (agent != null) {
        agent.stop();
      }
      server.close();
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
      deleteTree(pgDir);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
