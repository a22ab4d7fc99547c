package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.Agent;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.http.HttpApi;
import dev.baton.api.ServiceStatus;
import dev.baton.cli.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI with a service that runs as instances, against two in-process agents that each run their
 * own instance of web ({@code instances: all}): verbs with the service's name act on, and
 * {@code --wait} waits for, every instance; status lists the instances.
 */
class InstancesCliTest {
  @TempDir static Path dir;
  static Agent a;
  static Agent b;
  static String api;

  static Agent start(String node) throws Exception {
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: cli",
        "node: {name: " + node + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 300ms, lease: 5s}",
        "state-dir: " + dir.resolve(node),
        "services:",
        "  web: {command: [sleep, '600'], stop-timeout: 2s, instances: all}",
        ""));
    Agent agent = new Agent(ConfigLoader.load(file), Agent.Embedding.withApi(HttpApi::start));
    agent.start();
    return agent;
  }

  @BeforeAll
  static void startTwoAgents() throws Exception {
    a = start("node-a");
    b = start("node-b");
    api = "http://" + b.apiAddress();
    await().atMost(Duration.ofSeconds(20)).until(() -> instances().stream().filter(s -> s.owner() != null).count() == 2);
  }

  @AfterAll
  static void stopAgents() {
    b.stop();
    a.stop();
  }

  static List<ServiceStatus> instances() {
    return a.status().services().stream().filter(s -> s.name().startsWith("web@")).toList();
  }

  @Test
  void verbsOnTheServiceActOnEveryInstanceAndWaitForEveryOne() {
    Result paused = CliTest.run("pause", "web", "--wait", "--api", api);
    assertThat(paused.code()).as(paused.err()).isZero();
    assertThat(paused.out()).contains("web@node-a: ", "web@node-b: ", "done after", "web is paused");
    assertThat(instances()).allSatisfy(s -> assertThat(s.pausedSince()).isNotNull());
    Result resumed = CliTest.run("resume", "web", "--wait", "--api", api);
    assertThat(resumed.code()).as(resumed.err()).isZero();
    assertThat(instances()).allSatisfy(s -> assertThat(s.pausedSince()).isNull());

    Result disabled = CliTest.run("disable", "web", "--wait", "--api", api);
    assertThat(disabled.code()).as(disabled.err()).isZero();
    assertThat(instances()).allSatisfy(s -> assertThat(s.state()).isEqualTo("disabled"));
    Result enabled = CliTest.run("enable", "web", "--wait", "--api", api);
    assertThat(enabled.code()).as(enabled.err()).isZero();
    assertThat(instances()).extracting(ServiceStatus::name, ServiceStatus::owner).containsExactly(
        org.assertj.core.groups.Tuple.tuple("web@node-a", "node-a"), org.assertj.core.groups.Tuple.tuple("web@node-b", "node-b"));

    assertThat(CliTest.run("status", "--api", api).out()).contains("web@node-a", "web@node-b");
    Result one = CliTest.run("status", "web", "--api", api);
    assertThat(one.code()).isNotZero();
    assertThat(one.err()).contains("it runs as the instances [web@node-a, web@node-b]");
  }
}
