package dev.baton.agent.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.agent.config.ServiceConfig;
import dev.baton.agent.config.ServiceLogs;
import dev.baton.core.ServiceName;
import dev.baton.core.store.SessionId;
import dev.baton.agent.config.Containment;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorTest {
  @TempDir Path dir;
  final List<Supervisor.Exit> exits = new CopyOnWriteArrayList<>();
  Supervisor supervisor;

  Supervisor supervisor() {
    return supervisor(ServiceTrees.processGroups(), exits::add);
  }

  Supervisor supervisor(ServiceTrees trees, Consumer<Supervisor.Exit> onExit) {
    supervisor = new Supervisor("g", "node-a", "http://127.0.0.1:1", dir, trees, onExit);
    return supervisor;
  }

  /** Each service in a PID namespace of its own; the tests that need it run where the agent could use it (root, tini). */
  static ServiceTrees namespaces() {
    Optional<String> missing = ServiceTrees.probePidNamespace();
    assumeTrue(missing.isEmpty(), () -> "no PID namespace here: " + missing.orElse(""));
    return ServiceTrees.choose(Containment.PID_NAMESPACE);
  }

  /** Processes alive (not zombies) with an argument that starts with {@code marker}. */
  static List<Long> alive(String marker) throws IOException {
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path p : procs) {
        try {
          String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")));
          String stat = Files.readString(p.resolve("stat"));
          if (Arrays.stream(cmdline.split("\0")).anyMatch(arg -> arg.startsWith(marker))
              && stat.charAt(stat.lastIndexOf(')') + 2) != 'Z') {
            found.add(Long.parseLong(p.getFileName().toString()));
          }
        } catch (IOException e) {
          // gone meanwhile
        }
      }
    }
    return found;
  }

  static ServiceConfig service(String name, Duration stopTimeout, String... command) {
    return new ServiceConfig(ServiceName.of(name), List.of(command), Map.of("EXTRA", "x"), null, stopTimeout);
  }

  @AfterEach
  void close() {
    supervisor.close();
  }

  @Test
  void theLogOfAServiceThatWritesWithoutEndIsRotatedAndKeptWithinItsSizeAndCount() throws Exception {
    Supervisor s = supervisor();
    s.rotateLogs(new ServiceLogs(64 << 10, 2));
    // About 1 MB a second, in lines a reader can follow: "n xxxx...".
    s.start(service("chatty", Duration.ofSeconds(1), "sh", "-c",
        "line=$(printf '%0100d' 0); n=0; while :; do i=0; while [ $i -lt 100 ]; do echo \"$n $line\"; n=$((n+1)); i=$((i+1)); done; sleep 0.01; done"),
        1, SESSION);
    Path log = s.logFile(ServiceName.of("chatty"));
    Path first = LogRotation.rotated(log, 1);
    Path second = LogRotation.rotated(log, 2);

    await("rotated twice").atMost(Duration.ofSeconds(20)).until(() -> Files.exists(second));
    // Watch it for a while: ~3 MB are written; on disk it stays near 3 x 64 KB, in three files.
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    long most = 0;
    while (System.nanoTime() < until) {
      long total = 0;
      for (Path p : List.of(log, first, second)) {
        total += Files.exists(p) ? Files.size(p) : 0;
      }
      most = Math.max(most, total);
      assertThat(LogRotation.rotated(log, 3)).doesNotExist();
      Thread.sleep(20);
    }
    assertThat(most).as("bytes on disk at most").isLessThan(3 * (64 << 10) + (1 << 20));
    s.stop(ServiceName.of("chatty"), Duration.ofSeconds(1));
    await("stopped").atMost(Duration.ofSeconds(10)).until(() -> s.running(ServiceName.of("chatty")).isEmpty());
    assertThat(firstNumber(second)).as("log.2 holds older output than log.1, and log.1 than the log")
        .isLessThan(firstNumber(first));
    // The live log may have just been rotated when the service stopped, and so be empty.
    if (Files.size(log) > 0) {
      assertThat(firstNumber(first)).isLessThan(firstNumber(log));
    }
  }

  private static long firstNumber(Path file) throws IOException {
    String line = Files.readAllLines(file).get(0);
    return Long.parseLong(line.substring(0, line.indexOf(' ')));
  }

  @Test
  void aServiceStartedFromAThreadThatEndsKeepsRunningWhileTheAgentLives() throws Exception {
    Supervisor s = supervisor();
    AtomicReference<Supervisor.Running> started = new AtomicReference<>();
    Thread shortLived = new Thread(() -> started.set(s.start(service("svc", Duration.ofSeconds(1), "sleep", "60"), 3, SESSION)));
    shortLived.start();
    shortLived.join();
    ProcessHandle p = started.get().handle();
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(p::isAlive);
  }

  @Test
  void theServiceSeesItsEpochGroupNodeAndApiAndWritesItsOutputToItsLog() throws Exception {
    Supervisor s = supervisor();
    s.start(service("svc", Duration.ofSeconds(1), "sh", "-c",
        "echo \"$BATON_GROUP $BATON_NODE $BATON_SERVICE $BATON_EPOCH $BATON_API $EXTRA\"; echo oops >&2"), 7, SESSION);
    await().atMost(Duration.ofSeconds(5)).until(() -> exits.size() == 1);
    assertThat(Files.readString(s.logFile(ServiceName.of("svc"))))
        .isEqualTo("g node-a svc 7 http://127.0.0.1:1 x\noops\n");
    assertThat(exits.get(0).requested()).isFalse();
    assertThat(exits.get(0).code()).isZero();
  }

  @Test
  void stopSendsSigtermAndSigkillAfterTheStopTimeoutToAServiceThatIgnoresIt() throws Exception {
    // The service notes each SIGTERM and goes on; its child, a worker that ignores SIGTERM too, is
    // found by a marker in its command line.
    String marker = "baton-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Path ready = dir.resolve("ready");
    Path terms = dir.resolve("terms");
    List<List<Long>> aliveAtExit = new CopyOnWriteArrayList<>();
    Supervisor s = supervisor(ServiceTrees.processGroups(), exit -> {
      try {
        aliveAtExit.add(alive(marker));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      exits.add(exit);
    });
    Supervisor.Running r = s.start(service("stubborn", Duration.ofSeconds(2), "sh", "-c",
        "trap 'echo TERM >> " + terms + "' TERM; "
            + "sh -c 'trap \"\" TERM; while :; do sleep 0.1; done' " + marker + "-worker & "
            + "touch " + ready + "; while :; do sleep 0.1; done"), 1, SESSION);
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(ready) && alive(marker).size() == 1);
      long t0 = System.nanoTime();
      s.stop(r.service(), Duration.ofSeconds(2));
      await().atMost(Duration.ofSeconds(15)).until(() -> exits.size() == 1);
      assertThat(terms).as("the service got SIGTERM first").content().isEqualTo("TERM\n");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("SIGKILL not before the stop timeout")
          .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
      assertThat(exits.get(0).requested()).isTrue();
      assertThat(exits.get(0).code()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
      assertThat(aliveAtExit).as("the worker it started, when the exit is reported").containsExactly(List.of());
    } finally {
      alive(marker).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  @Test
  void stopReachesTheChildrenOfTheServiceThroughItsProcessGroup() throws Exception {
    Supervisor s = supervisor();
    Path pidFile = dir.resolve("child.pid");
    Supervisor.Running r = s.start(service("parent", Duration.ofSeconds(2), "sh", "-c",
        "sleep 60 & echo $! > " + pidFile + "; wait"), 1, SESSION);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
    long child = Long.parseLong(Files.readString(pidFile).trim());
    s.stop(r.service(), Duration.ofSeconds(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
  }

  @Test
  void aCommandThatCannotBeStartedFailsWithAMessageNamingIt() {
    Supervisor s = supervisor();
    s.start(service("missing", Duration.ofSeconds(1), "/nonexistent/program"), 1, SESSION);
    await().atMost(Duration.ofSeconds(5)).until(() -> exits.size() == 1);
    assertThat(exits.get(0).code()).isNotZero();
    assertThat(s.logFile(ServiceName.of("missing"))).content().contains("/nonexistent/program");
  }

  /** A wrapper that forks a worker, and a daemon that forks twice into a session of its own and ignores SIGTERM. */
  static final SessionId SESSION = new SessionId("1-test");
  static final String FORKING_SERVICE = "sh -c 'while :; do sleep 0.1; done' MARKER-worker & "
      + "(setsid sh -c 'trap \"\" TERM; while :; do sleep 0.1; done' MARKER-daemon &); "
      + "touch READY; wait";

  @Test
  void inAPidNamespaceAStopEndsADaemonThatLeftTheProcessGroupBeforeTheExitIsReported() throws Exception {
    String marker = "baton-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Path ready = dir.resolve("ready");
    List<List<Long>> aliveAtExit = new CopyOnWriteArrayList<>();
    Supervisor s = supervisor(namespaces(), exit -> {
      try {
        aliveAtExit.add(alive(marker));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      exits.add(exit);
    });
    Supervisor.Running r = s.start(service("forks", Duration.ofSeconds(5), "sh", "-c",
        FORKING_SERVICE.replace("MARKER", marker).replace("READY", ready.toString())), 1, SESSION);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(ready) && alive(marker).size() == 2);

    s.stop(r.service(), Duration.ofSeconds(5));

    await().atMost(Duration.ofSeconds(10)).until(() -> exits.size() == 1);
    assertThat(aliveAtExit).containsExactly(List.of());
    assertThat(alive(marker)).isEmpty();
  }

  @Test
  void inAPidNamespaceKillingTheMainProcessEndsEveryProcessOfTheService() throws Exception {
    String marker = "baton-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Path ready = dir.resolve("ready");
    Supervisor s = supervisor(namespaces(), exits::add);
    Supervisor.Running r = s.start(service("forks", Duration.ofSeconds(5), "sh", "-c",
        FORKING_SERVICE.replace("MARKER", marker).replace("READY", ready.toString())), 1, SESSION);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(ready) && alive(marker).size() == 2);

    r.handle().destroyForcibly(); // SIGKILL to the service's main process alone (unshare), as a crash would

    await().atMost(Duration.ofSeconds(5)).until(() -> alive(marker).isEmpty());
    await().atMost(Duration.ofSeconds(5)).until(() -> exits.size() == 1);
  }

  @Test
  void inProcessGroupsADaemonThatLeftTheGroupIsNotContained() throws Exception {
    // What the PID namespace is for: without it the daemon survives the service.
    String marker = "baton-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    Path ready = dir.resolve("ready");
    Supervisor s = supervisor();
    Supervisor.Running r = s.start(service("forks", Duration.ofSeconds(5), "sh", "-c",
        FORKING_SERVICE.replace("MARKER", marker).replace("READY", ready.toString())), 1, SESSION);
    await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(ready) && alive(marker).size() == 2);
    try {
      s.stop(r.service(), Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).until(() -> exits.size() == 1);
      assertThat(alive(marker)).hasSize(1);
    } finally {
      alive(marker).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  @Test
  void aServiceWhoseMainProcessIsAZombieCountsAsGoneThoughNobodyReportedItsExit() throws Exception {
    // `sleep 600` never reaps its child: once the child ends, it stays a zombie.
    Process parent = new ProcessBuilder("sh", "-c", "sleep 0.1 & exec sleep 600").start();
    try {
      Path children = Path.of("/proc", Long.toString(parent.pid()), "task", Long.toString(parent.pid()), "children");
      await().atMost(Duration.ofSeconds(5)).until(() -> !Files.readString(children).isBlank());
      long zombie = Long.parseLong(Files.readString(children).trim());
      await().atMost(Duration.ofSeconds(5)).until(() -> ServiceTrees.ended(zombie));
      assertThat(ProcessHandle.of(zombie).map(ProcessHandle::isAlive)).as("Java counts a zombie as alive").contains(true);
      Supervisor s = supervisor();
      s.adopt(service("z", Duration.ofSeconds(1), "true"), 1,
          new Supervisor.Spawned(ProcessHandle.of(zombie).orElseThrow(), new CompletableFuture<>()));

      assertThat(s.awaitAllGone(Duration.ofSeconds(3))).isTrue();
    } finally {
      parent.destroyForcibly();
    }
  }
}
