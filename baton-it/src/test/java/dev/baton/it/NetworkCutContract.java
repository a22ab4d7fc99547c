package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.api.ServiceStatus;
import dev.baton.lab.faults.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent cut off from the store by the network (docs/reliability.md, "agent cut from store" and
 * "one-way cut"): three real nodes, each in a network namespace of its own on a veth pair, sharing
 * a store that listens on an address of the run's private network; a cut is an nftables table in
 * one node's namespace. Needs root, iproute2 and nftables, as CI has. Each store's subclass starts
 * its server on {@link #net} and gives every test a fresh store URL.
 */
abstract class NetworkCutContract {
  static final Duration HEARTBEAT = Duration.ofMillis(500);
  static final Duration LEASE = Duration.ofSeconds(3);

  static Netns net;
  private static Path serverDir;
  private static AutoCloseable server;
  private static Thread cleanUpOnExit;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir;
  Group group;

  /**
   * Builds the private network, or skips the class where it cannot be built, and returns a fresh
   * directory for the store's server; the server, once given to {@link #serverStarted}, is stopped
   * and the network removed after the class, or when the JVM exits.
   */
  static Path buildTheNetwork(String serverDirPrefix) throws IOException {
    String reason = Netns.unavailableReason();
    assumeTrue(reason == null, reason);
    net = Netns.create();
    serverDir = Files.createTempDirectory(serverDirPrefix);
    cleanUpOnExit = new Thread(NetworkCutContract::stopTheServerAndRemoveTheNetwork, "baton-it-net-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    return serverDir;
  }

  static void serverStarted(AutoCloseable theServer) {
    server = theServer;
  }

  @AfterAll
  static void stopTheStoreAndRemoveTheNetwork() throws IOException {
    if (cleanUpOnExit == null) {
      return;
    }
    try {
      stopTheServerAndRemoveTheNetwork();
    } finally {
      Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
      cleanUpOnExit = null;
      PostgresFailoverIT.deleteTree(serverDir);
    }
  }

  private static void stopTheServerAndRemoveTheNetwork() {
    try {
      if (server != null) {
        server.close();
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot stop the store's server", e);
    } finally {
      server = null;
      net.close();
    }
  }

  /** A store URL, on the network's store address, that no other test uses. */
  abstract String freshStoreUrl() throws Exception;

  @BeforeEach
  void startThreeNodesInNamespaces() throws Exception {
    group = Group.onStore(dir, freshStoreUrl(), HEARTBEAT, LEASE);
    for (String n : new String[] {"node-a", "node-b", "node-c"}) {
      group.start(n, net.addHost(), Map.of());
    }
    await("the service provided by one node, three nodes alive").atMost(Duration.ofSeconds(60))
        .until(() -> group.providedWithNodesAlive(3));
  }

  @AfterEach
  void stopAllAndCheckTheHistory() {
    group.nodes.values().forEach(n -> net.heal(n.host));
    FailoverContract.closeAndCheckTheHistory(group);
  }

  @Test
  void ownerCutBothWaysStopsItsServiceBeforeTheLeaseEndsAndAnotherNodeTakesOverWithAHigherEpoch() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    net.cut(owner.host, Netns.Cut.BOTH_WAYS);
    // Every renewal that reached the store was sent before the cut: the owner's lease ends by cut + lease.
    long cut = System.nanoTime();

    await("the cut owner's service stopped").atMost(LEASE.plusSeconds(5)).until(() -> !Processes.running(before.pid()));
    long stopped = System.nanoTime();
    assertThat(Duration.ofNanos(stopped - cut)).as("service stopped after the cut").isLessThan(LEASE);
    await("a higher epoch on another node").atMost(LEASE.multipliedBy(2).plusSeconds(10))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    EpochLog.Life next = group.epochLog().firstAbove(before.epoch());
    assertThat(next.node()).isNotEqualTo(before.node());
    assertThat(next.firstNanos()).as("the new epoch's first write after the old process stopped")
        .isGreaterThan(before.lastNanos());

    net.heal(owner.host);
    Group.Node newOwner = group.nodes.get(next.node());
    await("the healed node alive again, not providing").atMost(Duration.ofSeconds(30)).until(() ->
        newOwner.status().map(s -> s.nodes().stream().anyMatch(n -> n.name().equals(owner.name) && n.state().equals("alive")))
            .orElse(false));
    assertThat(newOwner.status().flatMap(s -> s.services().stream().filter(x -> x.name().equals(Group.SERVICE)).findFirst())
        .map(ServiceStatus::owner)).contains(next.node());
  }

  @Test
  void ownerWhoseRepliesAreDroppedFencesItselfStopsRenewingAndIsTakenOver() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    // Its renewals still reach the store and commit; only the answers are lost. The agent must
    // stop renewing once it has fenced itself, or nobody could ever take the service over.
    net.cut(owner.host, Netns.Cut.REPLIES);

    await("the cut owner's service stopped").atMost(LEASE.plusSeconds(5)).until(() -> !Processes.running(before.pid()));
    await("a higher epoch on another node").atMost(LEASE.multipliedBy(3).plusSeconds(10))
        .until(() -> group.epochLog().firstAbove(before.epoch()) != null);
    EpochLog.Life next = group.epochLog().firstAbove(before.epoch());
    assertThat(next.node()).isNotEqualTo(before.node());
    assertThat(next.firstNanos()).isGreaterThan(before.lastNanos());
  }

  @Test
  void nonOwnerCutFromTheStoreMovesNothing() {
    EpochLog.Life before = group.epochLog().last();
    Group.Node other = group.nodes.values().stream().filter(n -> !n.name.equals(before.node())).findFirst().orElseThrow();
    net.cut(other.host, Netns.Cut.BOTH_WAYS);
    Group.Node owner = group.nodes.get(before.node());
    await("the cut node seen lost by the owner").atMost(LEASE.plusSeconds(10)).until(() ->
        owner.status().map(s -> s.nodes().stream().anyMatch(n -> n.name().equals(other.name) && n.state().equals("lost")))
            .orElse(false));
    assertThat(group.epochLog().last()).as("the owner's process keeps running, same epoch")
        .satisfies(l -> assertThat(l.epoch()).isEqualTo(before.epoch()))
        .satisfies(l -> assertThat(l.pid()).isEqualTo(before.pid()));
    assertThat(Processes.running(before.pid())).isTrue();
  }
}
