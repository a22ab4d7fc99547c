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
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/services/{name}/restart} on two in-process agents: node-a owns svc, node-b waits.
 * Each process of svc writes its pid to a file, so a restart shows as a new line.
 */
class RestartVerbTest {
  @TempDir static Path dir;
  static Agent a;
  static Agent b;
  static Store store;
  static Path pids;

  @BeforeAll
  static void startTwoAgents() throws Exception {
    pids = dir.resolve("pids");
    // The machine's pid from /proc/self/stat: under pid-namespace containment $$ is the namespace's.
    String command = "read -r pid rest < /proc/self/stat; echo $pid >> " + pids + "; exec sleep 600";
    a = TestNodes.agent(TestNodes.config(dir, "node-a", command));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(svc(a).path("owner").asText(null)) && lines() == 1);
    b = TestNodes.agent(TestNodes.config(dir, "node-b", command));
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> svc(a).path("providers").size() == 2
        && svc(b).path("owner").asText("").equals("node-a"));
    store = TestNodes.store(dir);
  }

  @AfterAll
  static void stopAgents() {
    store.close();
    b.stop();
    a.stop();
  }

  static JsonNode svc(Agent agent) throws Exception {
    return Http.json(Http.get(agent, "/v1/services/svc"));
  }

  static long lines() throws Exception {
    return Files.exists(pids) ? Files.readAllLines(pids).size() : 0;
  }

  static HttpResponse<String> restart(Agent via, String service, String forwardedBy) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + via.apiAddress() + "/v1/services/" + service
        + "/restart")).POST(HttpRequest.BodyPublishers.noBody());
    if (forwardedBy != null) {
      r.header("Baton-Forwarded-By", forwardedBy);
    }
    return Http.CLIENT.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aRestartAskedOfANonOwnerRestartsTheProcessOnItsOwnerWithTheSameEpoch() throws Exception {
    long epoch = svc(a).path("epoch").asLong();
    List<String> before = Files.readAllLines(pids);
    String oldPid = before.get(before.size() - 1);

    HttpResponse<String> r = restart(b, "svc", null);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    JsonNode answer = Http.json(r);
    assertThat(answer.path("verb").asText()).isEqualTo("restart");
    assertThat(answer.path("node").asText()).isEqualTo("node-a");
    assertThat(answer.path("epoch").asLong()).isEqualTo(epoch);
    long answeredPid = answer.path("pid").asLong();
    assertThat(answeredPid).isPositive();
    assertThat(answer.path("event").asLong()).isPositive();
    await("a new process of svc").atMost(Duration.ofSeconds(10)).until(() -> lines() == before.size() + 1);
    String newPid = Files.readAllLines(pids).get(before.size());
    assertThat(newPid).isNotEqualTo(oldPid);
    assertThat(ProcessHandle.of(Long.parseLong(oldPid)).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    await().atMost(Duration.ofSeconds(10)).until(() -> svc(b).path("providers").toString()
        .contains("{\"node\":\"node-a\",\"state\":\"providing\""));
    assertThat(svc(b).path("owner").asText()).isEqualTo("node-a");
    assertThat(svc(b).path("epoch").asLong()).as("a restart in place keeps the epoch").isEqualTo(epoch);

    long seq = answer.path("event").asLong();
    JsonNode restarted = Http.json(Http.get(b, "/v1/events?since=" + (seq - 1) + "&service=svc&type=operator.restart"))
        .path("events").get(0);
    assertThat(restarted.path("seq").asLong()).isEqualTo(seq);
    assertThat(restarted.path("node").asText()).isEqualTo("node-a");
    assertThat(restarted.path("epoch").asLong()).isEqualTo(epoch);
    assertThat(restarted.path("detail").asText()).contains("pid " + answeredPid).contains("asked through node-b");
    await().atMost(Duration.ofSeconds(5)).until(() -> Http.json(Http.get(b, "/v1/events?since=" + seq
        + "&service=svc&type=service.started")).path("events").size() == 1);
    JsonNode started = Http.json(Http.get(b, "/v1/events?since=" + seq + "&service=svc&type=service.started"))
        .path("events").get(0);
    assertThat(started.path("epoch").asLong()).isEqualTo(epoch);
    assertThat(started.path("detail").asText()).doesNotContain("pid " + answeredPid + ",");
  }

  @Test
  void aRestartOfAnUnknownOrDisabledServiceIsRefusedAndChangesNothing() throws Exception {
    await().atMost(Duration.ofSeconds(10)).until(() -> svc(a).path("providers").toString()
        .contains("{\"node\":\"node-a\",\"state\":\"providing\""));
    long processes = lines();
    GroupSettings before = store.snapshot().settings();

    HttpResponse<String> unknown = restart(b, "nope", null);
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(404);
    assertThat(Http.json(unknown).path("error").asText()).contains("no service \"nope\"");
    HttpResponse<String> badName = restart(a, "Bad%20Svc", null);
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(Http.json(badName).path("error").asText()).contains("invalid service name \"Bad Svc\"");
    HttpResponse<String> badForwarder = restart(a, "svc", "Not A Node");
    assertThat(badForwarder.statusCode()).isEqualTo(400);
    assertThat(Http.json(badForwarder).path("error").asText()).contains("invalid node name \"Not A Node\"");
    HttpResponse<String> notTheOwner = restart(b, "svc", "node-c");
    assertThat(notTheOwner.statusCode()).as("a forwarded request is never sent on again").isEqualTo(409);
    assertThat(Http.json(notTheOwner).path("error").asText()).contains("node-a owns it now");

    ServiceName svc = ServiceName.of("svc");
    store.putServiceSettings(svc, before.service(svc).withDisabled(true));
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> svc(a).path("state").asText().equals("disabled"));
      HttpResponse<String> disabled = restart(b, "svc", null);
      assertThat(disabled.statusCode()).as(disabled.body()).isEqualTo(409);
      assertThat(Http.json(disabled).path("error").asText()).contains("it is disabled");
    } finally {
      store.putServiceSettings(svc, before.service(svc));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> svc(a).path("owner").asText("").equals("node-a")
        && svc(a).path("providers").toString().contains("{\"node\":\"node-a\",\"state\":\"providing\""));
    assertThat(Http.events(a, "operator.restart")).allSatisfy(e ->
        assertThat(e.path("detail").asText()).contains("asked through node-b"));
    assertThat(lines()).as("only the enable started a process").isEqualTo(processes + 1);
  }
}
