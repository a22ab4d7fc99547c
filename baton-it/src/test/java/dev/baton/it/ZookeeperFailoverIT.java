package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.lab.local.LocalZooKeeper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three real agent processes on a three-server ZooKeeper ensemble of server processes (100ms tick):
 * the owner's agent is killed, one server is SIGKILLed (the owner's, and the leader), two servers are
 * killed, and the quorum comes back. Each test runs its group under a chroot of its own and leaves
 * all three servers running.
 *
 * <p>Heartbeat 500ms, lease 5s (so a ZooKeeper session timeout of 5s). The lease must outlast the
 * ensemble's own failover: after losing its server, a ZooKeeper client waits up to a second at
 * random before each reconnection attempt, and a new leader must be elected first when the leader
 * died. With a 3s lease an owner fences at 2s after the last renewal it sent, which can be up to
 * a heartbeat before the loss; a leader loss was seen to take 1.3s to reconnect, and the owner
 * fenced. 5s leaves 3.3s.
 */
class ZookeeperFailoverIT extends FailoverContract {
  private static final Duration HEARTBEAT = Duration.ofMillis(500);
  private static final Duration LEASE = Duration.ofSeconds(5);
  /** After the quorum returns: a new leader (well under a second at a 100ms tick), then at most the lease. */
  private static final Duration RECOVERY_AFTER_QUORUM = LEASE.plusSeconds(5);
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static Ensemble ensemble;

  private final String chroot = "it-" + UUID.randomUUID();

  @BeforeAll
  static void startEnsemble() throws Exception {
    ensemble = Ensemble.start();
  }

  @AfterAll
  static void stopEnsemble() throws Exception {
    if (ensemble != null) {
      ensemble.close();
    }
  }

  @Override
  Group newGroup(Path dir) throws Exception {
    return Group.onStore(dir, ensemble.url(chroot), HEARTBEAT, LEASE);
  }

  /** Runs before the contract's checks: the agents stop gracefully with all servers back. */
  @AfterEach
  void restoreTheEnsemble() throws Exception {
    ensemble.restartKilled();
    await("all three servers serve again").atMost(WAIT).until(ensemble::allServe);
  }

  @Test
  void losingTheServerTheOwnerIsConnectedToMovesNothingForThreeLeases() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    ensemble.kill(ensemble.serverOf(chroot, "it", before.node()));
    assertNothingMovesForThreeLeases(before);
  }

  @Test
  void losingTheLeaderMovesNothingForThreeLeases() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    ensemble.kill(ensemble.leader());
    assertNothingMovesForThreeLeases(before);
  }

  /**
   * The owner stays connected to the one server left (the hard case: that server must notice
   * that it has no quorum), the two others die. The owner has fenced itself within the lease.
   */
  @Test
  void losingTwoServersOfThreeFencesTheOwnerWithinTheLeaseAndNothingRunsWithoutAQuorum() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    long lostAt = killAllButTheOwnersServer(before.node());

    await("the owner's service fenced").atMost(group.lease.plusSeconds(5)).pollInterval(Duration.ofMillis(20))
        .until(() -> !Processes.running(before.pid()));
    long fencedAt = System.nanoTime();
    assertThat(Duration.ofNanos(fencedAt - lostAt)).as("from the loss of the quorum to the service gone")
        .isLessThanOrEqualTo(group.lease);

    await("no service process while the quorum is gone").during(group.lease.multipliedBy(2))
        .atMost(group.lease.multipliedBy(2).plusSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> group.epochLog().lives().stream().noneMatch(l -> Processes.running(l.pid()))
            && group.epochLog().firstAbove(before.epoch()) == null);
    assertThat(group.nodes.values()).as("agents alive (fenced, not crashed)").allMatch(Group.Node::alive);
  }

  @Test
  void afterTheQuorumReturnsTheServiceIsProvidedAgainWithAHigherEpochWithinLeasePlusFiveSeconds() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    killAllButTheOwnersServer(before.node());
    await("the owner's service fenced").atMost(group.lease.plusSeconds(5)).until(() -> !Processes.running(before.pid()));

    long restartedAt = System.nanoTime();
    ensemble.restartKilled();
    await("a higher epoch running").atMost(RECOVERY_AFTER_QUORUM).pollInterval(Duration.ofMillis(20))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    long providedAt = System.nanoTime();
    EpochLog.Life after = group.epochLog().firstAbove(before.epoch());

    assertThat(after.epoch()).isGreaterThan(before.epoch());
    assertThat(Duration.ofNanos(providedAt - restartedAt)).isLessThanOrEqualTo(RECOVERY_AFTER_QUORUM);
    await("the whiteboard shows the new owner, all three nodes alive").atMost(WAIT).until(() ->
        group.service().map(s -> s.epoch() == after.epoch() && after.node().equals(s.owner())).orElse(false)
            && group.status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count()).orElse(0L) == 3);
  }

  /** Kills the two servers that {@code owner}'s agent is not connected to; returns when the second kill began. */
  private long killAllButTheOwnersServer(String owner) throws Exception {
    LocalZooKeeper.Server kept = ensemble.serverOf(chroot, "it", owner);
    List<LocalZooKeeper.Server> others = ensemble.servers().stream().filter(s -> !s.equals(kept)).toList();
    ensemble.kill(others.get(0));
    long lostAt = System.nanoTime();
    ensemble.kill(others.get(1));
    return lostAt;
  }

  private void assertNothingMovesForThreeLeases(EpochLog.Life before) {
    await("the owner's service keeps running and no other epoch starts").during(group.lease.multipliedBy(3))
        .atMost(group.lease.multipliedBy(3).plusSeconds(5)).pollInterval(Duration.ofMillis(50))
        .until(() -> Processes.running(before.pid()) && group.epochLog().firstAbove(before.epoch()) == null);
    await("the whiteboard shows the same owner and epoch, all three nodes alive").atMost(WAIT).until(() ->
        group.service().map(s -> s.epoch() == before.epoch() && before.node().equals(s.owner())).orElse(false)
            && group.status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count()).orElse(0L) == 3);
    assertThat(group.epochLog().lives()).as("service processes").hasSize(1);
  }
}
