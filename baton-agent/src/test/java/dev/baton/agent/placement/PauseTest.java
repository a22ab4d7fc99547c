package dev.baton.agent.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import dev.baton.core.ServiceName;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.Store;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maintenance with real in-process agents: a paused service is left alone whatever happens to its
 * process or its owner's node, health checks still report, and a resume hands it back to Baton.
 */
class PauseTest {
  @TempDir Path dir;

  /** A service that runs until {@code stop} exists, then exits with code 3 on its own. */
  private String untilFile(Path stop) {
    return "while [ ! -f " + stop + " ]; do sleep 0.1; done; exit 3";
  }

  static JsonNode service(Agent agent) throws Exception {
    return Http.json(Http.get(agent, "/v1/services/svc"));
  }

  static HttpResponse<String> send(Agent agent, String method, String path) throws Exception {
    return Http.CLIENT.send(HttpRequest.newBuilder(URI.create("http://" + agent.apiAddress() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aPausedServiceWhoseProcessExitsIsNeitherRestartedNorReleasedUntilResumed() throws Exception {
    Path stop = dir.resolve("stop");
    Agent a = TestNodes.agent(TestNodes.config(dir, "node-a", untilFile(stop),
        "    checks:\n      - {name: marker, kind: exec, command: [test, '!', -f, '" + dir.resolve("sick") + "'], interval: 200ms, failures: 1}"));
    a.start();
    Agent b = null;
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(service(a).path("owner").asText(null)));
      b = TestNodes.agent(TestNodes.config(dir, "node-b", untilFile(stop)));
      b.start();
      Agent nodeB = b;
      await().atMost(Duration.ofSeconds(10)).until(() -> service(nodeB).path("providers").size() == 2);
      long epoch = service(a).path("epoch").asLong();

      HttpResponse<String> paused = Http.post(b, "/v1/services/svc/pause", "");
      assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
      assertThat(Http.json(paused).path("changed").asBoolean()).isTrue();
      await().atMost(Duration.ofSeconds(5)).until(() -> service(a).path("pausedSince").isTextual());
      assertThat(service(a).path("pausedFor").asText()).endsWith("s");

      // A failing health check is still reported, and changes nothing.
      Files.writeString(dir.resolve("sick"), "");
      await().atMost(Duration.ofSeconds(10)).until(() -> !Http.events(a, "check.failed").isEmpty());
      Files.delete(dir.resolve("sick"));

      Files.writeString(stop, ""); // the process exits on its own
      await().atMost(Duration.ofSeconds(10)).until(() -> Http.events(a, "service.stopped").stream()
          .anyMatch(e -> e.path("detail").asText().contains("on its own")));
      await("nobody acts on the paused service").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
          .until(() -> Http.events(a, "service.restarted").isEmpty() && Http.events(a, "service.released").isEmpty()
              && Http.events(a, "service.claimed").size() == 1 && service(a).path("epoch").asLong() == epoch);
      assertThat(service(a).path("owner").asText()).isEqualTo("node-a");

      Files.delete(stop);
      HttpResponse<String> resumed = Http.post(a, "/v1/services/svc/resume", "");
      assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
      // Managed again: the owner whose process is gone releases it, and placement starts it again.
      await().atMost(Duration.ofSeconds(15)).until(() -> service(a).path("epoch").asLong() > epoch
          && service(a).path("state").asText().equals("provided"));
      assertThat(service(a).path("pausedSince").isNull()).isTrue();
      assertThat(Http.events(a, "operator.pause")).hasSize(1);
      assertThat(Http.events(a, "operator.resume")).singleElement()
          .satisfies(e -> assertThat(e.path("detail").asText()).startsWith("paused for "));
    } finally {
      if (b != null) {
        b.stop();
      }
      a.stop();
    }
  }

  @Test
  void aPausedOwnerThatDiesIsReportedButNotTakenOverUntilResumed() throws Exception {
    Agent a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600"));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(service(a).path("owner").asText(null)));
    Agent b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600"));
    b.start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> service(b).path("providers").size() == 2);
      long epoch = service(b).path("epoch").asLong();
      assertThat(Http.post(b, "/v1/pause", "").statusCode()).isEqualTo(200); // the whole group
      await().atMost(Duration.ofSeconds(5)).until(() -> service(b).path("pausedSince").isTextual()
          && service(a).path("pausedSince").isTextual());

      a.crash();
      await("node.lost recorded").atMost(Duration.ofSeconds(15)).until(() -> !Http.events(b, "node.lost").isEmpty());
      await("no takeover while paused").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
          .until(() -> service(b).path("epoch").asLong() == epoch && service(b).path("takeoverIn").isNull());
      assertThat(service(b).path("providers").findValuesAsText("reason"))
          .anySatisfy(r -> assertThat(r).contains("nothing takes over until `baton resume svc`"));

      HttpResponse<String> resumed = Http.post(b, "/v1/resume", "");
      assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(15)).until(() -> "node-b".equals(service(b).path("owner").asText(null))
          && service(b).path("epoch").asLong() == epoch + 1);
    } finally {
      b.stop();
      a.stop();
    }
  }

  @Test
  void pauseVerbsRefuseWhatCannotBeAndChangeNothing() throws Exception {
    Agent a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600"));
    a.start();
    try (Store store = TestNodes.store(dir)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(service(a).path("owner").asText(null)));
      GroupSettings before = store.snapshot().settings();
      refused(send(a, "POST", "/v1/services/svc/resume"), 409, "not paused", store, before);
      refused(send(a, "POST", "/v1/resume"), 409, "no service of group it is paused", store, before);
      refused(send(a, "POST", "/v1/services/nope/pause"), 404, "no service \"nope\"", store, before);
      refused(send(a, "POST", "/v1/services/Bad%20Svc/pause"), 400, "invalid service name", store, before);
      refused(send(a, "GET", "/v1/services/svc/pause"), 405, "takes POST", store, before);

      assertThat(send(a, "POST", "/v1/services/svc/pause").statusCode()).isEqualTo(200);
      GroupSettings paused = store.snapshot().settings();
      assertThat(paused.service(ServiceName.of("svc")).paused()).isTrue();
      refused(send(a, "POST", "/v1/services/svc/pause"), 409, "already paused", store, paused);
      refused(send(a, "POST", "/v1/pause"), 409, "already paused", store, paused);
      refused(send(a, "POST", "/v1/services/svc/restart"), 409, "it is paused", store, paused);
      assertThat(service(a).path("owner").asText()).as("a pause stops nothing").isEqualTo("node-a");
    } finally {
      a.stop();
    }
  }

  /** Asserts the answer's status and that its error names {@code text}; then that the settings are as before. */
  static void refused(HttpResponse<String> r, int status, String text, Store store, GroupSettings before)
      throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(Http.json(r).path("error").asText()).contains(text);
    assertThat(store.snapshot().settings()).isEqualTo(before);
  }
}
