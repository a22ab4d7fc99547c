package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ServiceStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Services with {@code instances} on three real nodes (SQLite): each instance writes an epoch log
 * of its own ({@code epochs-<instance>.log}), checked after every test for two processes of one
 * instance at once; and no node ever runs two instances of the service at once.
 */
class InstancesIT {
  private static final List<String> NODES = List.of("node-a", "node-b", "node-c");

  @TempDir Path dir;
  Group group;

  /** Three nodes that each provide {@code web} with {@code instances}, and not the group's usual service. */
  private void startThreeNodes(String instances) throws IOException {
    group = Group.sqlite(dir);
    for (String name : NODES) {
      Group.Node node = group.nodes.computeIfAbsent(name, n -> group.new Node(n, group.freePort()));
      node.providesService = false;
      node.moreServicesYaml = String.join("\n",
          "  web:",
          "    instances: " + instances,
          "    command: [sh, -c, 'EPOCH_LOG=" + dir + "/epochs-$BATON_SERVICE.log exec " + dir.resolve("epoch-writer.sh") + "']",
          "    stop-timeout: 2s");
      group.start(name);
    }
  }

  @AfterEach
  void stopAllAndCheckTheHistory() {
    if (group == null) {
      return;
    }
    group.close();
    List<EpochLog.Life> all = new ArrayList<>();
    for (String instance : List.of("web@1", "web@2", "web@node-a", "web@node-b", "web@node-c")) {
      EpochLog log = log(instance);
      assertThat(log.violations()).as(instance).isEmpty();
      all.addAll(log.lives());
    }
    for (EpochLog.Life a : all) {
      for (EpochLog.Life b : all) {
        boolean overlap = a.pid() != b.pid() && a.node().equals(b.node())
            && a.firstNanos() <= b.lastNanos() && b.firstNanos() <= a.lastNanos();
        assertThat(overlap).as("two instances at once on one node: " + a + " and " + b).isFalse();
      }
    }
  }

  @Test
  void instancesAllRunsOneInstanceOnEveryNodeAndRunsItAgainWhenItsNodeIsBack() throws Exception {
    startThreeNodes("all");
    await("an instance running on every node").atMost(Duration.ofSeconds(60)).until(() ->
        NODES.stream().allMatch(n -> ownedAndRunningAt("web@" + n, n)));
    Map<String, Long> pids = new TreeMap<>();
    NODES.forEach(n -> pids.put(n, log("web@" + n).last().pid()));
    long epochB = log("web@node-b").last().epoch();

    group.nodes.get("node-b").killNode();
    await("node-b lost and its instance owned by nobody").atMost(group.lease.plusSeconds(10)).until(() ->
        group.status().map(s -> s.nodes().stream().anyMatch(n -> n.name().equals("node-b") && n.state().equals("lost")))
            .orElse(false)
        && instance("web@node-b").map(s -> s.owner() == null).orElse(false));

    // Two remain, the very processes from before; nothing took node-b's instance over.
    assertThat(ownedAndRunningAt("web@node-a", "node-a")).isTrue();
    assertThat(ownedAndRunningAt("web@node-c", "node-c")).isTrue();
    assertThat(log("web@node-a").lives()).extracting(EpochLog.Life::pid).containsExactly(pids.get("node-a"));
    assertThat(log("web@node-c").lives()).extracting(EpochLog.Life::pid).containsExactly(pids.get("node-c"));
    assertThat(log("web@node-b").lives()).extracting(EpochLog.Life::pid).containsExactly(pids.get("node-b"));

    group.start("node-b");
    await("node-b runs its instance again, with a higher epoch").atMost(Duration.ofSeconds(60)).until(() ->
        log("web@node-b").firstAbove(epochB) != null && ownedAndRunningAt("web@node-b", "node-b"));
    assertThat(log("web@node-b").firstAbove(epochB).node()).isEqualTo("node-b");
    assertThat(log("web@node-a").lives()).hasSize(1);
    assertThat(log("web@node-c").lives()).hasSize(1);
  }

  @Test
  void instancesTwoRunOnTwoNodesAndTheThirdTakesOverTheInstanceOfAKilledOwner() throws Exception {
    startThreeNodes("2");
    await("two instances running, each on another node").atMost(Duration.ofSeconds(60)).until(() ->
        ownedAndRunning("web@1") && ownedAndRunning("web@2"));
    EpochLog.Life one = log("web@1").last();
    EpochLog.Life two = log("web@2").last();
    assertThat(one.node()).isNotEqualTo(two.node());
    String third = NODES.stream().filter(n -> !n.equals(one.node()) && !n.equals(two.node())).findFirst().orElseThrow();

    group.nodes.get(one.node()).killNode();
    await("web@1 running again, with a higher epoch").atMost(group.lease.plusSeconds(10)).until(() ->
        log("web@1").firstAbove(one.epoch()) != null && ownedAndRunning("web@1"));
    EpochLog.Life after = log("web@1").firstAbove(one.epoch());
    assertThat(after.node()).isEqualTo(third);
    assertThat(log("web@2").lives()).extracting(EpochLog.Life::pid).containsExactly(two.pid());
  }

  private EpochLog log(String instance) {
    return new EpochLog(dir.resolve("epochs-" + instance + ".log"));
  }

  private Optional<ServiceStatus> instance(String name) {
    return group.status().flatMap(s -> s.services().stream().filter(x -> x.name().equals(name)).findFirst());
  }

  /** Whether the whiteboard names the last writer of {@code instance}'s log as its owner. */
  private boolean ownedAndRunning(String instance) {
    EpochLog.Life last = log(instance).last();
    return last != null && ownedAndRunningAt(instance, last.node());
  }

  private boolean ownedAndRunningAt(String instance, String node) {
    EpochLog.Life last = log(instance).last();
    return last != null && last.node().equals(node) && Processes.running(last.pid())
        && instance(instance).map(s -> node.equals(s.owner()) && last.epoch() == s.epoch()).orElse(false);
  }
}
