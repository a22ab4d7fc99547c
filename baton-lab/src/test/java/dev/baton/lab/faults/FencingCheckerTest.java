package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fencing checker judging lives it receives on its real socket, from clients that play service processes. */
class FencingCheckerTest {
  @TempDir Path dir;
  FencingChecker checker;

  @BeforeEach
  void startChecker() throws IOException {
    checker = new FencingChecker(dir.resolve("checker.sock"), dir.resolve("checker.log"));
  }

  @AfterEach
  void stopChecker() throws IOException {
    checker.close();
  }

  @Test
  void aRestartInPlaceAfterItsEpochEndedAndATakeoverAfterTheOwnerEndedAreNoViolation() throws IOException {
    try (SocketChannel first = process("svc", 1, "node-a", 101)) {
      send(first, "W");
      send(first, "STOP");
    }
    awaitLives(1, 0);
    try (SocketChannel restarted = process("svc", 1, "node-a", 102)) {
      send(restarted, "W");
    }
    awaitLives(2, 0);
    try (SocketChannel takeover = process("svc", 2, "node-b", 103)) {
      send(takeover, "W");
      await().atMost(Duration.ofSeconds(10)).until(() -> checker.writes() == 3);
    }
    awaitLives(3, 0);
    assertThat(checker.violationCounts()).isEmpty();
  }

