package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.http.HttpApi;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI against agents that require a token: {@code --token-file} and {@code BATON_TOKEN}, several
 * {@code --api} addresses (and {@code BATON_API} as a list) of which the first is down, and
 * {@code baton agent} refusing an open API beyond loopback unless {@code --insecure}.
 */
class ApiAccessCliTest {
  private static final String TOKEN = "cli-test-token-0123456789";

  @TempDir Path dir;
  private final List<Agent> agents = new ArrayList<>();

  @AfterEach
  void stopAgents() {
    agents.forEach(Agent::stop);
  }

  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Path config(String node, String api) throws IOException {
    Files.writeString(dir.resolve("token"), TOKEN + "\n");
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: cli",
        "node: {name: " + node + "}",
        "api: " + api,
        "store: sqlite:" + dir.resolve("group.db"),
        "state-dir: " + dir.resolve(node),
        "guardian: false",
        "services:",
        "  svc: {command: [sleep, '600']}",
        ""));
    return file;
  }

  /** An in-process agent that requires the token; its API URL. */
  private String agentWithToken() throws Exception {
    Agent agent = new Agent(ConfigLoader.load(config("node-a", "{listen: '127.0.0.1:0', token-file: token}")),
        Agent.Embedding.withApi(HttpApi::start));
    agents.add(agent);
    agent.start();
    return "http://" + agent.apiAddress();
  }

  @Test
  void withoutTheTokenACommandSaysHowToGiveItAndExits6() throws Exception {
    String api = agentWithToken();
    Result r = run("status", "--api", api);
    assertThat(r.code()).isEqualTo(6);
    assertThat(r.err()).contains(api + " answered 401").contains("no token was sent")
        .contains("--token-file FILE or BATON_TOKEN");

    Files.writeString(dir.resolve("wrong"), "not-the-token\n");
    Result wrong = run("status", "--api", api, "--token-file", dir.resolve("wrong").toString());
    assertThat(wrong.code()).isEqualTo(6);
    assertThat(wrong.err()).contains("the token given (--token-file or BATON_TOKEN) was refused").doesNotContain("not-the-token");
  }

  @Test
  void withTheTokenFileEveryKindOfCommandWorks() throws Exception {
    String api = agentWithToken();
    String token = dir.resolve("token").toString();
    await().atMost(Duration.ofSeconds(20)).until(() -> run("status", "--api", api, "--token-file", token).code() == 0);
    Result status = run("status", "--api", api, "--token-file", token);
    assertThat(status.out()).contains("group cli (as seen by node-a, view ").contains(" old)");
    assertThat(run("drain", "node-a", "--api", api, "--token-file", token).code()).isZero();
    assertThat(run("undrain", "node-a", "--api", api, "--token-file", token).code()).isZero();
    assertThat(run("events", "--api", api, "--token-file", token).code()).isZero();
  }

  @Test
  void aTokenFileThatIsMissingOrEmptyIsBadInput() throws Exception {
    String api = agentWithToken();
    Result missing = run("status", "--api", api, "--token-file", dir.resolve("nowhere").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("--token-file " + dir.resolve("nowhere") + " cannot be read");
    Files.writeString(dir.resolve("empty"), "\n");
    Result empty = run("status", "--api", api, "--token-file", dir.resolve("empty").toString());
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("is empty; expected the group's API token");
  }

  @Test
  void withTwoApiAddressesTheFirstDownTheSecondAnswersSilently() throws Exception {
    String api = agentWithToken();
    String dead = "http://127.0.0.1:" + freePort();
    String token = dir.resolve("token").toString();
    await().atMost(Duration.ofSeconds(20)).until(() -> run("status", "--api", api, "--token-file", token).code() == 0);

    Result r = run("status", "--json", "--api", dead + "," + api, "--token-file", token);
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(new ObjectMapper().readTree(r.out()).path("node").asText()).isEqualTo("node-a");
    Result repeated = run("status", "--json", "--api", dead, "--api", api, "--token-file", token);
    assertThat(repeated.code()).as(repeated.err()).isZero();

    String otherDead = "http://127.0.0.1:" + freePort();
    Result none = run("status", "--api", dead + "," + otherDead);
    assertThat(none.code()).isEqualTo(3);
    assertThat(none.err()).contains("cannot reach any of the 2 agents given: " + dead + " (").contains(otherDead + " (");
  }

  @Test
  void batonTokenAndBatonApiAsAListComeFromTheEnvironment() throws Exception {
    String api = agentWithToken();
    String dead = "http://127.0.0.1:" + freePort();
    await().atMost(Duration.ofSeconds(20)).until(() -> run("status", "--api", api, "--token-file",
        dir.resolve("token").toString()).code() == 0);

    Result withToken = cli(Map.of("BATON_API", dead + ", " + api, "BATON_TOKEN", TOKEN), "status", "--json");
    assertThat(withToken.code()).as(withToken.err()).isZero();
    assertThat(new ObjectMapper().readTree(withToken.out()).path("node").asText()).isEqualTo("node-a");

    Result without = cli(Map.of("BATON_API", dead + "," + api), "status");
    assertThat(without.code()).isEqualTo(6);
    assertThat(without.err()).contains("no token was sent");
  }

  /** {@code baton ARGS} in a process of its own with {@code env} added to its environment; once it has exited. */
  private static Result cli(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("BATON_API");
    builder.environment().remove("BATON_TOKEN");
    builder.environment().putAll(env);
    Process p = builder.start();
    p.getOutputStream().close();
    CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
      try {
        return p.getErrorStream().readAllBytes();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err.get(60, TimeUnit.SECONDS), StandardCharsets.UTF_8));
  }

  @Test
  void anAgentOnAllAddressesWithoutATokenRefusesToStartUnlessInsecure() throws Exception {
    int port = freePort();
    Path file = config("node-b", "{listen: '0.0.0.0:" + port + "'}");
    Result refused = run("agent", "-c", file.toString());
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("refusing to start: api.listen 0.0.0.0:" + port + " is reachable beyond this host")
        .contains("api.token-file").contains("baton agent --insecure");

    CompletableFuture<Result> running = CompletableFuture.supplyAsync(() -> run("agent", "-c", file.toString(), "--insecure"));
    String api = "http://127.0.0.1:" + port;
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> running.isDone() || run("status", "--api", api).code() == 0);
      assertThat(running).isNotDone();
    } finally {
      run("stop", "--api", api);
    }
    Result stopped = running.get(60, TimeUnit.SECONDS);
    assertThat(stopped.code()).as(stopped.err()).isZero();
  }

  @Test
  void anHttpsAgentIsVerifiedWithCacert() throws Exception {
    TestNodes.selfSigned(dir.resolve("tls"));
    Agent agent = new Agent(ConfigLoader.load(config("node-a",
        "{listen: '127.0.0.1:0', token-file: token, tls: {cert: tls/cert.pem, key: tls/key.pem}}")),
        Agent.Embedding.withApi(HttpApi::start));
    agents.add(agent);
    agent.start();
    String api = "https://" + agent.apiAddress();
    String token = dir.resolve("token").toString();
    String ca = dir.resolve("tls/cert.pem").toString();

    await().atMost(Duration.ofSeconds(20)).until(() -> run("status", "--api", api, "--token-file", token, "--cacert", ca).code() == 0);
    assertThat(run("drain", "node-a", "--api", api, "--token-file", token, "--cacert", ca).code()).isZero();

    Result unverified = run("status", "--api", api, "--token-file", token);
    assertThat(unverified.code()).isEqualTo(1);
    assertThat(unverified.err()).contains("TLS with the agent at " + api + " failed").contains("--cacert FILE");
    Result badCa = run("status", "--api", api, "--token-file", token, "--cacert", token);
    assertThat(badCa.code()).isEqualTo(2);
    assertThat(badCa.err()).contains("--cacert " + token);
  }
}
