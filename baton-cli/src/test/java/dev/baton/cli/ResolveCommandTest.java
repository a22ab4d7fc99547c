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
 * {@code baton resolve} against two in-process agents: node-a (eu/paris, rank 1, so the owner) and
 * node-b (us/nyc) provide web with an endpoint each.
 */
class ResolveCommandTest {
  @TempDir static Path dir;
  static Agent a;
  static Agent b;
  static String apiB;
  static final ObjectMapper JSON = new ObjectMapper();

  static Agent start(String node, String location, String more) throws Exception {
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: cli",
        "node: {name: " + node + ", location: " + location + "}",
        "api: {listen: '127.0.0.1:0'}",
        "store: sqlite:" + dir.resolve("group.db"),
        "timing: {heartbeat: 300ms, lease: 5s}",
        "state-dir: " + dir.resolve(node),
        "services:",
        "  web: {command: [sleep, '600'], stop-timeout: 2s, " + more + "}",
        ""));
    Agent agent = new Agent(ConfigLoader.load(file), Agent.Embedding.withApi(HttpApi::start));
    agent.start();
    return agent;
  }

  @BeforeAll
  static void startTwoAgents() throws Exception {
    a = start("node-a", "eu/paris", "rank: 1, endpoint: '10.0.1.5:8080'");
    await().atMost(Duration.ofSeconds(20)).until(() -> "node-a".equals(a.service("web").owner()));
    b = start("node-b", "us/nyc", "endpoint: '10.0.2.5:8080'");
    apiB = "http://" + b.apiAddress();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> b.resolve("web", null).endpoints().size() == 2);
  }

  @AfterAll
  static void stopAgents() {
    b.stop();
    a.stop();
  }

  @Test
  void resolvePrintsTheOwnerFirstThenTheNearest() {
    Result r = CliTest.run("resolve", "web", "--from", "us/nyc/rack-1", "--api", apiB);

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo(String.join("\n",
        "web from us/nyc/rack-1 (answered by node-b): owner node-a, epoch 1",
        "ENDPOINT       NODE    ACTIVE  STATE      LOCATION",
        "10.0.1.5:8080  node-a  yes     providing  eu/paris",
        "10.0.2.5:8080  node-b  no      waiting    us/nyc",
        ""));
  }

  @Test
  void resolveJsonPrintsWhatTheApiAnswersFromTheAgentsOwnLocation() throws Exception {
    Result r = CliTest.run("resolve", "web", "--json", "--api", apiB);

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode json = JSON.readTree(r.out());
    assertThat(json.path("from").asText()).isEqualTo("us/nyc");
    assertThat(json.path("endpoints").get(0).path("endpoint").asText()).isEqualTo("10.0.1.5:8080");
    assertThat(json.path("endpoints").get(0).path("active").asBoolean()).isTrue();
    assertThat(json.path("endpoints").get(1).path("shared").asInt()).isEqualTo(2);
  }

  @Test
  void aMalformedLocationOrUnknownServiceIsRefusedWithTheReason() {
    Result bad = CliTest.run("resolve", "web", "--from", "eu//paris", "--api", apiB);
    assertThat(bad.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("invalid location \"eu//paris\"");

    Result unknown = CliTest.run("resolve", "nosuch", "--api", apiB);
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("no service \"nosuch\"");
  }

  @Test
  void aServiceWithInstancesPrintsEachInstancesOwner() {
    var r = new dev.baton.api.ResolveResponse("web", "us/nyc", "node-b", null, 0, java.util.List.of(
        new dev.baton.api.ResolveResponse.ResolvedEndpoint("node-b", "10.0.2.5:8080", true, "providing", "us/nyc", 2,
            "10.0.2.5:7070", "web@node-b"),
        new dev.baton.api.ResolveResponse.ResolvedEndpoint("node-a", "10.0.1.5:8080", true, "providing", "eu/paris", 0,
            "10.0.1.5:7070", "web@node-a")));
    assertThat(ResolveCommand.render(r)).isEqualTo(String.join("\n",
        "web from us/nyc (answered by node-b): instances, each with its own owner and epoch",
        "ENDPOINT       NODE    ACTIVE  STATE      LOCATION  INSTANCE",
        "10.0.2.5:8080  node-b  yes     providing  us/nyc    web@node-b",
        "10.0.1.5:8080  node-a  yes     providing  eu/paris  web@node-a",
        ""));
  }
}
