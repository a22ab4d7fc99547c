package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hot-backup pair of two real nodes on this machine, no shared store: node-a starts as the live
 * member and provides the service (rank 1), node-b starts with {@code -b}. Heartbeat every 200 ms,
 * five missed make the backup go live (1 s). The epoch log is checked after every test: never two
 * processes of the service at once, epochs only growing.
 */
class PairIT {
  private static final Duration SILENCE = Duration.ofSeconds(1);

  @TempDir Path dir;
  Group group;
  int portA;
  int portB;

  @BeforeEach
  void pair() throws IOException {
    Path key = Files.writeString(dir.resolve("pair.key"), "the key of the pair of this test\n");
    group = Group.onStore(dir, "pair://127.0.0.1:0?key-file=" + key, Duration.ofMillis(200), SILENCE);
    portA = group.freePort();
    portB = group.freePort();
    member("node-a", portA, portB, 1);
    member("node-b", portB, portA, 2);
    group.nodes.get("node-b").args = List.of("-b");
  }

  private void member(String name, int listen, int peer, int rank) {
    Group.Node node = group.nodes.computeIfAbsent(name, n -> group.new Node(n, group.freePort()));
    node.storeYaml = String.join("\n",
        "store: pair://127.0.0.1:" + peer,
        "pair:",
        "  listen: 127.0.0.1:" + listen,
        "  key-file: " + dir.resolve("pair.key"));
    node.serviceYaml = "    rank: " + rank;
  }

  @AfterEach
  void stopAndCheckTheHistory() {
    group.close();
    assertThat(group.epochLog().violations()).isEmpty();
  }

  private void startBoth() throws IOException {
    group.start("node-a");
    await("node-a live and providing").atMost(Duration.ofSeconds(60)).until(() -> lastLifeOn("node-a"));
    group.start("node-b");
    await("node-b the backup").atMost(Duration.ofSeconds(60)).until(() ->
        group.nodes.get("node-b").logText().contains("joins as the backup")
        && group.status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count() == 2)
            .orElse(false));
  }

  /** What {@code node}'s whiteboard says of its pair member. */
  private String pairLine(String node) {
    return group.nodes.get(node).status().map(s -> s.store()).orElse("");
  }

  private boolean lastLifeOn(String node) {
    EpochLog.Life last = group.epochLog().last();
    return last != null && last.node().equals(node);
  }

  @Test
  void whenTheLiveNodeIsKilledTheBackupProvidesTheServiceAtAHigherEpoch() throws IOException {
    startBoth();
    EpochLog.Life before = group.epochLog().last();
    assertThat(pairLine("node-a")).contains("is live at term 1; its backup 127.0.0.1:" + portB + " answers heartbeats");
    assertThat(pairLine("node-b")).contains("is the backup at term 1; last heartbeat from the live member");

    long killedAt = System.currentTimeMillis();
    group.nodes.get("node-a").killNode();

    await("node-b providing").atMost(Duration.ofSeconds(15)).until(() -> lastLifeOn("node-b"));
    EpochLog.Life after = group.epochLog().last();
    assertThat(after.epoch()).isGreaterThan(before.epoch());
    System.out.printf("pair failover: node-b's service ran %d ms after node-a was killed (interval 200ms x 5)%n",
        after.firstNanos() / 1_000_000 - killedAt);
    assertThat(group.nodes.get("node-b").logText()).contains("is live at term 2");
    assertThat(pairLine("node-b")).contains("is live at term 2; its backup 127.0.0.1:" + portA
        + " does not answer heartbeats; no witness");
  }

  @Test
  void whenTheBackupIsKilledNothingMoves() throws IOException {
    startBoth();
    EpochLog.Life running = group.epochLog().last();

    group.nodes.get("node-b").killNode();

    await("node-b lost").atMost(Duration.ofSeconds(15)).until(() -> group.status().map(s ->
        s.nodes().stream().anyMatch(n -> n.name().equals("node-b") && n.state().equals("lost"))).orElse(false));
    await("the service stays where it runs").during(SILENCE.multipliedBy(3)).atMost(Duration.ofSeconds(10))
        .until(() -> {
          EpochLog.Life last = group.epochLog().last();
          return last.pid() == running.pid() && last.epoch() == running.epoch();
        });
  }

  @Test
  void theOldLiveNodeComingBackJoinsAsTheBackupAndNeverRunsTheServiceAtTheSameTime() throws IOException {
    startBoth();
    group.nodes.get("node-a").killNode();
    await("node-b providing").atMost(Duration.ofSeconds(15)).until(() -> lastLifeOn("node-b"));
    EpochLog.Life onB = group.epochLog().last();

    group.start("node-a");

    await("node-a the backup").atMost(Duration.ofSeconds(60)).until(() ->
        group.nodes.get("node-a").logText().contains("joins as the backup at term 2")
        && group.status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count() == 2)
            .orElse(false));
    await("the service stays on node-b").during(SILENCE.multipliedBy(3)).atMost(Duration.ofSeconds(10))
        .until(() -> {
          EpochLog.Life last = group.epochLog().last();
          return last.pid() == onB.pid() && last.epoch() == onB.epoch();
        });
  }
}
