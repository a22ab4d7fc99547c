package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ServiceStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nodes (launcher, guardian and agent each) on one SQLite file; the owner node is
 * killed or stopped, or its service dies.
 */
class SqliteFailoverIT {
  @TempDir Path dir;
  Group group;

  @BeforeEach
  void startThreeAgents() throws Exception {
    group = Group.sqlite(dir);
    for (String n : new String[] {"node-a", "node-b", "node-c"}) {
      group.start(n);
    }
    await("the service provided by one node").atMost(Duration.ofSeconds(30)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last != null && group.service().map(ServiceStatus::owner).orElse("").equals(last.node())
          && group.status().map(s -> s.nodes().size()).orElse(0) == 3;
    });
  }

  @AfterEach
  void stopAll() {
    group.close();
    assertThat(group.epochLog().lives()).allSatisfy(l ->
        await("service pid " + l.pid() + " gone after its agents").atMost(Duration.ofSeconds(5))
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
    await("a higher epoch running elsewhere").atMost(group.lease.plusSeconds(2)).until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    long taken = System.nanoTime();
    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());

    assertThat(after.node()).isNotEqualTo(before.node());
    assertThat(after.epoch()).isGreaterThan(before.epoch());
    assertThat(Duration.ofNanos(gone - killed)).as("service outlived its node").isLessThan(group.lease.dividedBy(2));
    assertThat(Duration.ofNanos(taken - killed)).isLessThanOrEqualTo(group.lease.plusSeconds(2));
    await().atMost(Duration.ofSeconds(5)).until(() -> group.service().map(s -> s.epoch() == after.epoch()
        && after.node().equals(s.owner())).orElse(false));
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

  @Test
  void aServiceProcessThatExitsByItselfIsRestartedInPlaceWithItsEpoch() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    group.makeServiceExit();
    await("a new process provides the service").atMost(Duration.ofSeconds(10))
        .until(() -> group.epochLog().last().pid() != before.pid());
    EpochLog.Life after = group.epochLog().last();
    assertThat(after.node()).isEqualTo(before.node());
    assertThat(after.epoch()).isEqualTo(before.epoch());
    await("the whiteboard shows it provided").atMost(Duration.ofSeconds(5))
        .until(() -> group.service().map(s -> "provided".equals(s.state()) && before.node().equals(s.owner())).orElse(false));
  }
}
