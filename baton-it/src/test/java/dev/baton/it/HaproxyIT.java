package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.core.store.Event;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load balancer recipe of docs/load-balancers.md with a real HAProxy in front of three real
 * nodes (heartbeat 500ms, lease 3s, one SQLite file) providing {@code web} ({@link WebNodes}:
 * python3's http.server answering {@code NODE EPOCH}, the node's name and the epoch it was started with).
 * HAProxy checks {@code /v1/services/web/active} on each agent's API port and sends traffic to the
 * service's port on the one node that answers 200. A client loop sends one request after another
 * through HAProxy while the owner node is SIGKILLed (agent, guardian and launcher) and then while
 * the service is moved with {@code baton move}: no request reaches an older owner once a newer one
 * runs, failures happen only during the two switch-overs, and requests recover after each.
 */
class HaproxyIT {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  @TempDir Path dir;
  Group group;
  WebNodes web;
  Process haproxy;
  int front;

  record Cli(int code, String out, String err) {}

  /** One request through HAProxy: when it was sent, and what answered (node null when it failed). */
  record Sample(Instant sent, long sentNanos, long answeredNanos, int status, String node, long epoch) {
    boolean ok() {
      return node != null;
    }
  }

  @BeforeEach
  void startThreeNodesAndHaproxy() throws Exception {
    group = Group.sqlite(dir);
    web = new WebNodes(group);
    List<String> servers = new ArrayList<>();
    web.webPorts.forEach((node, port) -> servers.add("    server " + node + " 127.0.0.1:" + port + " check port "
        + group.nodes.get(node).port));
    front = web.freePort();
    Path cfg = dir.resolve("haproxy.cfg");
    // The recipe of docs/load-balancers.md, on this machine's ports.
    Files.writeString(cfg, String.join("\n",
        "defaults",
        "    mode http",
        "    timeout connect 1s",
        "    timeout client 10s",
        "    timeout server 10s",
        "    timeout check 1s",
        "    retries 2",
        "    option redispatch",
        "",
        "frontend web",
        "    bind 127.0.0.1:" + front,
        "    default_backend web",
        "",
        "backend web",
        "    option httpchk GET /v1/services/web/active",
        "    http-check expect status 200",
        "    default-server inter 250ms fastinter 250ms downinter 250ms rise 1 fall 2",
        String.join("\n", servers),
        ""));
    web.startAll();
    haproxy = new ProcessBuilder("setpriv", "--pdeathsig", "KILL", "--", "haproxy", "-db", "-f", cfg.toString())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("haproxy.log").toFile()))
        .start();
    await("web answering through HAProxy from its owner, three nodes alive").atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200)).until(() -> {
          Sample s = request();
          return s.ok() && s.node().equals(owner()) && group.status()
              .map(st -> st.nodes().stream().filter(n -> n.state().equals("alive")).count()).orElse(0L) == 3;
        });
  }

  @AfterEach
  void stopAll() throws Exception {
    if (haproxy != null) {
      haproxy.destroyForcibly();
      haproxy.waitFor(10, TimeUnit.SECONDS);
    }
    FailoverContract.closeAndCheckTheHistory(group);
  }

  private String owner() {
    return web.owner();
  }

  private Sample request() {
    Instant sent = Instant.now();
    long sentNanos = System.nanoTime();
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front + "/"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
      String[] body = r.body().trim().split(" ");
      if (r.statusCode() == 200 && body.length == 2) {
        return new Sample(sent, sentNanos, System.nanoTime(), 200, body[0], Long.parseLong(body[1]));
      }
      return new Sample(sent, sentNanos, System.nanoTime(), r.statusCode(), null, 0);
    } catch (IOException e) {
      return new Sample(sent, sentNanos, System.nanoTime(), 0, null, 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Sample(sent, sentNanos, System.nanoTime(), 0, null, 0);
    }
  }

  private Cli baton(String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), "dev.baton.cli.Main"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("baton " + String.join(" ", args) + " did not end within 2 minutes");
    }
    return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** When {@code node} recorded {@code service.started} of web at {@code epoch}. */
  private Instant started(String node, long epoch) {
    return group.events().stream().filter(e -> e.type().equals("service.started") && e.service() != null
            && e.service().value().equals("web") && e.node().value().equals(node) && e.epoch() != null
            && e.epoch() == epoch)
        .map(Event::time).findFirst().orElseThrow(() -> new AssertionError("no service.started of web at epoch "
            + epoch + " on " + node + " in " + group.events()));
  }

  @Test
  void noRequestReachesTheOldOwnerOnceTheNewOneRunsThroughASigkillAndAMove() throws Exception {
    String first = owner();
    Group.Node firstNode = group.nodes.get(first);
    Group.Node observer = group.nodes.values().stream().filter(n -> !n.name.equals(first)).findFirst().orElseThrow();

    // resolve through the real CLI names the same owner first, the one active endpoint.
    Cli resolved = baton("resolve", "web", "--from", "us/nyc", "--api", observer.api());
    assertThat(resolved.code()).as(resolved.err()).isZero();
    assertThat(resolved.out().lines().skip(2).findFirst().orElse("")).contains(first).contains(" yes ");

    List<Sample> samples = new CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    Thread loop = new Thread(() -> {
      while (running.get()) {
        samples.add(request());
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "haproxy-client");
    loop.start();
    try {
      await("requests answered").atMost(Duration.ofSeconds(10)).until(() -> samples.stream().filter(Sample::ok).count() >= 10);

      // 1. SIGKILL of the owner's whole node.
      Instant killedAt = Instant.now();
      long killed = System.nanoTime();
      firstNode.killNode();
      await("answers from a new owner").atMost(group.lease.plusSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> samples.stream().anyMatch(s -> s.ok() && s.sentNanos() > killed && !s.node().equals(first)));
      Sample firstNew = samples.stream().filter(s -> s.ok() && s.sentNanos() > killed && !s.node().equals(first))
          .findFirst().orElseThrow();
      String second = firstNew.node();
      long switchKill = firstNew.answeredNanos() - killed;

      // 2. A move to the third node through the real CLI.
      String third = group.nodes.keySet().stream().filter(n -> !n.equals(first) && !n.equals(second)).findFirst()
          .orElseThrow();
      await("more answers from the new owner").atMost(Duration.ofSeconds(10)).until(() -> samples.stream()
          .filter(s -> s.ok() && s.node().equals(second)).count() >= 10);
      long moved = System.nanoTime();
      Cli move = baton("move", "web", third, "--wait=60s", "--api", group.nodes.get(second).api());
      assertThat(move.code()).as(move.out() + move.err()).isZero();
      await("answers from the move's target").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> samples.stream().anyMatch(s -> s.ok() && s.node().equals(third)));
      Sample firstThird = samples.stream().filter(s -> s.ok() && s.node().equals(third)).findFirst().orElseThrow();
      long switchMove = firstThird.answeredNanos() - moved;
      await("requests recovered").atMost(Duration.ofSeconds(10)).until(() -> samples.stream()
          .filter(s -> s.ok() && s.node().equals(third)).count() >= 20);
      running.set(false);
      loop.join(10_000);

      List<Sample> all = List.copyOf(samples);
      // Sequential requests: the epochs answered never go back.
      long highest = 0;
      for (Sample s : all) {
        if (s.ok()) {
          assertThat(s.epoch()).as("epoch answered at " + s.sent() + " after " + highest).isGreaterThanOrEqualTo(highest);
          highest = s.epoch();
        }
      }
      // Once a new owner's service started (its service.started event), no request sent from then
      // on reaches an older owner. (One sent just before may wait in HAProxy's queue and be
      // answered by the new one.)
      long secondEpoch = firstNew.epoch();
      long thirdEpoch = firstThird.epoch();
      Instant secondStarted = started(second, secondEpoch);
      Instant thirdStarted = started(third, thirdEpoch);
      assertThat(all).filteredOn(s -> s.ok() && s.sent().isAfter(secondStarted))
          .allSatisfy(s -> assertThat(s.epoch()).as(s.node() + " answered").isGreaterThanOrEqualTo(secondEpoch));
      assertThat(all).filteredOn(s -> s.ok() && s.sent().isAfter(thirdStarted))
          .allSatisfy(s -> assertThat(s.node()).isEqualTo(third));
      assertThat(all).filteredOn(s -> s.ok() && s.epoch() == secondEpoch).allSatisfy(s ->
          assertThat(s.node()).isEqualTo(second));
      // The killed node's service may still answer for the moment its guardian takes to die and
      // HAProxy to see its agent gone; never once the new owner runs.
      assertThat(all).filteredOn(s -> s.ok() && s.node().equals(first)).allSatisfy(s ->
          assertThat(s.sent()).isBefore(secondStarted));
      assertThat(secondStarted).isAfter(killedAt);
      // Failures only while the service switched over: from the kill to the new owner's first
      // answer, and from the move to its target's first answer.
      assertThat(all).filteredOn(s -> !s.ok())
          .allSatisfy(s -> assertThat((s.sentNanos() >= killed && s.sentNanos() <= firstNew.sentNanos())
              || (s.sentNanos() >= moved && s.sentNanos() <= firstThird.sentNanos()))
              .as("failed request sent at " + s.sent() + " (status " + s.status() + ") outside the switch-overs").isTrue());
      assertThat(Duration.ofNanos(switchKill)).isLessThan(group.lease.plusSeconds(15));
      System.out.printf("HaproxyIT: switch-over after SIGKILL of the owner %d ms (lease %d ms, %d failed requests);"
          + " after baton move %d ms (%d failed requests); %d requests in all%n",
          TimeUnit.NANOSECONDS.toMillis(switchKill), group.lease.toMillis(),
          all.stream().filter(s -> !s.ok() && s.sentNanos() >= killed && s.sentNanos() <= firstNew.sentNanos()).count(),
          TimeUnit.NANOSECONDS.toMillis(switchMove),
          all.stream().filter(s -> !s.ok() && s.sentNanos() >= moved && s.sentNanos() <= firstThird.sentNanos()).count(),
          all.size());
    } finally {
      running.set(false);
      loop.interrupt();
    }
  }
}
