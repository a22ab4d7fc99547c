package dev.baton.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.agent.config.ServiceConfig;
import dev.baton.core.ServiceName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorTest {
  @TempDir Path dir;
  final List<Supervisor.Exit> exits = new CopyOnWriteArrayList<>();
  Supervisor supervisor;

  Supervisor supervisor() {
    supervisor = new Supervisor("g", "node-a", "http://127.0.0.1:1", dir, exits::add);
    return supervisor;
  }

  static ServiceConfig service(String name, Duration stopTimeout, String... command) {
    return new ServiceConfig(ServiceName.of(name), List.of(command), Map.of("EXTRA", "x"), null, stopTimeout);
  }

  @AfterEach
  void close() {
    supervisor.close();
  }

  @Test
  void aServiceStartedFromAThreadThatEndsKeepsRunningWhileTheAgentLives() throws Exception {
    Supervisor s = supervisor();
    AtomicReference<Supervisor.Running> started = new AtomicReference<>();
    Thread shortLived = new Thread(() -> started.set(s.start(service("svc", Duration.ofSeconds(1), "sleep", "60"), 3)));
    shortLived.start();
    shortLived.join();
    ProcessHandle p = started.get().handle();
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(p::isAlive);
  }

  @Test
  void theServiceSeesItsEpochGroupNodeAndApiAndWritesItsOutputToItsLog() throws Exception {
    Supervisor s = supervisor();
    s.start(service("svc", Duration.ofSeconds(1), "sh", "-c",
        "echo \"$BATON_GROUP $BATON_NODE $BATON_SERVICE $BATON_EPOCH $BATON_API $EXTRA\"; echo oops >&2"), 7);
    await().atMost(Duration.ofSeconds(5)).until(() -> exits.size() == 1);
    assertThat(Files.readString(s.logFile(ServiceName.of("svc"))))
        .isEqualTo("g node-a svc 7 http://127.0.0.1:1 x\noops\n");
    assertThat(exits.get(0).requested()).isFalse();
    assertThat(exits.get(0).code()).isZero();
  }

  @Test
  void stopSendsSigtermAndSigkillAfterTheStopTimeoutToAServiceThatIgnoresIt() throws Exception {
    Supervisor s = supervisor();
    Path ready = dir.resolve("ready");
    Supervisor.Running r = s.start(service("stubborn", Duration.ofMillis(500), "sh", "-c",
        "trap '' TERM; touch " + ready + "; while :; do sleep 0.1; done"), 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(ready));
    long t0 = System.nanoTime();
    s.stop(r.service(), Duration.ofMillis(500));
    await().atMost(Duration.ofSeconds(5)).until(() -> exits.size() == 1);
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(exits.get(0).requested()).isTrue();
    assertThat(r.handle().descendants().count()).isZero();
  }

  @Test
  void stopReachesTheChildrenOfTheServiceThroughItsProcessGroup() throws Exception {
    Supervisor s = supervisor();
    Path pidFile = dir.resolve("child.pid");
    Supervisor.Running r = s.start(service("parent", Duration.ofSeconds(2), "sh", "-c",
        "sleep 60 & echo $! > " + pidFile + "; wait"), 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
    long child = Long.parseLong(Files.readString(pidFile).trim());
    s.stop(r.service(), Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void aCommandThatCannotBeStartedFailsWithAMessageNamingIt() {
    Supervisor s = supervisor();
    s.start(service("missing", Duration.ofSeconds(1), "/nonexistent/program"), 1);
    await().atMost(Duration.ofSeconds(5)).until(() -> exits.size() == 1);
    assertThat(exits.get(0).code()).isNotZero();
    assertThat(s.logFile(ServiceName.of("missing"))).content().contains("/nonexistent/program");
  }
}
