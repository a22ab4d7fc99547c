package dev.baton.agent.watchdog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.baton.agent.Agent;
import dev.baton.agent.TestNodes;
import dev.baton.api.ServiceStatus;
import dev.baton.core.GroupName;
import dev.baton.core.store.Event;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Health checks and the recovery ladder, with in-process agents, real processes and a real SQLite file. */
class WatchdogTest {
  static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir Path dir;
  final List<Agent> agents = new ArrayList<>();
  Store reader;

  @AfterEach
  void stopAll() {
    agents.forEach(Agent::stop);
    if (reader != null) {
      reader.close();
    }
  }

  Agent start(String node, String command, String serviceYaml) {
    Agent a = TestNodes.agent(TestNodes.config(dir, node, command, serviceYaml));
    a.start();
    agents.add(a);
    return a;
  }

  ServiceStatus svc(Agent a) {
    return a.status().services().get(0);
  }

  /** The group's events about the service, as "type node epoch", oldest first. */
  List<String> events(String... types) {
    if (reader == null) {
      reader = Stores.open(new StoreOptions("sqlite:" + dir.resolve("group.db"), GroupName.of("it"),
          Duration.ofMillis(200), Duration.ofMillis(1200), Duration.ofMillis(500), null));
    }
    List<String> wanted = List.of(types);
    return reader.events(0, 10_000).stream()
        .filter(e -> wanted.contains(e.type()))
        .map(e -> e.type() + " " + e.node() + " " + e.epoch())
        .toList();
  }

  List<Event> allEvents() {
    events();
    return reader.events(0, 10_000);
  }

  @Test
  void aServiceThatKeepsCrashingIsRestartedThenFailedOverThenFailedAndAnOperatorCanClearIt() {
    String recovery = "    recovery: {restarts: 2, window: 1m, backoff: 100ms..200ms, ban: 10m}";
    Agent a = start("node-a", "sleep 0.3; exit 3", recovery);
    await().atMost(WAIT).until(() -> svc(a).state().equals("provided"));
    Agent b = start("node-b", "sleep 0.3; exit 3", recovery);

    await().atMost(WAIT).until(() -> events("service.failed").size() == 1);
    assertThat(events("service.claimed", "service.restarted", "service.banned", "service.failed")).containsExactly(
        "service.claimed node-a 1",
        "service.restarted node-a 1",
        "service.restarted node-a 1",
        "service.banned node-a 1",
        "service.claimed node-b 2",
        "service.restarted node-b 2",
        "service.restarted node-b 2",
        "service.banned node-b 2",
        "service.failed node-b 2");
    await().atMost(WAIT).until(() -> svc(b).state().equals("failed"));
    assertThat(svc(b).owner()).isNull();
    assertThat(svc(b).providers()).allSatisfy(p -> {
      assertThat(p.state()).isEqualTo("unavailable");
      assertThat(p.reason()).startsWith("banned for 10m after 2 restart(s)");
    });

    assertThat(a.clear("svc", null)).containsExactlyInAnyOrder("node-a", "node-b");
    await().atMost(WAIT).until(() -> events("service.claimed").size() == 3);
    assertThat(events("service.cleared")).hasSize(2);
  }

  /**
   * The recovery ladder of a command that cannot be executed: every exit is 127 (as a shell reports
   * a program not found), each restart is in place at the same epoch after its backoff, the events
   * come in the order things happened, and the ban follows the last restart.
   */
  @Test
  void aCommandThatCannotBeExecutedIsRestartedInPlaceAfterItsBackoffThenBanned() {
    Agent a = start("node-a", "exec /nonexistent/program", "    recovery: {restarts: 2, window: 1m, backoff: 500ms, ban: 10m}");

    await().atMost(WAIT).until(() -> events("service.failed").size() == 1);
    List<Event> ladder = allEvents().stream().filter(e -> e.type().startsWith("service.")).toList();
    assertThat(ladder).extracting(Event::type).containsExactly("service.claimed",
        "service.started", "service.stopped", "service.restarted",
        "service.started", "service.stopped", "service.restarted",
        "service.started", "service.stopped", "service.banned", "service.released", "service.failed");
    assertThat(ladder).allSatisfy(e -> assertThat(e.epoch()).isEqualTo(1L));
    assertThat(ladder).filteredOn(e -> e.type().equals("service.stopped"))
        .allSatisfy(e -> assertThat(e.detail()).endsWith("exited with code 127 on its own"));
    for (int i = 0; i < ladder.size() - 1; i++) {
      if (ladder.get(i).type().equals("service.restarted")) {
        assertThat(Duration.between(ladder.get(i).time(), ladder.get(i + 1).time())).as("restart after its backoff")
            .isGreaterThanOrEqualTo(Duration.ofMillis(450));
      }
    }
    assertThat(svc(a).state()).isEqualTo("failed");
  }

