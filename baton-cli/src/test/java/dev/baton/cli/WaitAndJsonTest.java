package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.http.HttpApi;
import dev.baton.cli.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --wait} and {@code --json} of the operator verbs, {@code restart} and {@code events --type}
 * against two in-process agents: node-a and node-b provide svc (a sleep); node-a alone provides
 * stubborn, which ignores SIGTERM and so takes its 3s stop-timeout to stop. Each test leaves svc on
 * node-a, both nodes undrained and both services enabled; what a command waited for is asserted
 * right after it returns, never awaited.
 */
class WaitAndJsonTest {
  @TempDir static Path dir;
  static Agent a;
  static Agent b;
  static String apiA;
  static String apiB;
  static final ObjectMapper JSON = new ObjectMapper();

  static Path config(String node, String more) throws Exception {
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: cli",
        "node: {name: " + node + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 300ms, lease: 5s}", // a lease that a loaded test machine does not fence by
        "state-dir: " + dir.resolve(node),
        "services:",
        "  svc: {command: [sleep, '600'], stop-timeout: 2s}",
        more,
        ""));
    return file;
  }

  @BeforeAll
  static void startTwoAgents() throws Exception {
    a = new Agent(ConfigLoader.load(config("node-a",
        "  stubborn: {command: [sh, -c, 'trap \"\" TERM; while :; do sleep 0.2; done'], stop-timeout: 3s}")),
        Agent.Embedding.withApi(HttpApi::start));
    a.start();
    apiA = "http://" + a.apiAddress();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(owner("svc")) && "node-a".equals(owner("stubborn")));
    b = new Agent(ConfigLoader.load(config("node-b", "")), Agent.Embedding.withApi(HttpApi::start));
    b.start();
    apiB = "http://" + b.apiAddress();
    await().atMost(Duration.ofSeconds(10)).until(() -> service(status(apiA), "svc").path("providers").size() == 2);
  }

  @AfterAll
  static void stopAgents() {
    b.stop();
    a.stop();
  }

  static JsonNode status(String api) throws Exception {
    return JSON.readTree(new BatonClient(api).get("/v1/status"));
  }

  static JsonNode service(JsonNode status, String name) {
    for (JsonNode s : status.path("services")) {
      if (s.path("name").asText().equals(name)) {
        return s;
      }
    }
    return JSON.missingNode();
  }

  static String owner(String name) throws Exception {
    return service(status(apiA), name).path("owner").asText(null);
  }

  static String providerState(JsonNode service, String node) {
    for (JsonNode p : service.path("providers")) {
      if (p.path("node").asText().equals(node)) {
        return p.path("state").asText();
      }
    }
    return null;
  }

  @Test
  void moveWithWaitReturnsOnceTheTargetRunsItAndJsonIsTheAnswerAndTheFinalState() throws Exception {
    Result there = CliTest.run("move", "svc", "node-b", "--wait", "--api", apiA);

    assertThat(there.code()).as(there.err()).isZero();
    assertThat(there.out()).contains("node-a stops svc and releases it, then node-b claims it")
        .contains("waiting up to 1m until svc runs on node-b").containsPattern("done after [0-9.]+m?s: svc runs on node-b");
    JsonNode svc = service(status(apiA), "svc");
    assertThat(svc.path("owner").asText()).isEqualTo("node-b");
    assertThat(providerState(svc, "node-b")).isEqualTo("providing");

    Result back = CliTest.run("move", "svc", "node-a", "--json", "--wait=30s", "--api", apiB);

    assertThat(back.code()).as(back.err()).isZero();
    JsonNode out = JSON.readTree(back.out());
    assertThat(out.path("done").asBoolean()).isTrue();
    assertThat(out.path("pending").isNull()).isTrue();
    assertThat(out.path("goal").asText()).isEqualTo("svc runs on node-a");
    assertThat(out.path("answer").path("verb").asText()).isEqualTo("move");
    assertThat(out.path("answer").path("changed").asBoolean()).isTrue();
    assertThat(service(out.path("status"), "svc").path("owner").asText()).isEqualTo("node-a");
    assertThat(service(status(apiA), "svc").path("owner").asText()).isEqualTo("node-a");

    Result plain = CliTest.run("move", "svc", "node-a", "--json", "--api", apiB);
    assertThat(plain.code()).isZero();
    JsonNode answer = JSON.readTree(plain.out());
    assertThat(answer.path("verb").asText()).as("without --wait, the API's answer as it is").isEqualTo("move");
    assertThat(answer.path("changed").asBoolean()).isFalse();
    assertThat(answer.path("detail").asText()).startsWith("node-a already owns svc");
    assertThat(answer.has("done")).isFalse();
  }

  @Test
  void drainWithWaitReturnsOnceTheNodeOwnsNothingAndUndrainOnceItIsACandidate() throws Exception {
    Result drained = CliTest.run("drain", "--wait", "node-a", "--api", apiB);

    assertThat(drained.code()).as(drained.err()).isZero();
    assertThat(drained.out()).contains("done after").contains("node-a owns no service");
    JsonNode now = status(apiB);
    assertThat(now.path("services")).allSatisfy(s -> assertThat(s.path("owner").asText()).isNotEqualTo("node-a"));

    Result undrained = CliTest.run("undrain", "node-a", "--wait=10s", "--json", "--api", apiB);
    assertThat(undrained.code()).as(undrained.err()).isZero();
    assertThat(JSON.readTree(undrained.out()).path("done").asBoolean()).isTrue();

    Result back = CliTest.run("move", "svc", "node-a", "--wait", "--api", apiB);
    assertThat(back.code()).as(back.err()).isZero();
    Result enabled = CliTest.run("enable", "stubborn", "--wait", "--api", apiB);
    assertThat(enabled.code()).as(enabled.err()).isZero();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(owner("stubborn")));
  }

  @Test
  void disableWithWaitReturnsOnceNoNodeRunsItAndEnableOnceOneDoes() throws Exception {
    Result disabled = CliTest.run("disable", "svc", "--wait", "--api", apiB);

    assertThat(disabled.code()).as(disabled.err()).isZero();
    assertThat(disabled.out()).contains("done after").contains("svc runs on no node");
    JsonNode svc = service(status(apiA), "svc");
    assertThat(svc.path("state").asText()).isEqualTo("disabled");
    assertThat(svc.path("owner").isNull()).isTrue();
    assertThat(svc.path("providers")).allSatisfy(p -> assertThat(p.path("state").asText()).isIn("waiting", "unavailable"));

    Result enabled = CliTest.run("enable", "svc", "--wait", "--api", apiB);
    assertThat(enabled.code()).as(enabled.err()).isZero();
    JsonNode after = service(status(apiA), "svc");
    assertThat(after.path("state").asText()).isEqualTo("provided");
    assertThat(providerState(after, after.path("owner").asText())).isEqualTo("providing");
    Result back = CliTest.run("move", "svc", "node-a", "--wait", "--api", apiB);
    assertThat(back.code()).as(back.err()).isZero();
  }

  @Test
  void pauseResumeAndFailbackThroughTheCliWithTheirRefusals() throws Exception {
    Result paused = CliTest.run("pause", "svc", "--wait", "--api", apiB);
    assertThat(paused.code()).as(paused.err()).isZero();
    assertThat(paused.out()).contains("Baton takes no decision about svc").contains("done after").contains("svc is paused");
    assertThat(CliTest.run("status", "--api", apiA).out()).contains("PAUSED").contains("svc for ");
    assertThat(CliTest.run("status", "svc", "--api", apiA).out()).contains("PAUSED for ");

    Result again = CliTest.run("pause", "svc", "--api", apiA);
    assertThat(again.code()).isEqualTo(4);
    assertThat(again.err()).contains("cannot pause svc: it is already paused");
    Result restart = CliTest.run("restart", "svc", "--api", apiA);
    assertThat(restart.code()).isEqualTo(4);
    assertThat(restart.err()).contains("it is paused");

    Result resumed = CliTest.run("resume", "--all", "--json", "--wait", "--api", apiA);
    assertThat(resumed.code()).as(resumed.err()).isZero();
    JsonNode out = JSON.readTree(resumed.out());
    assertThat(out.path("done").asBoolean()).isTrue();
    assertThat(out.path("answer").path("detail").asText()).isEqualTo("resumed 1 service: svc");
    assertThat(service(status(apiA), "svc").path("pausedSince").isNull()).isTrue();
    Result notPaused = CliTest.run("resume", "svc", "--api", apiA);
    assertThat(notPaused.code()).isEqualTo(4);
    assertThat(notPaused.err()).contains("cannot resume svc: it is not paused");

    for (String[] bad : new String[][] {{"pause"}, {"pause", "svc", "--all"}, {"resume", "Bad Svc"},
        {"failback", "svc", "always"}, {"failback", "svc", "rank", "--delay", "soon"}, {"failback", "svc"}}) {
      Result r = CliTest.run(java.util.stream.Stream.concat(java.util.Arrays.stream(bad),
          java.util.stream.Stream.of("--api", apiA)).toArray(String[]::new));
      assertThat(r.code()).as(String.join(" ", bad) + ": " + r.err()).isEqualTo(2);
    }

    Result rank = CliTest.run("failback", "svc", "rank", "--delay", "45s", "--json", "--api", apiA);
    assertThat(rank.code()).as(rank.err()).isZero();
    assertThat(JSON.readTree(rank.out()).path("changed").asBoolean()).isTrue();
    // The answer comes once the store has it; the whiteboard shows it from the agent's next pass.
    await().atMost(Duration.ofSeconds(10)).until(() -> CliTest.run("status", "svc", "--api", apiA).out()
        .contains("failback: rank after 45s"));
    JsonNode svc = service(status(apiA), "svc");
    assertThat(svc.path("failback").asText() + " " + svc.path("failbackDelay").asText()).isEqualTo("rank 45s");
    Result sticky = CliTest.run("failback", "svc", "sticky", "--api", apiA);
    assertThat(sticky.code()).as(sticky.err()).isZero();
    assertThat(sticky.out()).contains("the owner keeps svc");
    assertThat(owner("svc")).as("none of this moved svc").isEqualTo("node-a");
  }

  @Test
  void aWaitThatTimesOutSaysWhatIsStillNotTrueAndExits5() throws Exception {
    Result r = CliTest.run("disable", "stubborn", "--wait=300ms", "--api", apiA);

    assertThat(r.code()).isEqualTo(5);
    assertThat(r.out()).contains("its owner stops stubborn");
    assertThat(r.err()).startsWith("baton: timed out after 300ms waiting until stubborn runs on no node: ")
        .containsPattern("node-a still owns stubborn|stubborn still runs on node-a \\(stopping\\)");
    await("the disable itself goes on").atMost(Duration.ofSeconds(15))
        .until(() -> service(status(apiA), "stubborn").path("owner").isNull());

    Result json = CliTest.run("enable", "stubborn", "--json", "--wait=100ms", "--api", apiA);
    if (json.code() == 5) { // it did not start within 100ms: the JSON says so
      JsonNode out = JSON.readTree(json.out());
      assertThat(out.path("done").asBoolean()).isFalse();
      assertThat(out.path("pending").asText()).isNotEmpty();
      assertThat(out.path("answer").path("verb").asText()).isEqualTo("enable");
      assertThat(json.err()).contains("timed out after 100ms waiting until stubborn runs on a node");
    } else {
      assertThat(json.code()).as(json.err()).isZero();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(owner("stubborn")));
  }

  @Test
  void badTimeoutsAreRefusedBeforeAnythingIsAsked() throws Exception {
    JsonNode before = status(apiA);
    for (String bad : new String[] {"--wait=5x", "--wait=0s", "--wait=25h", "--wait=1.5", "--wait=abc", "--wait="}) {
      Result r = CliTest.run("disable", "svc", bad, "--api", apiA);
      assertThat(r.code()).as(bad).isEqualTo(2);
      assertThat(r.err()).as(bad).contains("invalid --wait ");
    }
    Result spaced = CliTest.run("drain", "node-b", "--wait", "9parsecs", "--api", apiA);
    assertThat(spaced.code()).isEqualTo(2);
    assertThat(spaced.err()).contains("invalid --wait \"9parsecs\"; expected a timeout such as 30s or 2m");
    Result range = CliTest.run("move", "svc", "node-b", "--wait=0s", "--api", apiA);
    assertThat(range.err()).contains("expected a timeout from 100ms to 24h");
    JsonNode after = status(apiA);
    assertThat(service(after, "svc").path("state").asText()).isEqualTo("provided");
    assertThat(service(after, "svc").path("owner")).isEqualTo(service(before, "svc").path("owner"));
    assertThat(after.path("nodes").toString()).doesNotContain("drained");
  }

  @Test
  void restartThroughANonOwnerKeepsTheEpochAndWaitsForTheNewProcess() throws Exception {
    long epoch = service(status(apiA), "svc").path("epoch").asLong();

    Result r = CliTest.run("restart", "svc", "--wait", "--json", "--api", apiB);

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode out = JSON.readTree(r.out());
    assertThat(out.path("done").asBoolean()).isTrue();
    JsonNode answer = out.path("answer");
    assertThat(answer.path("verb").asText()).isEqualTo("restart");
    assertThat(answer.path("node").asText()).isEqualTo("node-a");
    assertThat(answer.path("epoch").asLong()).isEqualTo(epoch);
    long oldPid = answer.path("pid").asLong();
    assertThat(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false)).as("the old process is gone").isFalse();
    JsonNode svc = service(status(apiA), "svc");
    assertThat(svc.path("owner").asText()).isEqualTo("node-a");
    assertThat(svc.path("epoch").asLong()).isEqualTo(epoch);

    Result started = CliTest.run("events", "--type", "service.started", "--service", "svc", "--since",
        Long.toString(answer.path("event").asLong()), "--json", "--api", apiB);
    assertThat(started.out().lines().map(l -> {
      try {
        return JSON.readTree(l);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    })).singleElement().satisfies(e -> {
      assertThat(e.path("epoch").asLong()).isEqualTo(epoch);
      assertThat(e.path("detail").asText()).doesNotContain("pid " + oldPid + ",");
    });

    Result text = CliTest.run("restart", "svc", "--api", apiA);
    assertThat(text.code()).as(text.err()).isZero();
    assertThat(text.out()).startsWith("node-a stops svc (pid ").contains("starts it again with the same epoch " + epoch);
    await().atMost(Duration.ofSeconds(10)).until(() -> "providing".equals(providerState(service(status(apiA), "svc"), "node-a")));
  }

  @Test
  void aRestartOfAnUnknownServiceOrWithABadNameIsRefused() {
    Result unknown = CliTest.run("restart", "nope", "--wait", "--api", apiB);
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("answered 404").contains("no service \"nope\"");
    Result bad = CliTest.run("restart", "No!", "--api", apiB);
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("invalid service name \"No!\"");
  }

  @Test
  void eventsTypeFiltersByOneOrMoreTypesAndRefusesAnUnknownOne() throws Exception {
    Result joined = CliTest.run("events", "--type", "node.joined", "--api", apiA);
    assertThat(joined.code()).as(joined.err()).isZero();
    assertThat(joined.out().lines()).hasSizeGreaterThanOrEqualTo(2)
        .allSatisfy(l -> assertThat(l).containsPattern("^ *\\d+  \\S+  node\\.joined "));

    Result two = CliTest.run("events", "--type", "node.joined,service.claimed", "--type", "service.started",
        "--json", "--api", apiB);
    assertThat(two.code()).as(two.err()).isZero();
    assertThat(two.out().lines().map(l -> {
      try {
        return JSON.readTree(l).path("type").asText();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    })).contains("node.joined", "service.claimed", "service.started")
        .containsOnly("node.joined", "service.claimed", "service.started");

    Result unknown = CliTest.run("events", "--type", "node.lots", "--api", apiA);
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown event type \"node.lots\" in --type; expected one or more of node.joined,");
  }
}
