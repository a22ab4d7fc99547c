package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.agent.Agent;
import dev.baton.agent.config.ConfigLoader;
import dev.baton.agent.http.HttpApi;
import java.io.IOException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.net.Socket;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class CliTest {
  @TempDir Path dir;

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

  /** A port that no one listens on at the moment. */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  Path config(String node, int port) throws Exception {
    return config(node, port, "");
  }

  /** As {@link #config(String, int)}, with {@code topYaml} at the top level. */
  Path config(String node, int port, String topYaml) throws Exception {
    Path file = dir.resolve(node + ".yaml");
    Files.writeString(file, String.join("\n",
        "group: cli",
        "node:",
        "  name: " + node,
        "  location: eu/paris",
        "api:",
        "  listen: 127.0.0.1:" + port,
        "store: sqlite:" + dir.resolve("group.db"),
        "state-dir: " + dir.resolve(node),
        "services:",
        "  svc:",
        "    command: [sleep, '600']",
        topYaml,
        ""));
    return file;
  }

  @Test
  void statusPrintsTheWhiteboardAsATableAndJsonExactlyAsTheApiServesIt() throws Exception {
    Agent agent = new Agent(ConfigLoader.load(config("node-a", freePort())),
        Agent.Embedding.withApi(HttpApi::start));
    agent.start();
    try {
      String api = "http://" + agent.apiAddress();
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "--api", api).out().contains("providing"));

      Result table = run("status", "--api", api);
      assertThat(table.code()).isZero();
      assertThat(table.out()).containsPattern("group cli \\(as seen by node-a, view [0-9.]+m?s old\\)")
          .containsPattern("node-a +alive +eu/paris +3s +127\\.0\\.0\\.1:\\d+")
          .containsPattern("svc +provided +node-a +1 +node-a +providing");

      Result json = run("status", "--json", "--api", api);
      ObjectMapper m = new ObjectMapper();
      // The same whiteboard, but for its age, which grows between the two reads.
      com.fasterxml.jackson.databind.node.ObjectNode printed = (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(json.out());
      com.fasterxml.jackson.databind.node.ObjectNode served =
          (com.fasterxml.jackson.databind.node.ObjectNode) m.readTree(new BatonClient(api).get("/v1/status"));
      assertThat(printed.remove("viewAgeMillis").isNumber()).isTrue();
      served.remove("viewAgeMillis");
      assertThat(printed).isEqualTo(served);
      assertThat(m.readTree(json.out()).at("/nodes/0/lease").asText()).isEqualTo("3s");
      assertThat(m.readTree(json.out()).at("/nodes/0/heartbeat").asText()).isEqualTo("500ms");
    } finally {
      agent.stop();
    }
  }

  @Test
  void stopMakesTheAgentHandOverAndStop() throws Exception {
    // A lease of five minutes: a peer that takes the service over well within it was handed it, it
    // did not wait for the stopped node's lease to pass.
    String timing = "timing: {heartbeat: 500ms, lease: 5m}";
    Agent a = new Agent(ConfigLoader.load(config("node-a", freePort(), timing)), Agent.Embedding.withApi(HttpApi::start));
    Agent b = new Agent(ConfigLoader.load(config("node-b", freePort(), timing)), Agent.Embedding.withApi(HttpApi::start));
    a.start();
    try {
      String apiA = "http://" + a.apiAddress();
      await().atMost(Duration.ofSeconds(20)).until(() -> run("status", "--api", apiA).out().contains("providing"));
      b.start();
      String apiB = "http://" + b.apiAddress();
      await("node-b waiting to provide svc").atMost(Duration.ofSeconds(20)).until(() -> {
        JsonNode svc = status(apiB).path("services").get(0);
        return svc.path("owner").asText().equals("node-a") && svc.path("epoch").asLong() == 1
            && svc.path("providers").toString().contains("{\"node\":\"node-b\",\"state\":\"waiting\"");
      });

      Result r = run("stop", "--api", apiA);
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out()).contains("asked the agent at " + apiA + " to stop");

      await("node-a stopped").atMost(Duration.ofSeconds(30)).until(() -> a.state() == Agent.State.STOPPED);
      await("node-b took svc over, well within node-a's lease").atMost(Duration.ofSeconds(30)).until(() -> {
        JsonNode st = status(apiB);
        JsonNode svc = st.path("services").get(0);
        return svc.path("owner").asText().equals("node-b") && svc.path("epoch").asLong() == 2
            && svc.path("providers").toString().contains("{\"node\":\"node-b\",\"state\":\"providing\"")
            && st.path("nodes").toString().contains("{\"name\":\"node-a\",\"location\":\"eu/paris\",\"state\":\"left\"");
      });
    } finally {
      b.stop();
      a.stop();
    }
  }

  /** {@code baton status --json} of the agent at {@code api}. */
  private static JsonNode status(String api) throws Exception {
    Result r = run("status", "--json", "--api", api);
    assertThat(r.code()).as(r.err()).isZero();
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void statusOfAnAgentThatIsNotRunningSaysHowToFixItAndExits3() throws Exception {
    Result r = run("status", "--api", "http://127.0.0.1:" + freePort());
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("cannot reach the agent at http://127.0.0.1:").contains("Set --api or BATON_API");
  }

  @Test
  void aBadApiUrlIsRejectedWithExit2() {
    Result r = run("status", "--api", "ftp://x");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("invalid --api \"ftp://x\"; expected http://HOST:PORT");
    for (String bad : new String[] {"http://127.0.0.1:99999", "http://127.0.0.1:0", "http://[::1", "http://" + "h".repeat(5000)}) {
      Result b = run("events", "--api", bad);
      assertThat(b.code()).as(bad).isEqualTo(2);
      assertThat(b.err()).as(bad).startsWith("baton: invalid --api \"").hasLineCount(1).doesNotContain("Exception")
          .hasSizeLessThan(300);
    }
  }

  @Test
  void aWatchIntervalBelow100msIsRefused() {
    Result r = run("status", "--watch", "--interval", "0s", "--api", "http://127.0.0.1:1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("baton: invalid --interval 0s; expected at least 100ms\n");
  }

  /**
   * A peer that takes connections and answers as {@code answers} says, one per connection in turn
   * (null: never answers), and records each request's first line.
   */
  static final class Peer implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0);
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<Socket> open = new CopyOnWriteArrayList<>();
    final Thread thread;

    Peer(String... answers) throws IOException {
      thread = new Thread(() -> {
        for (int i = 0; ; i++) {
          try {
            Socket s = server.accept();
            open.add(s);
            requests.add(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine());
            String answer = answers[Math.min(i, answers.length - 1)];
            if (answer != null) {
              s.getOutputStream().write(answer.getBytes(StandardCharsets.UTF_8));
              s.getOutputStream().flush();
            }
          } catch (IOException e) {
            return; // closed
          }
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    String api() {
      return "http://127.0.0.1:" + server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : open) {
        s.close();
      }
    }
  }

  /** Runs {@code baton ARGS} on a thread of its own, with output readable while it runs. */
  record Running(Thread thread, StringWriter out, StringWriter err) {
    static Running start(String... args) {
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      CommandLine cli = Main.commandLine();
      cli.setOut(new PrintWriter(out, true));
      cli.setErr(new PrintWriter(err, true));
      Thread t = new Thread(() -> cli.execute(args), "baton-cli-test");
      t.start();
      return new Running(t, out, err);
    }

    void interruptAndJoin() throws InterruptedException {
      thread.interrupt();
      thread.join(10_000);
      assertThat(thread.isAlive()).as("the command ends when interrupted").isFalse();
    }
  }

  @Test
  void followingAnAgentThatNeverAnswersSaysSoAndTriesAgain() throws Exception {
    try (Peer hung = new Peer((String) null)) {
      Running r = Running.start("events", "--follow", "--api", hung.api());

      await().atMost(Duration.ofSeconds(30)).until(() -> r.err().toString().contains("did not answer within 5s")
          && hung.requests.size() >= 2);
      assertThat(r.err().toString()).contains("reconnecting in 1s (after event 0)");
      r.interruptAndJoin();
    }
  }

  @Test
  void aStreamThatGoesSilentIsDroppedAndResumedAfterTheLastEventPrinted() throws Exception {
    String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
    String event = "{\"seq\":7,\"time\":\"2026-12-04T20:00:00Z\",\"type\":\"node.joined\",\"node\":\"node-a\","
        + "\"service\":null,\"epoch\":null,\"detail\":\"hello\"}";
    try (Peer quiet = new Peer(head + ": hello\n\nid: 7\ndata: " + event + "\n\n", head)) {
      Running r = Running.start("events", "--follow", "--stall-timeout", "1s", "--api", quiet.api());

      await().atMost(Duration.ofSeconds(30)).until(() -> quiet.requests.size() >= 2);
      assertThat(r.out().toString()).contains("node.joined").contains("hello");
      assertThat(r.err().toString()).contains("was silent for").contains("reconnecting in 1s (after event 7)");
      assertThat(quiet.requests.get(0)).startsWith("GET /v1/events/stream?since=0 ");
      assertThat(quiet.requests.get(1)).startsWith("GET /v1/events/stream?since=7 ");
      r.interruptAndJoin();
    }
  }

  @Test
  void eventsEscapesControlCharactersOfStoredEventsSoNoneCanForgeALineOrDriveTheTerminal() throws Exception {
    String body = "{\"events\":[{\"seq\":1,\"time\":\"2026-12-05T08:00:00Z\",\"type\":\"report.received\","
        + "\"node\":\"node-a\",\"service\":null,\"epoch\":null,"
        + "\"detail\":\"disk-full: ok\\n     2  2026-12-05T08:00:01Z  node.fenced  node-a\\u0000\\u001b[2J\\u007f\\u009b\"}]}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Peer agent = new Peer("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
        + "\r\nConnection: close\r\n\r\n" + body)) {
      Result r = run("events", "--api", agent.api());
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(r.out().lines().count()).isEqualTo(1);
      assertThat(r.out()).endsWith("disk-full: ok\\n     2  2026-12-05T08:00:01Z  node.fenced  node-a\\x00\\x1b[2J\\x7f\\u009b\n")
          .doesNotContain("\u001b", "\u0000", "\u007f", "\u009b");
    }
  }

  @Test
  void validatePrintsTheBudgetOfAGoodConfigAndEveryProblemOfABadOne() throws Exception {
    Result good = run("validate", "-c", config("node-a", 7070).toString());
    assertThat(good.code()).isZero();
    assertThat(good.out()).contains("is valid").contains("failover budget").contains("SIGKILL");

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "group: Billing\ntiming:\n  heartbeat: 2s\n  lease: 3s\n");
    Result r = run("validate", "-c", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(bad + ": group: invalid group name \"Billing\"")
        .contains(bad + ": timing.lease: 3s must be larger than 2 x heartbeat (2s)");
  }

  @Test
  void theAgentRefusesToStartWithABadConfigAndChangesNothing() throws Exception {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "group: cli\nstore: sqlite:" + dir.resolve("group.db") + "\nservices:\n  svc: {}\n");
    Result r = run("agent", "-c", bad.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("refusing to start").contains("services.svc.command: missing");
    assertThat(dir.resolve("group.db")).doesNotExist();
  }

  @Test
  void eventsPrintsOneLinePerEventAndReportRecordsAConditionThatNoRuleNames() throws Exception {
    Agent agent = new Agent(ConfigLoader.load(config("node-a", freePort())),
        Agent.Embedding.withApi(HttpApi::start));
    agent.start();
    try {
      String api = "http://" + agent.apiAddress();
      await().atMost(Duration.ofSeconds(10)).until(() -> run("events", "--api", api).out().contains("service.started"));

      Result report = run("report", "disk-full", "--service", "svc", "--detail", "97% used", "--api", api);
      assertThat(report.code()).isZero();
      assertThat(report.out()).isEqualTo("reported disk-full about svc to node-a: no rule matches; recorded only\n");
      await().atMost(Duration.ofSeconds(10)).until(() -> run("events", "--api", api).out().contains("report.received"));

      Result all = run("events", "--api", api);
      assertThat(all.code()).isZero();
      assertThat(all.out()).containsPattern("(?m)^ +\\d+  \\S+Z +node\\.joined +node-a +- +- +session ")
          .containsPattern("(?m)^ +\\d+  \\S+Z +service\\.claimed +node-a +svc +1  unowned$")
          .containsPattern("(?m)^ +\\d+  \\S+Z +report\\.received +node-a +svc +-  disk-full: 97% used$");

      Result ofSvc = run("events", "--service", "svc", "--json", "--api", api);
      ObjectMapper m = new ObjectMapper();
      java.util.List<String> lines = ofSvc.out().lines().toList();
      assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(m.readTree(l).path("service").asText()).isEqualTo("svc"));
      long firstSeq = m.readTree(lines.get(0)).path("seq").asLong();
      assertThat(run("events", "--service", "svc", "--json", "--since", Long.toString(firstSeq), "--api", api).out()
          .lines().toList()).isEqualTo(lines.subList(1, lines.size()));
    } finally {
      agent.stop();
    }
  }

  @Test
  void aReportTheAgentRejectsExits2WithItsReason() throws Exception {
    Agent agent = new Agent(ConfigLoader.load(config("node-a", freePort())),
        Agent.Embedding.withApi(HttpApi::start));
    agent.start();
    try {
      Result r = run("report", "disk-full", "--service", "nope", "--api", "http://" + agent.apiAddress());
      assertThat(r.code()).isEqualTo(2);
      assertThat(r.err()).contains("answered 400: service \"nope\" is not a service of node node-a");
      Result bad = run("report", "Disk Full", "--api", "http://" + agent.apiAddress());
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("invalid condition name \"Disk Full\"");
    } finally {
      agent.stop();
    }
  }

  @Test
  void helpListsEveryCommandAndTheExitCodes() {
    Result r = run("--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("agent", "validate", "status", "stop", "move", "drain", "undrain", "disable", "enable", "rank", "restart", "events", "report", "Exit codes")
        .contains("5 --wait timed out");
    Result move = run("move", "--help");
    assertThat(move.out()).contains("--wait[=TIMEOUT]").contains("--json");
  }

  /** A stray {@code %} in a description makes picocli warn on stderr and print the raw text. */
  @Test
  void everyCommandsHelpRendersWithoutAPicocliWarning() {
    java.io.PrintStream stderr = System.err;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    java.util.List<String> rendered = new java.util.ArrayList<>();
    System.setErr(new java.io.PrintStream(captured, true));
    try {
      java.util.Deque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Main.commandLine()));
      while (!todo.isEmpty()) {
        CommandLine c = todo.pop();
        c.getUsageMessage();
        rendered.add(c.getCommandSpec().qualifiedName());
        todo.addAll(c.getSubcommands().values());
      }
    } finally {
      System.setErr(stderr);
    }
    assertThat(rendered).contains("baton agent", "baton move", "baton events", "baton help");
    assertThat(captured.toString()).doesNotContain("picocli WARN");
  }

  @Test
  void heartbeatAndClearTalkToTheAgentAndSayWhatHappened() throws Exception {
    Agent agent = new Agent(ConfigLoader.load(config("node-a", freePort())),
        Agent.Embedding.withApi(HttpApi::start));
    agent.start();
    try {
      String api = "http://" + agent.apiAddress();
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "--api", api).out().contains("providing"));
      assertThat(run("heartbeat", "svc", "--api", api).code()).isZero();
      Result missing = run("heartbeat", "other", "--api", api);
      assertThat(missing.code()).isEqualTo(1);
      assertThat(missing.err()).contains("answered 404").contains("node-a has no provider of \"other\"");
      Result bad = run("heartbeat", "Bad!", "--api", api);
      assertThat(bad.code()).isEqualTo(2);

      Result cleared = run("clear", "svc", "--api", api);
      assertThat(cleared.code()).isZero();
      assertThat(cleared.out()).contains("cleared svc on node-a");
    } finally {
      agent.stop();
    }
  }

  @Test
  void operatorVerbsSayWhatHappensNextAndRefuseWhatCannotBeDoneWithoutChangingAnything() throws Exception {
    Agent a = new Agent(ConfigLoader.load(config("node-a", freePort())),
        Agent.Embedding.withApi(HttpApi::start));
    Agent b = new Agent(ConfigLoader.load(config("node-b", freePort())),
        Agent.Embedding.withApi(HttpApi::start));
    a.start();
    try {
      String api = "http://" + a.apiAddress();
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "--api", api).out().contains("providing"));
      b.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "--api", api).out().contains("waiting"));
      String before = new BatonClient(api).get("/v1/status");

      Result unknown = run("move", "svc", "node-z", "--api", api);
      assertThat(unknown.code()).isEqualTo(1);
      assertThat(unknown.err()).contains("answered 404").contains("no node \"node-z\"");
      assertThat(run("disable", "nope", "--api", api).err()).contains("answered 404").contains("no service \"nope\"");
      Result bad = run("drain", "Node!", "--api", api);
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("invalid node name \"Node!\"");
      assertThat(run("rank", "svc", "node-a", "node-a", "--api", api).code()).isEqualTo(2);

      Result drained = run("drain", "node-b", "--api", api);
      assertThat(drained.code()).isZero();
      assertThat(drained.out()).contains("node-b stops its services");
      Result refused = run("move", "svc", "node-b", "--api", api);
      assertThat(refused.code()).isEqualTo(4);
      assertThat(refused.err()).contains("answered 409").contains("the node is drained").contains("baton undrain node-b");
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "--api", api).out()
          .contains("drained (no services until `baton undrain NODE`): node-b"));
      assertThat(run("undrain", "node-b", "--api", api).out()).contains("node-b is a candidate again");
      assertThat(new ObjectMapper().readTree(new BatonClient(api).get("/v1/status")).path("services").get(0)
          .path("owner").asText()).isEqualTo(new ObjectMapper().readTree(before).path("services").get(0)
          .path("owner").asText());

      assertThat(run("rank", "svc", "node-b", "node-a", "--api", api).out()).contains("ranking [node-b, node-a]");
      Result moved = run("move", "svc", "node-b", "--api", api);
      assertThat(moved.code()).as(moved.err()).isZero();
      assertThat(moved.out()).contains("node-a stops svc and releases it, then node-b claims it with epoch 2");
      await().atMost(Duration.ofSeconds(15)).until(() -> run("status", "--api", api).out()
          .matches("(?s).*svc +provided +node-b +2 .*"));
      assertThat(run("move", "svc", "node-b", "--api", api).out()).startsWith("unchanged: node-b already owns svc");

      assertThat(run("disable", "svc", "--api", api).out()).contains("no node runs it until `baton enable svc`");
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "--api", api).out()
          .contains("disabled (run nowhere until `baton enable SERVICE`): svc"));
      assertThat(run("enable", "svc", "--api", api).code()).isZero();
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "--api", api).out()
          .matches("(?s).*svc +provided +node-b +3 .*"));
    } finally {
      b.stop();
      a.stop();
    }
  }

  @Test
  void rankShowsTheRankingWithoutClearingItAndClearIsItsOwnFlag() throws Exception {
    // The extra YAML lands under services.svc: each node's default rank.
    Agent a = new Agent(ConfigLoader.load(config("node-a", freePort(), "    rank: 2")),
        Agent.Embedding.withApi(HttpApi::start));
    Agent b = new Agent(ConfigLoader.load(config("node-b", freePort(), "    rank: 1")),
        Agent.Embedding.withApi(HttpApi::start));
    a.start();
    b.start();
    try {
      String api = "http://" + a.apiAddress();
      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "svc", "--api", api).out()
          .contains("next in line: node-"));

      Result byConfig = run("rank", "svc", "--api", api);
      assertThat(byConfig.code()).as(byConfig.err()).isZero();
      assertThat(byConfig.out()).contains("ranking of svc, from the providers' config defaults (services.svc.rank):\n"
          + "  1  node-b  (config)\n  2  node-a  (config)\n");

      assertThat(run("rank", "svc", "node-a", "node-b", "--api", api).out()).contains("ranking [node-a, node-b]");
      for (int i = 0; i < 2; i++) {
        Result shown = run("rank", "svc", "--api", api);
        assertThat(shown.code()).isZero();
        assertThat(shown.out()).as("showing does not clear").contains("set by an operator")
            .contains("  1  node-a  (operator)\n  2  node-b  (operator)\n")
            .contains("config defaults, overridden: node-b 1, node-a 2");
      }
      assertThat(run("rank", "svc", "--json", "--api", api).out()).contains("\"source\":\"operator\"");

      Result both = run("rank", "svc", "node-a", "--clear", "--api", api);
      assertThat(both.code()).isEqualTo(2);
      assertThat(both.err()).contains("--clear takes no NODE");
      assertThat(run("rank", "svc", "--api", api).out()).contains("set by an operator");
      Result unknown = run("rank", "nope", "--api", api);
      assertThat(unknown.code()).isEqualTo(1);
      assertThat(unknown.err()).contains("answered 404").contains("no service \"nope\"");
      Result unknownNode = run("rank", "svc", "node-z", "--api", api);
      assertThat(unknownNode.code()).isEqualTo(1);
      assertThat(unknownNode.err()).contains("answered 404").contains("no node \"node-z\"");
      assertThat(run("rank", "svc", "--api", api).out()).contains("  1  node-a  (operator)");

      Result cleared = run("rank", "svc", "--clear", "--api", api);
      assertThat(cleared.code()).isZero();
      assertThat(cleared.out()).contains("ranking cleared");
      assertThat(run("rank", "svc", "--api", api).out()).contains("from the providers' config defaults");

      await().atMost(Duration.ofSeconds(10)).until(() -> run("status", "svc", "--api", api).out()
          .contains("ranking: node-b=1, node-a=2 (config)"));
      String detail = run("status", "svc", "--api", api).out();
      assertThat(detail).contains("#  PROVIDER  STATE").contains("next in line: ");
      assertThat(run("status", "--api", api).out()).contains("NEXT IN LINE").contains("node-b=1, node-a=2 (config)");
      assertThat(run("status", "nope", "--api", api).code()).isEqualTo(1);
    } finally {
      b.stop();
      a.stop();
    }
  }

  @Test
  void reloadPrintsWhatChangedAndABrokenFileExits2WithEveryProblemAndChangesNothing() throws Exception {
    Path file = config("node-a", 0);
    Agent agent = new Agent(ConfigLoader.load(file), Agent.Embedding.withApi(HttpApi::start));
    agent.start();
    try {
      String api = "http://" + agent.apiAddress();
      String good = Files.readString(file);

      Files.writeString(file, good.replace("services:", "services:\n  extra: {command: [sleep, '601']}"));
      Result added = run("reload", "--api", api);
      assertThat(added.code()).as(added.err()).isZero();
      assertThat(added.out()).startsWith("node-a reloaded " + file + "\n")
          .contains("  added:     extra (provided from now on)\n", "  unchanged: svc\n");

      Result same = run("reload", "--api", api);
      assertThat(same.code()).as(same.err()).isZero();
      assertThat(same.out()).startsWith("node-a reloaded " + file + ": nothing changed\n");

      Files.writeString(file, good.replace("command: [sleep, '600']", "comand: [sleep, '600']\n    stop-timeout: soon"));
      Result broken = run("reload", "--api", api);
      assertThat(broken.code()).isEqualTo(2);
      assertThat(broken.out()).isEmpty();
      assertThat(broken.err()).contains("node node-a refused the reload of " + file + "; nothing changed:\n")
          .contains(file + ": services.svc.comand: unknown key; did you mean command?\n")
          .contains(file + ": services.svc.stop-timeout: invalid duration \"soon\"");

      Files.writeString(file, good.replace("location: eu/paris", "location: eu/lyon"));
      Result moved = run("reload", "--api", api);
      assertThat(moved.code()).isEqualTo(2);
      assertThat(moved.err()).contains(file + ": node.location: changed from \"eu/paris\" to \"eu/lyon\";"
          + " node.location cannot change while the agent runs. Restart the agent");

      Files.writeString(file, good.replace("services:", "services:\n  extra: {command: [sleep, '601']}"));
      Result unchanged = run("reload", "--api", api);
      assertThat(unchanged.out()).as("the refused files changed nothing").contains(": nothing changed");
    } finally {
      agent.stop();
    }
  }
}