  @Test
  void aSecondProcessOfOneEpochOnAnotherNodeIsTwoStartsOfTheEpochAndTwoLiveProcesses() throws IOException {
    try (SocketChannel a = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      try (SocketChannel b = process("svc", 1, "node-b", 102)) {
        awaitLives(2, 2);
      }
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("1-one-process-per-epoch", "4-never-two-alive");
  }

  @Test
  void aLifeBeginsWhenTheKernelSaysItsLeaderBeganSoAnOverlapShorterThanTheWorkersStartUpIsCaught() throws Exception {
    Process leader = null;
    try {
      try (SocketChannel old = process("svc", 1, "node-a", 101)) {
        awaitLives(1, 1);
        leader = new ProcessBuilder("sleep", "60").start(); // begins while the old life is alive
        // ... by more than the kernel's 10 ms tick, which dates the leader's start, and the error of
        // converting that date to this JVM's clock
        pastTicks(System.nanoTime());
      }
      awaitLives(1, 0);
      // its worker's START arrives only now, after the old life ended
      try (SocketChannel late = process("svc", 2, "node-b", 102, leader.pid())) {
        awaitLives(2, 1);
      }
    } finally {
      if (leader != null) {
        leader.destroyForcibly().waitFor();
      }
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("4-never-two-alive");
    assertThat(checker.violations().get("4-never-two-alive")).singleElement().asString()
        .contains("began while [service=svc epoch=1 node=node-a pid=101] was alive: it ended", "ms after the leader began");
    FencingChecker.Life late = checker.lives().get(1);
    assertThat(late.leaderPid).isEqualTo(leader.pid());
    assertThat(late.startNanos).isLessThan(late.receivedNanos);
  }

  @Test
  void aLeaderThatBeganAfterTheOldLifeEndedIsNoOverlap() throws Exception {
    try (SocketChannel old = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
    }
    awaitLives(1, 0);
    // beyond the kernel's 10 ms tick, by which a leader's start may seem early
    pastTicks(checker.lives().get(0).endNanos);
    Process leader = new ProcessBuilder("sleep", "60").start();
    try (SocketChannel next = process("svc", 2, "node-b", 102, leader.pid())) {
      awaitLives(2, 1);
    } finally {
      leader.destroyForcibly().waitFor();
    }
    assertThat(checker.violationCounts()).isEmpty();
  }

  @Test
  void aWriteFromAnOlderEpochAfterANewerStartIsRefusedInTheRecord() throws IOException {
    try (SocketChannel old = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      try (SocketChannel newer = process("svc", 2, "node-b", 102)) {
        awaitLives(2, 2);
        send(old, "W");
        await().atMost(Duration.ofSeconds(10)).until(() -> checker.writes() == 1);
      }
    }
    assertThat(checker.violationCounts()).containsEntry("3-no-write-from-an-older-epoch", 1L)
        .containsKey("4-never-two-alive");
  }

  @Test
  void anEpochBelowTheNewestStartedIsAViolationEvenAfterTheNewerProcessEnded() throws IOException {
    process("svc", 5, "node-a", 101).close();
    awaitLives(1, 0);
    process("svc", 4, "node-b", 102).close();
    awaitLives(2, 0);
    assertThat(checker.violationCounts()).containsOnlyKeys("2-epochs-never-decrease");
  }

  @Test
  void servicesAreJudgedApart() throws IOException {
    try (SocketChannel a = process("one", 3, "node-a", 101); SocketChannel b = process("two", 1, "node-b", 102)) {
      awaitLives(2, 2);
      send(b, "W");
      await().atMost(Duration.ofSeconds(10)).until(() -> checker.writes() == 1);
    }
    assertThat(checker.violationCounts()).isEmpty();
  }

  @Test
  void theEnforcingCheckerRefusesAnOlderEpochsWriteAndCountsItUnlessItsNodeWasFrozen() throws IOException {
    enforcing(Duration.ofSeconds(10));
    try (SocketChannel old = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      try (SocketChannel newer = process("svc", 2, "node-b", 102)) {
        awaitLives(2, 2);
        send(old, "W");
        assertThat(reply(old)).startsWith("REFUSED write of epoch 1 refused: epoch 2 has started");
        awaitLives(2, 1);
      }
    }
    assertThat(checker.refusals()).isEqualTo(1);
    assertThat(checker.writes()).isZero();
    assertThat(checker.violationCounts()).containsOnlyKeys("3-no-write-from-an-older-epoch", "4-never-two-alive");
  }

  @Test
  void theEnforcingCheckerRefusesTheStartOfAnOlderEpoch() throws IOException {
    enforcing(Duration.ofSeconds(10));
    process("svc", 5, "node-a", 101).close();
    awaitLives(1, 0);
    try (SocketChannel stale = process("svc", 4, "node-b", 102)) {
      assertThat(reply(stale)).startsWith("REFUSED START of epoch 4 refused");
      awaitLives(2, 0);
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("2-epochs-never-decrease");
  }

  @Test
  void aFrozenNodesProcessMayOverlapTheNextEpochAndItsRefusedWriteAfterTheThawIsNoViolation() throws Exception {
    enforcing(Duration.ofSeconds(10));
    frozenThenTakenOver(frozen -> {
      send(frozen, "W");
      assertThat(reply(frozen)).startsWith("REFUSED");
      awaitLives(2, 1);
    });
    assertThat(checker.violationCounts()).isEmpty();
    assertThat(checker.thawToEndMillis()).hasSize(1);
  }

  @Test
  void aFrozenNodesProcessThatOutlivesTheThawBoundIsTwoAlive() throws Exception {
    enforcing(Duration.ofMillis(1));
    frozenThenTakenOver(frozen -> Thread.sleep(50)); // outlive the 1 ms thaw bound
    awaitLives(2, 0);
    assertThat(checker.violationCounts()).containsOnlyKeys("4-never-two-alive");
  }

  @Test
  void aLifeThatBeganWhileTheOldNodeWasFrozenIsJudgedByThatEvenWhenItsStartArrivesAfterTheThaw() throws Exception {
    enforcing(Duration.ofSeconds(10));
    Process leader = null;
    try {
      try (SocketChannel frozen = process("svc", 1, "node-a", 101)) {
        awaitLives(1, 1);
        checker.frozen("node-a");
        // the new leader begins while node-a is frozen, more than the kernel's 10 ms tick from either end
        pastTicks(System.nanoTime());
        leader = new ProcessBuilder("sleep", "60").start();
        pastTicks(System.nanoTime());
        checker.thawed("node-a");
      }
      awaitLives(1, 0); // the old life ends after the thaw, within the bound
      try (SocketChannel late = process("svc", 2, "node-b", 102, leader.pid())) { // its worker came up late
        awaitLives(2, 1);
      }
    } finally {
      if (leader != null) {
        leader.destroyForcibly().waitFor();
      }
    }
    assertThat(checker.violationCounts()).isEmpty();
    assertThat(checker.thawToEndMillis()).hasSize(1);
  }

  @Test
  void aLifeThatBeginsJustAfterTheThawWhileTheThawedNodesProcessStillEndsIsJudgedByTheThawBound() throws Exception {
    enforcing(Duration.ofSeconds(10));
    try (SocketChannel thawed = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      checker.frozen("node-a");
      checker.thawed("node-a");
      // its guardian has not killed it yet when node-b, which saw the lease run out, starts epoch 2
      try (SocketChannel takeover = process("svc", 2, "node-b", 102)) {
        awaitLives(2, 2);
      }
    }
    awaitLives(2, 0);
    assertThat(checker.violationCounts()).isEmpty();
    assertThat(checker.thawToEndMillis()).hasSize(1);
  }

  @Test
  void aLifeThatBeginsLaterThanTheThawBoundAfterTheThawWhileTheOldProcessLivesIsTwoAlive() throws Exception {
    enforcing(Duration.ofMillis(20));
    try (SocketChannel thawed = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      checker.frozen("node-a");
      checker.thawed("node-a");
      pastTicks(System.nanoTime()); // 30 ms: past the 20 ms bound, the node had time to fence itself
      try (SocketChannel takeover = process("svc", 2, "node-b", 102)) {
        awaitLives(2, 2);
      }
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("4-never-two-alive");
  }

  /** A process of epoch 1 on node-a, node-a frozen, epoch 2 started on node-b, node-a thawed: then {@code afterThaw}. */
  private void frozenThenTakenOver(ThawedStep afterThaw) throws Exception {
    try (SocketChannel frozen = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      checker.frozen("node-a");
      try (SocketChannel takeover = process("svc", 2, "node-b", 102)) {
        awaitLives(2, 2);
        checker.thawed("node-a");
        afterThaw.run(frozen);
      }
    }
  }

  private interface ThawedStep {
    void run(SocketChannel frozen) throws Exception;
  }

  @Test
  void aStatusReadThatGoesBackToAnOlderEpochOnTheSameAgentIsAViolation() {
    checker.statusRead("node-a", "svc", 3);
    checker.statusRead("node-b", "svc", 2);
    checker.statusRead("node-a", "svc", 4);
    assertThat(checker.violationCounts()).isEmpty();
    checker.statusRead("node-a", "svc", 3);
    assertThat(checker.violationCounts()).containsOnlyKeys("7-status-never-goes-back");
  }

  private static final Duration BOUND = Duration.ofSeconds(60);

  /** The process of {@code service} that started {@code index}-th (from 1). */
  private FencingChecker.Life life(int index) {
    return checker.lives().get(index - 1);
  }

  @Test
  void aServiceProvidedAgainWithinTheBoundPassesCheck5AndOneProvidedAgainLaterFailsIt() throws IOException {
    Fault.Injected crash;
    try (SocketChannel owner = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      crash = Fault.Injected.at(checker.fault("node-crash", "on node-a")); // node-a goes down with its process
    }
    awaitLives(1, 0);
    try (SocketChannel takeover = process("svc", 2, "node-b", 102)) {
      awaitLives(2, 1);
      Map<String, FencingChecker.Life> before = Map.of("svc", life(1));
      Map<String, FencingChecker.Life> after = Map.of("svc", life(2));

      double ms = checker.settled("fault 1 (node-crash on node-a)", crash, false, before, after, BOUND);
      assertThat(ms).isPositive().isLessThan(BOUND.toMillis());
      assertThat(checker.violationCounts()).isEmpty();

      // The same history judged against a bound of 0: any time to provide svc again is too long.
      checker.settled("fault 2 (node-crash on node-a)", crash, false, before, after, Duration.ZERO);
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("5-provided-again-within-bound");
    assertThat(checker.violations().get("5-provided-again-within-bound")).singleElement().asString()
        .startsWith("fault 2 (node-crash on node-a): provided again after ").endsWith(" ms, bound 0 ms");
  }

  @Test
  void aStoreOutageAfterWhichEveryServiceCameBackAtAHigherEpochPassesCheck8() throws IOException {
    try (SocketChannel owner = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      long down = checker.fault("store-crash", "PostgreSQL stopped");
      owner.close(); // the owner fences itself
      awaitLives(1, 0);
      Fault.Injected outage = new Fault.Injected(down, checker.note("the store is back"));
      try (SocketChannel claimed = process("svc", 2, "node-a", 102)) {
        awaitLives(2, 1);
        double ms = checker.settled("fault 1 (store-crash)", outage, true, Map.of("svc", life(1)), Map.of("svc", life(2)), BOUND);
        assertThat(ms).isPositive();
      }
    }
    assertThat(checker.violationCounts()).isEmpty();
  }

  @Test
  void aProcessStartedWhileTheStoreWasDownFailsCheck8() throws IOException {
    try (SocketChannel owner = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      long down = checker.fault("store-crash", "PostgreSQL stopped");
      owner.close();
      awaitLives(1, 0);
      try (SocketChannel early = process("svc", 2, "node-b", 102)) {
        awaitLives(2, 1);
        Fault.Injected outage = new Fault.Injected(down, checker.note("the store is back"));
        checker.settled("fault 1 (store-crash)", outage, true, Map.of("svc", life(1)), Map.of("svc", life(2)), BOUND);
      }
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("8-store-down-no-start-new-epochs");
    assertThat(checker.violations().get("8-store-down-no-start-new-epochs")).containsExactly(
        "fault 1 (store-crash): [service=svc epoch=2 node=node-b pid=102] started while the store was down");
  }

  @Test
  void aServiceStillAtItsEpochAfterTheStoreCameBackFailsCheck8() throws IOException {
    try (SocketChannel owner = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      long down = checker.fault("store-crash", "PostgreSQL stopped");
      Fault.Injected outage = new Fault.Injected(down, checker.note("the store is back"));
      // The owner never fenced itself: the same process still provides svc.
      checker.settled("fault 1 (store-crash)", outage, true, Map.of("svc", life(1)), Map.of("svc", life(1)), BOUND);
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("8-store-down-no-start-new-epochs");
    assertThat(checker.violations().get("8-store-down-no-start-new-epochs")).singleElement().asString()
        .startsWith("fault 1 (store-crash): svc still at epoch 1 after the store came back");
  }

  @Test
  void oneProcessPerServiceAtTheEndPassesCheck6AndNoneFailsIt() throws IOException {
    try (SocketChannel one = process("one", 1, "node-a", 101)) {
      process("two", 1, "node-b", 102).close();
      awaitLives(2, 1);
      checker.oneWriterEach(List.of("one"));
      assertThat(checker.violationCounts()).isEmpty();

      checker.oneWriterEach(List.of("one", "two"));
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("6-one-writer-then-none");
    assertThat(checker.violations().get("6-one-writer-then-none")).containsExactly("at the end 0 processes provide two: []");
  }

  @Test
  void nothingLeftAfterTheStopPassesCheck6AndAServiceOrANodeProcessLeftFailsIt() throws Exception {
    Process agent = new ProcessBuilder("sleep", "600").start(); // plays an agent that ignored its stop
    // A guardian that ended but is not reaped yet: a zombie child of a parent that never waits.
    Process parent = new ProcessBuilder("sh", "-c", "sleep 0.1 & echo $!; exec sleep 600").start();
    try (SocketChannel service = process("svc", 1, "node-a", 101)) {
      awaitLives(1, 1);
      Process gone = new ProcessBuilder("true").start();
      assertThat(gone.waitFor(10, TimeUnit.SECONDS)).isTrue();
      long zombiePid = Long.parseLong(new java.io.BufferedReader(new java.io.InputStreamReader(parent.getInputStream(),
          StandardCharsets.UTF_8)).readLine().trim());
      ProcessHandle zombie = ProcessHandle.of(zombiePid).orElseThrow();
      await("a zombie").atMost(Duration.ofSeconds(10)).until(() -> {
        String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(zombiePid), "stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2) == 'Z';
      });
      checker.noneLeft(List.of("other"), List.of(gone.toHandle(), zombie), Duration.ofSeconds(20));
      assertThat(checker.violationCounts()).isEmpty();

      checker.noneLeft(List.of("svc"), List.of(gone.toHandle(), agent.toHandle()), Duration.ofSeconds(20));
    } finally {
      agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      parent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(checker.violationCounts()).containsOnlyKeys("6-one-writer-then-none");
    assertThat(checker.violations().get("6-one-writer-then-none")).satisfiesExactly(
        v -> assertThat(v).isEqualTo("[service=svc epoch=1 node=node-a pid=101] still connected 20s after the agents stopped"),
        v -> assertThat(v).matches("pid " + agent.pid() + " \\(\\S*sleep\\) of a node still runs 20s after the agents stopped"));
  }

  private void enforcing(Duration thawBound) throws IOException {
    checker.close();
    checker = new FencingChecker(dir.resolve("enforcing.sock"), dir.resolve("enforcing.log"), FencingChecker.Mode.ENFORCING, thawBound);
  }

  private static String reply(SocketChannel c) throws IOException {
    return new java.io.BufferedReader(new java.io.InputStreamReader(java.nio.channels.Channels.newInputStream(c),
        StandardCharsets.UTF_8)).readLine();
  }

  private SocketChannel process(String service, long epoch, String node, long pid) throws IOException {
    SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(checker.socket()));
    send(c, "START " + service + " " + epoch + " " + node + " " + pid);
    return c;
  }

  /** Waits until 30 ms (three of the kernel's ticks) have passed since {@code since}. */
  private static void pastTicks(long since) {
    await().atMost(Duration.ofSeconds(1)).until(() -> System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(30));
  }

  /** A START as {@link CheckedService} sends it: dated by the kernel's start of {@code leader}, a real process. */
  private SocketChannel process(String service, long epoch, String node, long pid, long leader) throws IOException {
    SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(checker.socket()));
    send(c, "START " + service + " " + epoch + " " + node + " " + pid + " " + leader + " " + BootClock.startedSinceBoot(leader));
    return c;
  }

  private void awaitLives(int started, int alive) {
    await().atMost(Duration.ofSeconds(10)).until(() -> checker.lives().size() == started
        && checker.lives().stream().filter(l -> !l.ended()).count() == alive);
  }

  private static void send(SocketChannel c, String line) throws IOException {
    ByteBuffer b = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      c.write(b);
    }
  }
}
