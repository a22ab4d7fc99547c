package dev.baton.agent.watchdog;

import static dev.baton.agent.Http.events;
import static dev.baton.agent.Http.get;
import static dev.baton.agent.Http.json;
import static dev.baton.agent.Http.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import dev.baton.core.NodeName;
import dev.baton.core.ServiceName;
import dev.baton.core.store.Event;
import dev.baton.core.store.GroupSettings;
import dev.baton.core.store.ServiceSettings;
import dev.baton.core.store.Store;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Detector reports, the rules that turn them into actions, and per-service actions, on real agents. */
class ReportsAndActionsTest {
  static final ServiceName SVC = ServiceName.of("svc");
  @TempDir Path dir;
  Agent a;
  Agent b;

  @AfterEach
  void stopAgents() {
    if (b != null) {
      b.stop();
    }
    if (a != null) {
      a.stop();
    }
  }

  /** node-a with actions and rules; waits until it provides svc. */
  void startA() throws Exception {
    a = TestNodes.agent(TestNodes.config(dir, "node-a", "sleep 600",
        "    on:\n      started: [sh, -c, 'env | grep ^BATON_ | sort > " + dir.resolve("started.env") + "']",
        String.join("\n",
            "rules:",
            "  - when: {condition: disk-full, service: svc}",
            "    then: disable",
            "  - when: {condition: cpu-hot}",
            "    then: drain-node",
            "  - when: {condition: cleanup}",
            "    then: run",
            "    run: [sh, -c, 'echo \"$BATON_CONDITION $BATON_NODE\" > " + dir.resolve("cleanup.out") + "']",
            "  - when: {condition: sick, service: svc}",
            "    then: failover")));
    a.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> "node-a".equals(owner(a)));
  }

  void startB() {
    b = TestNodes.agent(TestNodes.config(dir, "node-b", "sleep 600"));
    b.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> json(get(a, "/v1/services/svc")).path("providers").size() == 2);
  }

  static String owner(Agent agent) throws Exception {
    return json(get(agent, "/v1/services/svc")).path("owner").asText(null);
  }

  static HttpResponse<String> report(Agent agent, String body) throws Exception {
    return post(agent, "/v1/reports", body);
  }

  @Test
  void aServiceActionRunsOnItsEventWithTheEventInItsEnvironment() throws Exception {
    startA();
    Path env = dir.resolve("started.env");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(env) && Files.readString(env).contains("BATON_SERVICE"));
    long seq = events(a, "service.started").get(0).path("seq").asLong();
    assertThat(Files.readAllLines(env)).contains("BATON_GROUP=it", "BATON_NODE=node-a", "BATON_SERVICE=svc",
        "BATON_EPOCH=1", "BATON_API=http://" + a.apiAddress(), "BATON_EVENT_TYPE=service.started",
        "BATON_EVENT_SEQ=" + seq);
    assertThat(Files.readAllLines(env)).anyMatch(l -> l.startsWith("BATON_EVENT_DETAIL=pid "));
    await().atMost(Duration.ofSeconds(5)).until(() -> !events(a, "action.run").isEmpty());
    JsonNode run = events(a, "action.run").get(0);
    assertThat(run.path("service").asText()).isEqualTo("svc");
    assertThat(run.path("epoch").asLong()).isEqualTo(1);
    assertThat(run.path("detail").asText()).startsWith("on started: [sh, -c, ").endsWith("exited with code 0");
    assertThat(dir.resolve("node-a/logs/actions.log")).content().contains("on started: [sh, -c,");
  }

  @Test
  void aReportRuledDisableDisablesTheServiceKeepingItsRankingAndTheOwnerStopsIt() throws Exception {
    startA();
    try (Store store = TestNodes.store(dir)) {
      List<NodeName> ranking = List.of(NodeName.of("node-a"), NodeName.of("node-b"));
      store.putServiceSettings(SVC, new ServiceSettings(ranking, false));

      HttpResponse<String> r = report(a, "{\"condition\":\"disk-full\",\"service\":\"svc\",\"detail\":\"/var 100%\"}");

      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(json(r).path("actions").toString()).isEqualTo("[\"disable svc\"]");
      await().atMost(Duration.ofSeconds(10)).until(() -> store.snapshot().settings().service(SVC).disabled());
      assertThat(store.snapshot().settings().service(SVC).ranking()).isEqualTo(ranking);
      await().atMost(Duration.ofSeconds(10)).until(() -> owner(a) == null
          && !json(get(a, "/v1/services/svc/active")).path("active").asBoolean());
      assertThat(events(a)).extracting(e -> e.path("type").asText() + " " + e.path("detail").asText())
          .containsSubsequence("report.received disk-full: /var 100%", "action.run rule 1 (disk-full -> disable): disabled svc");
    }
  }

  @Test
  void aReportRuledDrainNodeDrainsThisNodeAndTheServiceMoves() throws Exception {
    startA();
    startB();

    assertThat(report(a, "{\"condition\":\"cpu-hot\"}").statusCode()).isEqualTo(202);

    await().atMost(Duration.ofSeconds(10)).until(() -> "node-b".equals(owner(b)));
    try (Store store = TestNodes.store(dir)) {
      assertThat(store.snapshot().settings().node(NodeName.of("node-a")).drained()).isTrue();
    }
    assertThat(events(a, "action.run")).extracting(e -> e.path("detail").asText())
        .contains("rule 2 (cpu-hot -> drain-node): drained node node-a");
  }

  @Test
  void aReportRuledFailoverMovesTheServiceToTheNextNode() throws Exception {
    startA();
    startB();

    assertThat(json(report(a, "{\"condition\":\"sick\",\"service\":\"svc\"}")).path("actions").toString())
        .isEqualTo("[\"failover svc\"]");

    await().atMost(Duration.ofSeconds(10)).until(() -> "node-b".equals(owner(b)));
    assertThat(json(get(b, "/v1/services/svc")).path("epoch").asLong()).isEqualTo(2);
    assertThat(events(a, "action.run")).extracting(e -> e.path("detail").asText())
        .contains("rule 4 (sick -> failover): failover of svc asked");
  }

  @Test
  void aReportRuledRunRunsTheCommandWithTheCondition() throws Exception {
    startA();

    assertThat(report(a, "{\"condition\":\"cleanup\"}").statusCode()).isEqualTo(202);

    Path out = dir.resolve("cleanup.out");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(out) && !Files.readString(out).isEmpty());
    assertThat(Files.readString(out)).isEqualTo("cleanup node-a\n");
    await().atMost(Duration.ofSeconds(5)).until(() -> events(a, "action.run").stream()
        .anyMatch(e -> e.path("detail").asText().startsWith("rule 3 (cleanup -> run): [sh, -c, ")
            && e.path("detail").asText().endsWith("exited with code 0")));
  }

  @Test
  void anUnknownConditionIsRecordedAndChangesNothing() throws Exception {
    startA();
    startB();
    try (Store store = TestNodes.store(dir)) {
      GroupSettings before = store.snapshot().settings();
      long epoch = json(get(a, "/v1/services/svc")).path("epoch").asLong();

      HttpResponse<String> r = report(a, "{\"condition\":\"solar-flare\",\"service\":\"svc\"}");

      assertThat(r.statusCode()).isEqualTo(202);
      assertThat(json(r).path("actions")).isEmpty();
      await().atMost(Duration.ofSeconds(5)).until(() -> !events(a, "report.received").isEmpty());
      assertThat(events(a, "report.received").get(0).path("detail").asText()).isEqualTo("solar-flare");
      assertThat(events(a, "action.run")).noneMatch(e -> e.path("detail").asText().startsWith("rule"));
      assertThat(store.snapshot().settings()).isEqualTo(before);
      assertThat(owner(a)).isEqualTo("node-a");
      assertThat(json(get(a, "/v1/services/svc")).path("epoch").asLong()).isEqualTo(epoch);
    }
  }

  @Test
  void malformedReportsAre400sThatSayWhatIsWrongAndChangeNothing() throws Exception {
    startA();
    Map<String, String> bad = Map.of(
        "not json", "the request body is not valid JSON",
        "[\"disk-full\"]", "the report must be a JSON object, got array",
        "{}", "the report has no condition",
        "{\"condition\":\"Disk Full\"}", "invalid condition name \"Disk Full\"",
        "{\"condition\":5}", "\"condition\" in the report must be a string, got 5",
        "{\"condition\":\"disk-full\",\"service\":\"nope\"}", "service \"nope\" is not a service of node node-a",
        "{\"condition\":\"disk-full\",\"service\":\"svc\",\"severity\":\"high\"}", "unknown field \"severity\"");
    try (Store store = TestNodes.store(dir)) {
      GroupSettings before = store.snapshot().settings();
      for (Map.Entry<String, String> e : bad.entrySet()) {
        HttpResponse<String> r = report(a, e.getKey());
        assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
        assertThat(json(r).path("error").asText()).as(e.getKey()).contains(e.getValue());
      }
      HttpResponse<String> good = report(a, "{\"condition\":\"marker\"}");
      assertThat(good.statusCode()).isEqualTo(202);
      await().atMost(Duration.ofSeconds(5)).until(() -> !events(a, "report.received").isEmpty());
      assertThat(events(a, "report.received")).extracting(e -> e.path("detail").asText()).containsExactly("marker");
      assertThat(store.snapshot().settings()).isEqualTo(before);
      assertThat(owner(a)).isEqualTo("node-a");
    }
  }

  @Test
  void aGracefulStopIsRecordedAsNodeLeft() throws Exception {
    startA();
    a.stop();
    try (Store store = TestNodes.store(dir)) {
      assertThat(store.events(0, 1000)).extracting(Event::type).endsWith("node.left");
      Event left = store.events(0, 1000).stream().filter(e -> e.type().equals("node.left")).findFirst().orElseThrow();
      assertThat(left.node()).isEqualTo(NodeName.of("node-a"));
    }
  }
}
