package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ServiceStatus;
import dev.baton.core.store.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guardian beside each agent (docs/guardian.md), with real processes: two nodes on one SQLite
 * file, lease 5 s. The owner's agent, its guardian, or both are killed or paused.
 */
class GuardianIT {
  @TempDir Path dir;
  Group group;
  final List<Long> nodePids = new ArrayList<>();

  @BeforeEach
  void startTwoNodes() throws Exception {
    group = new Group(dir, "sqlite:" + dir.resolve("group.db"), Duration.ofMillis(500), Duration.ofSeconds(5));
    group.start("node-a");
    group.start("node-b");
    await("the service provided by one node").atMost(Duration.ofSeconds(40)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last != null && group.service().map(ServiceStatus::owner).orElse("").equals(last.node())
          && group.status().map(s -> s.nodes().size()).orElse(0) == 2
          && group.nodes.values().stream().allMatch(n -> n.agentPid() > 0 && n.guardianPid() > 0);
    });
  }

  /** Stops every node, keeps their logs in target/it-logs/TEST, and checks what they left behind. */
  @AfterEach
  void stopAll(TestInfo test) throws IOException {
    Path keep = Path.of("target", "it-logs", test.getTestMethod().orElseThrow().getName());
    Files.createDirectories(keep);
    for (Group.Node n : group.nodes.values()) {
      if (Files.exists(n.log)) {
        Files.copy(n.log, keep.resolve(n.name + ".log"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    group.nodes.values().forEach(n -> {
      nodePids.add(n.agentPid());
      nodePids.add(n.guardianPid());
    });
    group.close();
    assertThat(group.epochLog().lives()).allSatisfy(l ->
        await("service pid " + l.pid() + " gone after its node").atMost(Duration.ofSeconds(5))
            .until(() -> !Processes.running(l.pid())));
    assertThat(nodePids).allSatisfy(pid ->
        await("agent or guardian pid " + pid + " gone").atMost(Duration.ofSeconds(5)).until(() -> !Processes.running(pid)));
    assertThat(group.epochLog().violations()).isEmpty();
  }

  @Test
  void sigkillOfTheAgentAloneIsRepairedByItsGuardianAndTheServiceKeepsItsPidAndEpoch() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long oldAgent = owner.agentPid();
    long guardian = owner.guardianPid();

    Group.signal(oldAgent, "KILL");

    await("a new agent, started by the same guardian").atMost(Duration.ofSeconds(20)).until(() ->
        owner.agentPid() != oldAgent && Processes.running(owner.agentPid()) && owner.status().isPresent());
    assertThat(ProcessHandle.of(owner.agentPid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(guardian);
    await("nothing moves for a whole lease").during(group.lease).atMost(group.lease.plusSeconds(10)).until(() ->
        Processes.running(before.pid()) && group.epochLog().firstAbove(before.epoch()) == null
            && group.service().map(s -> s.epoch() == before.epoch() && before.node().equals(s.owner())).orElse(false));
    assertThat(group.epochLog().last().pid()).isEqualTo(before.pid());
    // The event names the service's main process (its PID namespace's unshare), which started the
    // epoch log's writer: the same one before and after the restart.
    await("the restart recorded").atMost(Duration.ofSeconds(5)).until(() -> group.events().stream()
        .anyMatch(e -> e.type().equals("guardian.restarted-agent") && e.detail().contains("re-adopted session")
            && e.detail().contains(Group.SERVICE + " (pid ") && e.detail().contains("epoch " + before.epoch() + ")")));
  }

  @Test
  void anAgentRestartedWithItsMirrorDeletedReadoptsWhatItsGuardianHoldsAndNothingRunsTwice() throws IOException {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long oldAgent = owner.agentPid();

    Group.signal(oldAgent, "STOP"); // so that it does not write the mirror again
    Files.delete(owner.stateDir().resolve("agent-state.properties"));
    Group.signal(oldAgent, "KILL");

    await("a new agent").atMost(Duration.ofSeconds(20)).until(() ->
        owner.agentPid() > 0 && owner.agentPid() != oldAgent && owner.status().isPresent());
    await("nothing moves for a whole lease").during(group.lease).atMost(group.lease.plusSeconds(10)).until(() ->
        Processes.running(before.pid()) && group.epochLog().firstAbove(before.epoch()) == null
            && group.service().map(s -> s.epoch() == before.epoch() && before.node().equals(s.owner())).orElse(false));
    assertThat(group.epochLog().last().pid()).isEqualTo(before.pid());
    await("the re-adoption recorded").atMost(Duration.ofSeconds(5)).until(() -> group.events().stream()
        .anyMatch(e -> e.type().equals("guardian.restarted-agent") && e.detail().contains("re-adopted session")
            && e.detail().contains(Group.SERVICE + " (pid ") && e.detail().contains("epoch " + before.epoch() + ")")));
  }

  @Test
  void aPausedAgentsServiceIsKilledByTheGuardianBeforeTheLeaseEndsAndNeverRunsAgainAfterSigcont() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long agent = owner.agentPid();

    long stopped = System.nanoTime(); // the agent's last renewal was sent no later than this
    Group.signal(agent, "STOP");
    await("the service killed by the guardian").atMost(group.lease.plusSeconds(5)).pollInterval(Duration.ofMillis(10))
        .until(() -> !Processes.running(before.pid()));
    long gone = System.nanoTime();
    assertThat(Duration.ofNanos(gone - stopped)).as("killed before the lease could end").isLessThan(group.lease);
    await("a higher epoch on the other node").atMost(group.lease.plusSeconds(5))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());
    assertThat(after.node()).isNotEqualTo(before.node());

    // The agent stays paused until two leases after the STOP; meanwhile its node runs nothing.
    Duration restOfPause = group.lease.multipliedBy(2).minusNanos(System.nanoTime() - stopped);
    if (!restOfPause.isNegative()) {
      await("the paused node runs nothing until two leases after the STOP").during(restOfPause)
          .atMost(restOfPause.plus(group.lease)).until(() -> !Processes.running(before.pid())
              && group.epochLog().lives().stream().noneMatch(l -> l.node().equals(before.node()) && l.firstNanos() > before.lastNanos()));
    }
    Group.signal(agent, "CONT");

    await("the old agent back in the group").atMost(Duration.ofSeconds(20)).until(() ->
        owner.status().map(s -> s.nodes().stream().anyMatch(n -> n.name().equals(owner.name) && n.state().equals("alive")))
            .orElse(false));
    await("the new owner keeps running").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
        Processes.running(after.pid()) && group.epochLog().lives().stream()
            .noneMatch(l -> l.node().equals(before.node()) && l.firstNanos() > before.lastNanos()));
    assertThat(group.epochLog().lives()).filteredOn(l -> l.epoch() == before.epoch()).hasSize(1);
    assertThat(agent).isEqualTo(owner.agentPid());
    await("the kill recorded").atMost(Duration.ofSeconds(5)).until(() -> group.events().stream()
        .anyMatch(e -> e.type().equals("guardian.killed-services") && e.epoch() != null && e.epoch() == before.epoch()));
  }

  @Test
  void aPauseOfHalfTheLeaseMovesNothing() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long agent = owner.agentPid();

    long stopped = System.nanoTime();
    Group.signal(agent, "STOP");
    // The guardian waits for the fence deadline (lease - fence-margin after the last renewal): the
    // service runs through the whole pause.
    await("the service runs through a pause of half the lease")
        .during(group.lease.dividedBy(2).minusNanos(System.nanoTime() - stopped)).atMost(group.lease)
        .until(() -> Processes.running(before.pid()));
    Group.signal(agent, "CONT");

    await("nothing moves for a whole lease").during(group.lease).atMost(group.lease.plusSeconds(10)).until(() ->
        Processes.running(before.pid()) && group.epochLog().firstAbove(before.epoch()) == null);
    assertThat(group.events()).noneMatch(e -> e.type().equals("guardian.killed-services") || e.type().equals("node.fenced"));
  }

  @Test
  void sigkillOfAgentAndGuardianTogetherFailsOverAndLeavesNoServiceProcessBehind() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long agent = owner.agentPid();
    long guardian = owner.guardianPid();

    long killed = System.nanoTime();
    Group.signal(agent, "STOP");
    Group.signal(guardian, "STOP");
    Group.signal(agent, "KILL");
    Group.signal(guardian, "KILL");

    await("the old service process gone").atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
        .until(() -> !Processes.running(before.pid()));
    assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("service outlived its node").isLessThan(group.lease.dividedBy(2));
    await("a higher epoch running elsewhere").atMost(group.lease.plusSeconds(3))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    assertThat(group.epochLog().firstAbove(before.epoch()).node()).isNotEqualTo(before.node());
    assertThat(Processes.running(agent)).isFalse();
    assertThat(Processes.running(guardian)).isFalse();
  }

  @Test
  void whenTheGuardianIsKilledTheAgentStartsANewOneThatGuardsIt() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long agent = owner.agentPid();
    long oldGuardian = owner.guardianPid();

    Group.signal(oldGuardian, "KILL");

    await("a new guardian, started by the agent").atMost(Duration.ofSeconds(20)).until(() ->
        owner.guardianPid() != oldGuardian && Processes.running(owner.guardianPid()));
    long newGuardian = owner.guardianPid();
    assertThat(ProcessHandle.of(newGuardian).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(agent);
    assertThat(Processes.running(agent)).isTrue();
    // The services died with their guardian; the agent, still owning them, restarts them in place
    // (same epoch, the recovery ladder's first stage) through the new guardian.
    await("the service provided again").atMost(Duration.ofSeconds(30)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last.pid() != before.pid() && last.epoch() >= before.epoch() && Processes.running(last.pid());
    });

    // The new guardian does the old one's job: it restarts the agent when it dies.
    Group.signal(agent, "KILL");
    await("the agent restarted by the new guardian").atMost(Duration.ofSeconds(20)).until(() ->
        owner.agentPid() != agent && Processes.running(owner.agentPid()) && owner.status().isPresent());
    assertThat(ProcessHandle.of(owner.agentPid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid)).contains(newGuardian);
  }

  @Test
  void sigtermToTheLauncherStopsTheWholeNodeAndExitsZero() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    long agent = owner.agentPid();
    long guardian = owner.guardianPid();

    owner.terminate();

    assertThat(owner.process.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(owner.process.exitValue()).as(owner.logText()).isZero();
    assertThat(Processes.running(agent)).isFalse();
    assertThat(Processes.running(guardian)).isFalse();
    assertThat(Processes.running(before.pid())).isFalse();
    await("a higher epoch on the other node").atMost(Duration.ofSeconds(3))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    List<Event> events = group.events();
    assertThat(events).noneMatch(e -> e.type().startsWith("guardian."));
  }
}
