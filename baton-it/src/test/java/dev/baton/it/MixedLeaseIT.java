package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.NodeStatus;
import dev.baton.api.ServiceStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes with different leases on one SQLite file (docs/design.md, "a claimant waits out the
 * whole lease"): the owner has a lease of 10 s, the other node 3 s. The owner fences itself by its
 * own lease, so the other node must wait for it, not for its own 3 s.
 */
class MixedLeaseIT {
  static final Duration HEARTBEAT = Duration.ofMillis(500);
  static final Duration LONG_LEASE = Duration.ofSeconds(10);
  static final Duration SHORT_LEASE = Duration.ofSeconds(3);

  @TempDir Path dir;
  Group group;
  Group.Node owner;
  Group.Node other;
  final List<Long> nodePids = new ArrayList<>();

  @BeforeEach
  void startTheLongLeaseOwnerThenTheShortLeaseNode() throws Exception {
    group = Group.sqlite(dir);
    owner = group.start("node-long", HEARTBEAT, LONG_LEASE);
    await("the service provided by the long-lease node").atMost(Duration.ofSeconds(40)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last != null && last.node().equals(owner.name)
          && group.service().map(ServiceStatus::owner).orElse("").equals(owner.name);
    });
    other = group.start("node-short", HEARTBEAT, SHORT_LEASE);
    await("both nodes alive, seen by the new one").atMost(Duration.ofSeconds(40)).until(() ->
        other.status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count() == 2).orElse(false)
            && owner.agentPid() > 0 && owner.guardianPid() > 0);
  }

  @AfterEach
  void stopAll(TestInfo test) throws IOException {
    Path keep = Path.of("target", "it-logs", getClass().getSimpleName(), test.getTestMethod().orElseThrow().getName());
    Files.createDirectories(keep);
    for (Group.Node n : group.nodes.values()) {
      if (Files.exists(n.log)) {
        Files.copy(n.log, keep.resolve(n.name + ".log"), StandardCopyOption.REPLACE_EXISTING);
      }
      nodePids.add(n.agentPid());
      nodePids.add(n.guardianPid());
    }
    group.close();
    assertThat(group.epochLog().lives()).allSatisfy(l ->
        await("service pid " + l.pid() + " gone after its node").atMost(Duration.ofSeconds(5))
            .until(() -> !Processes.running(l.pid())));
    assertThat(nodePids).allSatisfy(pid ->
        await("agent or guardian pid " + pid + " gone").atMost(Duration.ofSeconds(5)).until(() -> !Processes.running(pid)));
    assertThat(group.epochLog().violations()).isEmpty();
  }

  @Test
  void everyNodeShowsTheLeaseItsSessionRuns() {
    Map<String, String> leases = other.status().orElseThrow().nodes().stream()
        .collect(Collectors.toMap(NodeStatus::name, NodeStatus::lease));
    assertThat(leases).containsExactlyInAnyOrderEntriesOf(Map.of(owner.name, "10s", other.name, "3s"));
  }

  @Test
  void anAgentRestartedByItsGuardianWithALongerLeaseOpensANewSessionInsteadOfReadoptingItsOld() throws Exception {
    long agent = other.agentPid();
    long guardian = other.guardianPid();
    // The operator raises the node's lease in its config; its agent dies and its guardian restarts
    // it with the new config. Peers judge the old session by the 3 s recorded with it, while the
    // new agent would fence by 10 s: it must not carry on with that session.
    other.lease = LONG_LEASE;
    other.writeConfig();
    Group.signal(agent, "KILL");

    await("the node back with a session of lease 10s").atMost(LONG_LEASE.plusSeconds(30)).until(() ->
        other.agentPid() != agent && other.status().map(s -> s.nodes().stream()
            .anyMatch(n -> n.name().equals(other.name) && n.state().equals("alive") && "10s".equals(n.lease())))
            .orElse(false));
    assertThat(other.guardianPid()).as("restarted by the same guardian").isEqualTo(guardian);
    await("the restart recorded").atMost(Duration.ofSeconds(5)).until(() -> group.events().stream()
        .anyMatch(e -> e.type().equals("guardian.restarted-agent") && e.detail().contains("opened with lease 3s")));
  }

  @Test
  void aPausedOwnerWithTheLongerLeaseIsTakenOverOnlyAfterItsGuardianKilledItsService() {
    EpochLog.Life before = group.epochLog().last();
    long agent = owner.agentPid();
    long guardian = owner.guardianPid();

    // The whole node stops: agent and guardian. Its service runs on, and the owner's last renewal
    // was sent no later than now.
    long stoppedWall = System.currentTimeMillis() * 1_000_000;
    Group.signal(agent, "STOP");
    Group.signal(guardian, "STOP");

    // Past the short lease (and a heartbeat and a claim): the other node must still wait, since
    // the owner's lease is 10 s.
    await("no takeover within the other node's own lease").during(SHORT_LEASE.plusSeconds(2))
        .atMost(SHORT_LEASE.plusSeconds(4))
        .until(() -> group.epochLog().firstAbove(before.epoch()) == null);
    assertThat(Processes.running(before.pid())).as("the owner's service still runs: nobody killed it yet").isTrue();

    // The guardian wakes up with the fence deadline still ahead (lease - fence-margin/2 = 8.3 s
    // after the last renewal) and kills the service then.
    Group.signal(guardian, "CONT");
    await("the owner's service killed by its guardian").atMost(LONG_LEASE.plusSeconds(5))
        .pollInterval(Duration.ofMillis(10)).until(() -> !Processes.running(before.pid()));
    await("a higher epoch on the other node").atMost(LONG_LEASE.plusSeconds(10))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);

    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());
    assertThat(after.node()).isEqualTo(other.name);
    assertThat(after.firstNanos()).as("started after the old service's last line").isGreaterThan(before.lastNanos());
    // The other node first saw the owner's last counter no earlier than a heartbeat before the
    // pause, and waited the owner's 10 s from then: not its own 3 s.
    assertThat(Duration.ofNanos(after.firstNanos() - stoppedWall)).as("takeover after the pause")
        .isGreaterThanOrEqualTo(LONG_LEASE.minus(HEARTBEAT).minusMillis(100));
    assertThat(group.epochLog().violations()).isEmpty();
    Group.signal(agent, "CONT");
  }
}
