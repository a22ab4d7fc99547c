package dev.baton.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.guardian.Mirror;
import dev.baton.core.ServiceName;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code POST /v1/reload} on two in-process agents sharing one SQLite file: node-a provides
 * {@code svc} (a sleep) and {@code tree} (a shell that forks a worker and waits) and owns both;
 * node-b provides {@code tree} too. Each test rewrites node-a's file and reloads it.
 */
class ReloadTest {
  private static final String SVC = "  svc: {command: [sleep, '600'], stop-timeout: 2s}";
  private static final String EXTRA = "  extra: {command: [sleep, '601'], stop-timeout: 2s}";

  @TempDir Path dir;
  Agent a;
  Agent b;

  @BeforeEach
  void startTwoNodes() throws Exception {
    Files.writeString(dir.resolve("tree.sh"), String.join("\n",
        "#!/bin/sh",
        "sh -c 'read -r p r < /proc/self/stat; echo \"$p\" > \"$WORKER_PID.tmp\"; mv \"$WORKER_PID.tmp\" \"$WORKER_PID\";"
            + " exec sleep 600' &",
        "wait",
        ""));
    writeConfig("node-a", "", SVC, tree("node-a"));
    a = TestNodes.agent(ConfigLoader.load(dir.resolve("node-a.yaml")));
    a.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> running("svc").isPresent() && running("tree").isPresent()
        && Files.exists(workerPidFile("node-a")));
    writeConfig("node-b", "", tree("node-b"));
    b = TestNodes.agent(ConfigLoader.load(dir.resolve("node-b.yaml")));
    b.start();
    await().atMost(Duration.ofSeconds(15)).until(() -> service("tree").path("providers").size() == 2);
  }

  @AfterEach
  void stopNodes() {
    if (b != null) {
      b.stop();
    }
    if (a != null) {
      a.stop();
    }
  }

  private String tree(String node) {
    return "  tree: {command: [sh, '" + dir.resolve("tree.sh") + "'], env: {WORKER_PID: '" + workerPidFile(node)
        + "'}, stop-timeout: 2s}";
  }

  private Path workerPidFile(String node) {
    return dir.resolve("worker-" + node + ".pid");
  }

  /** Writes a node's file: {@code top} at the top level, then the service lines. */
  private void writeConfig(String node, String top, String... services) throws Exception {
    Files.writeString(dir.resolve(node + ".yaml"), String.join("\n",
        "group: it",
        "node: {name: " + node + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 200ms, lease: 1200ms}",
        "state-dir: " + dir.resolve(node),
        top,
        "services:",
        String.join("\n", services),
        ""));
  }

  private HttpResponse<String> reload() throws Exception {
    return Http.post(a, "/v1/reload", "");
  }

  private JsonNode service(String name) throws Exception {
    return Http.json(Http.get(a, "/v1/services/" + name));
  }

  /** node-a's mirrored process of {@code name}, while it runs. */
  private Optional<Mirror.Service> running(String name) {
    return mirrored(name).filter(s -> s.process().isPresent());
  }

  private Optional<Mirror.Service> mirrored(String name) {
    return new Mirror(dir.resolve("node-a")).read().orElseThrow().services().stream()
        .filter(s -> s.name().equals(ServiceName.of(name))).findFirst();
  }

  /** What node-a runs: service, pid and epoch, and who owns each service of the group. */
  private Map<String, String> picture() throws Exception {
    Map<String, String> p = new TreeMap<>();
    for (Mirror.Service s : new Mirror(dir.resolve("node-a")).read().orElseThrow().services()) {
      p.put(s.name().value(), "pid " + s.pid() + " epoch " + s.epoch());
    }
    for (JsonNode s : Http.json(Http.get(a, "/v1/status")).path("services")) {
      p.put(s.path("name").asText() + ".owner", s.path("owner").asText() + "@" + s.path("epoch").asLong()
          + " providers " + s.path("providers").size());
    }
    return p;
  }

  @Test
  void anAddedServiceIsClaimedAndRunsWhileTheOthersKeepTheirPidAndEpoch() throws Exception {
    Map<String, String> before = picture();
    writeConfig("node-a", "", SVC, tree("node-a"), EXTRA);

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode answer = Http.json(r);
    assertThat(answer.path("added").toString()).isEqualTo("[\"extra\"]");
    assertThat(answer.path("unchanged").toString()).isEqualTo("[\"svc\",\"tree\"]");
    await("extra claimed by node-a and running").atMost(Duration.ofSeconds(10)).until(() ->
        "node-a".equals(service("extra").path("owner").asText()) && running("extra").isPresent());
    assertThat(Http.get(a, "/v1/services/extra/active").statusCode()).isEqualTo(200);
    Map<String, String> after = picture();
    for (String key : new String[] {"svc", "tree", "svc.owner", "tree.owner"}) {
      assertThat(after.get(key)).as(key).isEqualTo(before.get(key));
    }
    assertThat(Http.events(a, "node.reloaded")).anySatisfy(e ->
        assertThat(e.path("detail").asText()).contains("added [extra]").contains("unchanged [svc, tree]"));
  }

  @Test
  void aRemovedServiceHasItsProcessTreeStoppedAndIsReleasedSoAnotherNodeClaimsIt() throws Exception {
    Mirror.Service tree = running("tree").orElseThrow();
    long worker = Long.parseLong(Files.readString(workerPidFile("node-a")).trim());
    assertThat(ProcessHandle.of(worker).map(ProcessHandle::isAlive)).contains(true);
    String svcBefore = picture().get("svc");
    writeConfig("node-a", "", SVC);

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Http.json(r).path("removed").toString()).isEqualTo("[\"tree\"]");
    await("the wrapper and its worker gone").atMost(Duration.ofSeconds(10)).until(() ->
        tree.process().isEmpty() && ProcessHandle.of(worker).map(h -> !h.isAlive()).orElse(true));
    await("node-b claims tree with the next epoch").atMost(Duration.ofSeconds(10)).until(() ->
        "node-b".equals(service("tree").path("owner").asText()) && service("tree").path("epoch").asLong() == tree.epoch() + 1);
    assertThat(mirrored("tree")).as("gone from node-a's mirror").isEmpty();
    assertThat(service("tree").path("providers").size()).as("node-a no longer a provider").isEqualTo(1);
    JsonNode released = Http.events(a, "service.released").stream().filter(e -> e.path("service").asText().equals("tree")
        && e.path("node").asText().equals("node-a")).findFirst().orElseThrow();
    JsonNode stopped = Http.events(a, "service.stopped").stream().filter(e -> e.path("service").asText().equals("tree")
        && e.path("node").asText().equals("node-a")).findFirst().orElseThrow();
    assertThat(released.path("seq").asLong()).as("released after its stop was handled")
        .isGreaterThan(stopped.path("seq").asLong());
    assertThat(picture().get("svc")).isEqualTo(svcBefore);
  }

  @Test
  void aChangedCheckTakesEffect() throws Exception {
    writeConfig("node-a", "", "  svc: {command: [sleep, '600'], stop-timeout: 2s, checks: [{name: dead, kind: exec,"
        + " command: ['false'], interval: 300ms, timeout: 200ms, failures: 1, grace: 100ms}]}", tree("node-a"));

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Http.json(r).path("changed").toString()).isEqualTo("[\"svc\"]");
    await("the new check fails").atMost(Duration.ofSeconds(10)).until(() -> Http.events(a, "check.failed").stream()
        .anyMatch(e -> e.path("service").asText().equals("svc") && e.path("detail").asText().startsWith("dead:")));
  }

  @Test
  void aRuleAndAnActionAddedByAReloadTakeEffect() throws Exception {
    String report = "{\"condition\": \"cleanup-needed\"}";
    HttpResponse<String> before = Http.post(a, "/v1/reports", report);
    assertThat(Http.json(before).path("actions").size()).as(before.body()).isZero();
    writeConfig("node-a", "rules: [{when: {condition: cleanup-needed}, then: run, run: [touch, '" + dir.resolve("ruled")
        + "']}]", "  svc: {command: [sleep, '600'], stop-timeout: 2s, on: {cleared: [touch, '" + dir.resolve("acted")
        + "']}}", tree("node-a"));

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Http.json(r).path("changed").toString()).isEqualTo("[\"svc\"]");
    assertThat(Http.json(r).path("settings").toString()).isEqualTo("[\"rules\"]");
    HttpResponse<String> after = Http.post(a, "/v1/reports", report);
    assertThat(Http.json(after).path("actions").toString()).as(after.body()).isEqualTo("[\"run\"]");
    assertThat(Http.post(a, "/v1/services/svc/clear", "").statusCode()).isEqualTo(200);
    await("the rule's command and the service's on: cleared command ran").atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(dir.resolve("ruled")) && Files.exists(dir.resolve("acted")));
  }

  @Test
  void aWebhookAddedByAReloadReceivesTheEventsRecordedFromThenOn() throws Exception {
    java.util.List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
    com.sun.net.httpserver.HttpServer receiver =
        com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      received.add(new String(exchange.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    receiver.start();
    try {
      writeConfig("node-a", "events: {webhooks: [{url: 'http://127.0.0.1:" + receiver.getAddress().getPort()
          + "/hook', types: [node.reloaded]}]}", SVC, tree("node-a"));

      HttpResponse<String> r = reload();

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(Http.json(r).path("settings").toString()).isEqualTo("[\"events.webhooks\"]");
      await("the new webhook got the reload's own event").atMost(Duration.ofSeconds(10)).until(() ->
          received.stream().anyMatch(b -> b.contains("\"type\":\"node.reloaded\"")
              && b.contains("settings [events.webhooks]")));
    } finally {
      receiver.stop(0);
    }
  }

  @Test
  void aNodeLevelCommandAddedByAReloadRunsForTheEventsRecordedFromThenOn() throws Exception {
    Path failed = dir.resolve("failed.txt");
    writeConfig("node-a", "on: {service.failed: [sh, -c, 'echo $BATON_EVENT_SERVICE >> " + failed + "']}", SVC,
        tree("node-a"), "  broken: {command: [sh, -c, 'exit 1'], stop-timeout: 2s, recovery: {restarts: 0, ban: 10m}}");

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Http.json(r).path("settings").toString()).isEqualTo("[\"on\"]");
    assertThat(Http.json(r).path("added").toString()).isEqualTo("[\"broken\"]");
    // broken exits at once, is banned after no restart, and no other node provides it: service.failed.
    await("the reloaded on: service.failed command ran").atMost(Duration.ofSeconds(15))
        .until(() -> Files.exists(failed) && Files.readString(failed).equals("broken\n"));
  }

  @Test
  void aChangedCommandRestartsTheServiceInPlaceWithItsEpoch() throws Exception {
    Mirror.Service before = running("svc").orElseThrow();
    writeConfig("node-a", "", "  svc: {command: [sleep, '700'], stop-timeout: 2s}", tree("node-a"));

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(Http.json(r).path("restarted").toString()).isEqualTo("[\"svc\"]");
    await("svc runs again, a new process at the same epoch").atMost(Duration.ofSeconds(10)).until(() ->
        running("svc").filter(s -> s.pid() != before.pid()).isPresent());
    assertThat(running("svc").orElseThrow().epoch()).isEqualTo(before.epoch());
    assertThat(service("svc").path("owner").asText()).isEqualTo("node-a");
    assertThat(before.process()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "services: [unclosed",
      "services:\n  svc: {comand: [sleep, '600']}\n" + EXTRA,
      "services:\n  svc: {command: [sleep, '600'], stop-timeout: 2 seconds}\n" + EXTRA})
  void aBrokenFileIsRefusedWholeWithItsProblemsAndNothingChanges(String services) throws Exception {
    Map<String, String> before = picture();
    Path file = dir.resolve("node-a.yaml");
    String good = Files.readString(file);
    Files.writeString(file, good.substring(0, good.indexOf("services:")) + services + "\n");

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    String error = Http.json(r).path("error").asText();
    assertThat(error).startsWith("node node-a refused the reload of " + file + "; nothing changed:\n" + file + ": ");
    assertThat(Http.events(a, "node.reload-refused")).hasSize(1);
    assertThat(Http.events(a, "node.reloaded")).isEmpty();
    assertThat(picture()).isEqualTo(before);
    // The running config is still the old one: reloading the old file changes nothing.
    Files.writeString(file, good);
    HttpResponse<String> again = reload();
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    assertThat(Http.json(again).path("unchanged").toString()).isEqualTo("[\"svc\",\"tree\"]");
    assertThat(Http.json(again).path("detail").asText()).startsWith("nothing changed");
    assertThat(picture()).isEqualTo(before);
  }

  @Test
  void aBrokenFileNamesEveryProblemOnALineOfItsOwn() throws Exception {
    writeConfig("node-a", "", "  svc: {comand: [sleep, '600'], stop-timeout: 2 seconds}");

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    Path file = dir.resolve("node-a.yaml");
    assertThat(Http.json(r).path("error").asText().lines()).contains(
        file + ": services.svc.comand: unknown key; did you mean command?",
        file + ": services.svc.stop-timeout: invalid duration \"2 seconds\"; expected a number and a unit: ms, s, m or h"
            + " (e.g. 500ms, 3s, 2m)");
    assertThat(Http.json(r).path("error").asText()).contains(file + ": services.svc.command: missing; expected");
  }

  @Test
  void aChangedRestartOnlySettingIsRefusedNamingTheFieldAndNothingChanges() throws Exception {
    Map<String, String> before = picture();
    Path file = dir.resolve("node-a.yaml");
    Files.writeString(file, Files.readString(file).replace("lease: 1200ms", "lease: 1500ms")
        .replace("services:", "services:\n" + EXTRA));

    HttpResponse<String> r = reload();

    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    assertThat(Http.json(r).path("error").asText()).contains(file + ": timing.lease: changed from \"1.2s\" to \"1.5s\";"
        + " timing.lease cannot change while the agent runs. Restart the agent to apply it");
    assertThat(picture()).isEqualTo(before);
    assertThat(Http.events(a, "node.reload-refused")).singleElement().satisfies(e ->
        assertThat(e.path("detail").asText()).contains("timing.lease: changed from"));
  }

  @Test
  void aReloadRequestWithAQueryParameterOrTheWrongMethodIsRefusedAndChangesNothing() throws Exception {
    Map<String, String> before = picture();
    writeConfig("node-a", "", SVC, tree("node-a"), EXTRA);

    HttpResponse<String> query = Http.post(a, "/v1/reload?force=true", "");
    HttpResponse<String> get = Http.get(a, "/v1/reload");

    assertThat(query.statusCode()).as(query.body()).isEqualTo(400);
    assertThat(Http.json(query).path("error").asText()).contains("force");
    assertThat(get.statusCode()).as(get.body()).isEqualTo(405);
    assertThat(get.headers().firstValue("Allow")).contains("POST");
    assertThat(Http.events(a, "node.reloaded")).isEmpty();
    assertThat(picture()).isEqualTo(before);
  }

  @Test
  void reloadsAtTheSameTimeAreAppliedOneAfterAnotherSoOnlyOneAddsTheService() throws Exception {
    writeConfig("node-a", "", SVC, tree("node-a"), EXTRA);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      java.util.List<java.util.concurrent.Future<HttpResponse<String>>> answers = new java.util.ArrayList<>();
      for (int i = 0; i < 4; i++) {
        answers.add(pool.submit(this::reload));
      }
      int added = 0;
      for (var answer : answers) {
        HttpResponse<String> r = answer.get();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        added += Http.json(r).path("added").size();
      }
      assertThat(added).as("one reload added extra; the others found it there").isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    await("extra runs once, on node-a").atMost(Duration.ofSeconds(10)).until(() -> running("extra").isPresent());
    assertThat(Http.events(a, "node.reloaded")).hasSize(4);
  }
}
