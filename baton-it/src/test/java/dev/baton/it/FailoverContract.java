package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every store must give a group of three real nodes (launcher, guardian and agent each): the
 * owner's crash moves the service with a higher epoch within lease + 2s, a SIGTERM hands it over
 * within 2s, and across everything no two processes of the service ever run at once (the epoch
 * log's checker, after every test) and none is left behind. Each store's test class extends it.
 */
abstract class FailoverContract {
  @TempDir Path dir;
  Group group;

  /** The group under test: no node started yet. */
  abstract Group newGroup(Path dir) throws Exception;

  @BeforeEach
  final void startThreeNodes() throws Exception {
    group = newGroup(dir);
    for (String n : new String[] {"node-a", "node-b", "node-c"}) {
      group.start(n);
    }
    await("the service provided by one node, three nodes alive").atMost(Duration.ofSeconds(60))
        .until(() -> group.providedWithNodesAlive(3));
  }

  @AfterEach
  final void stopAllAndCheckTheHistory() {
    closeAndCheckTheHistory(group);
  }

  /** Kills every node, waits for their services to be gone, and checks the epoch log. */
  static void closeAndCheckTheHistory(Group group) {
    group.close();
    assertThat(group.epochLog().lives()).allSatisfy(l ->
        await("service pid " + l.pid() + " gone after its nodes").atMost(Duration.ofSeconds(5))
            .until(() -> !Processes.running(l.pid())));
    assertThat(group.epochLog().violations()).isEmpty();
  }

  @Test
  void sigkillOfTheOwnerNodeMovesTheServiceWithAHigherEpochWithinLeasePlusTwoSeconds() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long killed = System.nanoTime();
    owner.killNode();

    await("the old service process gone").atMost(Duration.ofSeconds(2)).until(() -> !Processes.running(before.pid()));
    long gone = System.nanoTime();
    await("a higher epoch running elsewhere").atMost(group.lease.plusSeconds(2)).pollInterval(Duration.ofMillis(20))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    long taken = System.nanoTime();
    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());

    assertThat(after.node()).isNotEqualTo(before.node());
    assertThat(after.epoch()).isGreaterThan(before.epoch());
    assertThat(Duration.ofNanos(gone - killed)).as("service outlived its node").isLessThan(group.lease.dividedBy(2));
    assertThat(Duration.ofNanos(taken - killed)).isLessThanOrEqualTo(group.lease.plusSeconds(2));
    await("the whiteboard shows the new owner").atMost(Duration.ofSeconds(5)).until(() -> group.service()
        .map(s -> s.epoch() == after.epoch() && after.node().equals(s.owner())).orElse(false));
  }

  @Test
  void sigtermOfTheOwnerHandsTheServiceOverWithinTwoSecondsAndExitsZero() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    owner.terminate();
    await("a higher epoch running elsewhere").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(20))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    assertThat(group.epochLog().firstAbove(before.epoch()).node()).isNotEqualTo(before.node());
    assertThat(owner.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(owner.process.exitValue()).as(owner.logText()).isZero();
    assertThat(group.status().orElseThrow().nodes()).anySatisfy(n -> {
      assertThat(n.name()).isEqualTo(before.node());
      assertThat(n.state()).isEqualTo("left");
    });
  }
}
