package dev.baton.agent.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.agent.Http;
import dev.baton.agent.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /metrics} of real in-process agents on one SQLite store, scraped as Prometheus would:
 * the names docs/metrics.md lists, moving as the group does (renewals, a restart, a check, a
 * failover after a crash).
 */
class MetricsTest {
  @TempDir Path dir;
  final List<Agent> agents = new ArrayList<>();

  @AfterEach
  void stopAll() {
    agents.forEach(Agent::stop);
  }

  Agent start(String node) {
    Agent agent = TestNodes.agent(TestNodes.config(dir, node, "exec sleep 600",
        "    checks: [{name: alive, kind: exec, command: ['true'], interval: 200ms}]"));
    agent.start();
    agents.add(agent);
    return agent;
  }

  static String scrape(Agent agent) throws Exception {
    HttpResponse<String> r = Http.get(agent, "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    return r.body();
  }

  /** The value of the first sample named {@code name} whose labels contain every one of {@code labels}; -1 if none. */
  static double value(String text, String name, String... labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$").matcher(text);
    while (m.find()) {
      String have = m.group(1);
      if (List.of(labels).stream().allMatch(have::contains)) {
        return Double.parseDouble(m.group(2));
      }
    }
    return -1;
  }

  @Test
  void metricsServesTheNodesMetersInPrometheusFormat() throws Exception {
    Agent a = start("node-a");
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      String text = scrape(a);
      assertThat(value(text, "baton_services_owned", "node=\"node-a\"")).isEqualTo(1.0);
      assertThat(value(text, "baton_session_renew_seconds_count", "group=\"it\"")).isGreaterThan(0);
      assertThat(value(text, "baton_session_renew_seconds_bucket", "le=\"1.0\"")).isGreaterThan(0);
      assertThat(value(text, "baton_fence_margin_seconds_count")).isGreaterThan(0);
      assertThat(value(text, "baton_fence_margin_last_seconds")).isGreaterThan(0);
      assertThat(value(text, "baton_check_results_total", "service=\"svc\"", "check=\"alive\"", "result=\"passed\""))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(text, "jvm_memory_used_bytes", "area=\"heap\"")).isGreaterThan(0);
      assertThat(text).contains("# TYPE jvm_threads_live_threads gauge", "# TYPE process_uptime_seconds gauge");
    });
  }

  @Test
  void aRestartAndAFailoverAreCounted() throws Exception {
    Agent a = start("node-a");
    await().atMost(Duration.ofSeconds(30)).until(() -> value(scrape(a), "baton_services_owned") == 1.0);
    Agent b = start("node-b");

    assertThat(Http.post(a, "/v1/services/svc/restart", "").statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(30))
        .until(() -> value(scrape(a), "baton_restarts_total", "service=\"svc\"") == 1.0);

    a.crash();
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      String text = scrape(b);
      assertThat(value(text, "baton_services_owned", "node=\"node-b\"")).isEqualTo(1.0);
      assertThat(value(text, "baton_failovers_total", "service=\"svc\"", "over=\"lost\"")).isEqualTo(1.0);
      assertThat(value(text, "baton_failover_duration_seconds_count", "service=\"svc\"")).isEqualTo(1.0);
      assertThat(value(text, "baton_failover_duration_seconds_bucket", "le=\"60.0\"")).isEqualTo(1.0);
    });
  }

  @Test
  void aStoreCallThatFailsIsCountedByOperation() throws Exception {
    Agent a = start("node-a");
    Path db = dir.resolve("group.db");
    // A store whose file is gone from under it: the metered wrapper counts the failure and rethrows it.
    try (AgentMetrics metrics = new AgentMetrics("it", "probe", () -> 0);
        dev.baton.core.store.Store store = metrics.meter(TestNodes.store(dir))) {
      store.close();
      assertThat(org.assertj.core.api.Assertions.catchThrowable(store::snapshot)).isNotNull();
      assertThat(value(metrics.scrape(), "baton_store_errors_total", "operation=\"snapshot\"")).isEqualTo(1.0);
    }
    assertThat(db).exists();
    assertThat(value(scrape(a), "baton_store_errors_total")).isEqualTo(-1); // none on the healthy node
  }
}