  @Test
  void anHttpCheckThatFailsRestartsTheProviderInPlaceWithItsEpoch() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/health", ex -> {
      byte[] body = "all ok".getBytes();
      ex.sendResponseHeaders(status.get(), body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    try {
      // A budget far larger than the restarts that can happen before the check passes again, even on
      // a slow machine: the provider must come back in place, never be banned and failed over.
      Agent a = start("node-a", "sleep 600", String.join("\n",
          "    checks:",
          "      - {name: web, kind: http, url: 'http://127.0.0.1:" + server.getAddress().getPort() + "/health',"
              + " body-contains: ok, interval: 100ms, timeout: 100ms, failures: 2, grace: 0s}",
          "    recovery: {restarts: 20, backoff: 100ms}"));
      await().atMost(WAIT).until(() -> svc(a).state().equals("provided"));
      status.set(500);
      await("a restart in place at epoch 1").atMost(WAIT).until(() -> events("service.restarted").contains("service.restarted node-a 1"));
      assertThat(allEvents()).anySatisfy(e -> {
        assertThat(e.type()).isEqualTo("check.failed");
        assertThat(e.detail()).contains("web").contains("answered 500");
      });
      status.set(200);
      await("node-a provides svc again, started again in place").atMost(WAIT).until(() ->
          allEvents().stream().anyMatch(e -> e.type().equals("service.started") && String.valueOf(e.node()).equals("node-a")
              && Long.valueOf(1).equals(e.epoch()) && String.valueOf(e.detail()).contains("restarted in place"))
          && "node-a".equals(svc(a).owner()) && svc(a).epoch() == 1
          && svc(a).providers().stream().anyMatch(p -> p.node().equals("node-a") && p.state().equals("providing")));
      assertThat(events("service.claimed")).containsExactly("service.claimed node-a 1");
      assertThat(events("service.started")).hasSizeGreaterThan(1).allMatch(e -> e.equals("service.started node-a 1"));
      assertThat(events("service.banned", "service.failed")).isEmpty();
    } finally {
      server.stop(0);
    }
  }

  @Test
  void aTcpCheckFailsWhenNothingListens() throws Exception {
    ServerSocket listener = new ServerSocket(0);
    int port = listener.getLocalPort();
    Agent a = start("node-a", "sleep 600", String.join("\n",
        "    checks:",
        "      - {kind: tcp, address: '127.0.0.1:" + port + "', interval: 100ms, timeout: 100ms, failures: 1, grace: 0s}"));
    await().atMost(WAIT).until(() -> svc(a).state().equals("provided"));
    listener.close();
    await().atMost(WAIT).until(() -> allEvents().stream().anyMatch(e -> e.type().equals("check.failed")
        && e.detail().startsWith("tcp-1: cannot connect to 127.0.0.1:" + port)));
    await().atMost(WAIT).until(() -> !events("service.restarted").isEmpty());
  }

  @Test
  void anExecCheckFailsOnANonZeroExit() throws Exception {
    Path flag = Files.createFile(dir.resolve("healthy"));
    Agent a = start("node-a", "sleep 600", String.join("\n",
        "    checks:",
        "      - {name: flag, kind: exec, command: [test, -e, '" + flag + "'], interval: 100ms, failures: 1, grace: 0s}"));
    await().atMost(WAIT).until(() -> svc(a).state().equals("provided"));
    Files.delete(flag);
    await().atMost(WAIT).until(() -> allEvents().stream().anyMatch(e -> e.type().equals("check.failed")
        && e.detail().equals("flag: exited with code 1")));
  }

  @Test
  void aTtlServiceThatStopsHeartbeatingIsRestarted() {
    Agent a = start("node-a", "sleep 600", String.join("\n",
        "    checks:",
        "      - {kind: ttl, ttl: 400ms, interval: 100ms, grace: 0s}"));
    await().atMost(WAIT).until(() -> svc(a).state().equals("provided"));
    // The service's heartbeats, as `baton heartbeat svc` sends them, for a while...
    await().pollInterval(Duration.ofMillis(100)).during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2))
        .until(() -> {
          a.heartbeat("svc");
          return events("check.failed").isEmpty();
        });
    // ...then silence.
    await().atMost(WAIT).until(() -> allEvents().stream().anyMatch(e -> e.type().equals("check.failed")
        && e.detail().startsWith("ttl-1: no heartbeat for")));
    await().atMost(WAIT).until(() -> !events("service.restarted").isEmpty());
  }

  @Test
  void aFailingStandbyCheckTakesAProviderOutOfTheRunning() throws Exception {
    Agent a = start("node-a", "sleep 600", "");
    await().atMost(WAIT).until(() -> svc(a).state().equals("provided"));
    Path ready = dir.resolve("b-ready");
    Agent b = start("node-b", "sleep 600", String.join("\n",
        "    checks:",
        "      - {name: disk, kind: exec, command: [test, -e, '" + ready + "'], interval: 100ms, failures: 1, standby: true}"));
    await().atMost(WAIT).until(() -> svc(b).providers().stream().anyMatch(p -> p.node().equals("node-b")
        && p.state().equals("unavailable") && p.reason().startsWith("check disk failing")));

    a.stop();
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> svc(b).owner() == null);
    assertThat(svc(b).state()).isEqualTo("failed");

    Files.createFile(ready);
    await().atMost(WAIT).until(() -> "node-b".equals(svc(b).owner()));
  }

  @Test
  void heartbeatsForAServiceThatDoesNotRunHereAreRefused() {
    Agent a = start("node-a", "sleep 600", "");
    await().atMost(WAIT).until(() -> svc(a).state().equals("provided"));
    Agent b = start("node-b", "sleep 600", "");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.heartbeat("svc"))
        .isInstanceOf(dev.baton.core.ConflictException.class).hasMessageContaining("does not run on node node-b");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.heartbeat("other"))
        .isInstanceOf(dev.baton.core.NotFoundException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> b.heartbeat("Bad Name"))
        .isInstanceOf(dev.baton.core.InvalidInputException.class);
    // The same heartbeat where the service runs is taken: b refused it because svc does not run on b.
    assertThatCode(() -> a.heartbeat("svc")).doesNotThrowAnyException();
  }
}
