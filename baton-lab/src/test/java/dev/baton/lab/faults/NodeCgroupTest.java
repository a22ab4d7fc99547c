package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The node cgroups of the fault suite, on this machine's real hierarchies (root, as CI runs): v1 where
 * its controllers are mounted, and v2 through the unified hierarchy (on a hybrid machine as this one
 * the v2 freezer is reachable too; the v2 cpu controller only where v1 does not hold it).
 */
class NodeCgroupTest {
  private static final Duration WINDOW = Duration.ofSeconds(3);
  private static final Duration FROZEN_WINDOW = Duration.ofMillis(500);
  /** A leader that forks a busy worker and is busy itself: a service's process tree. */
  private static final List<String> TREE = List.of("sh", "-c", "sh -c 'while :; do :; done' & while :; do :; done");

  @Test
  void mountinfoNamesTheV1FreezerAndCpuHierarchiesAndTheV2One() {
    NodeCgroup.Mounts m = NodeCgroup.Mounts.parse(List.of(
        "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
        "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct",
        "32 30 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
        "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
        "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate"));
    assertThat(m).isEqualTo(new NodeCgroup.Mounts(Path.of("/sys/fs/cgroup/freezer"), Path.of("/sys/fs/cgroup/cpu,cpuacct"),
        Path.of("/sys/fs/cgroup/unified")));
    assertThat(NodeCgroup.Mounts.parse(List.of("25 21 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2"
        + " cgroup2 rw,nsdelegate,memory_recursiveprot")))
        .isEqualTo(new NodeCgroup.Mounts(null, null, Path.of("/sys/fs/cgroup")));
  }

  @Test
  void theV1FreezerStopsTheWholeTreeAndThawingLetsItRun() throws Exception {
    NodeCgroup.Mounts m = NodeCgroup.Mounts.read();
    assumeTrue(Processes.isRoot() && m.freezerV1() != null, "needs root and the cgroup-v1 freezer");
    freezesTheWholeTree(NodeCgroup.create("baton-test-" + UUID.randomUUID(), new NodeCgroup.Mounts(m.freezerV1(), null, null)),
        "freezer.state");
  }

  @Test
  void theV2FreezerStopsTheWholeTreeAndThawingLetsItRun() throws Exception {
    NodeCgroup.Mounts m = NodeCgroup.Mounts.read();
    assumeTrue(Processes.isRoot() && m.unified() != null, "needs root and a cgroup-v2 hierarchy");
    freezesTheWholeTree(NodeCgroup.create("baton-test-" + UUID.randomUUID(), new NodeCgroup.Mounts(null, null, m.unified())),
        "cgroup.freeze");
  }

  private static void freezesTheWholeTree(NodeCgroup cgroup, String control) throws Exception {
    assertThat(cgroup.path().resolve(control)).exists();
    Process leader = null;
    try {
      List<String> command = new ArrayList<>(cgroup.launchPrefix());
      command.addAll(TREE);
      leader = new ProcessBuilder(command).start();
      ProcessHandle handle = leader.toHandle();
      await().atMost(Duration.ofSeconds(10)).until(() -> handle.children().count() == 1);
      ProcessHandle worker = handle.children().findFirst().orElseThrow();
      cgroup.requireHolds("the test tree", List.of(handle.pid(), worker.pid()));

      cgroup.freeze();
      Duration leaderFrozen = cpuDuring(handle, FROZEN_WINDOW);
      Duration workerFrozen = cpuDuring(worker, FROZEN_WINDOW);
      cgroup.thaw();
      Duration workerThawed = cpuDuring(worker, FROZEN_WINDOW);

      assertThat(leaderFrozen).as("the leader's CPU time while frozen").isLessThan(Duration.ofMillis(20));
      assertThat(workerFrozen).as("the worker's CPU time while frozen").isLessThan(Duration.ofMillis(20));
      assertThat(workerThawed).as("the worker's CPU time once thawed").isGreaterThan(Duration.ofMillis(50));
      assertThatThrownBy(() -> cgroup.requireHolds("this JVM", List.of(ProcessHandle.current().pid())))
          .hasMessageContaining("is not in the node's cgroup");
    } finally {
      cgroup.close();
    }
    assertThat(leader.isAlive()).as("close kills what still runs in the node's cgroups").isFalse();
    assertThat(Files.exists(cgroup.path())).isFalse();
  }

  @Test
  void aCpuQuotaSlowsEveryProcessOfTheNodeAndLiftingItGivesTheCpuBack() throws Exception {
    String why = NodeCgroup.cpuUnavailable(Processes.isRoot());
    assumeTrue(why == null && NodeCgroup.unavailable(Processes.isRoot()) == null, why);
    NodeCgroup cgroup = NodeCgroup.create("baton-test-" + UUID.randomUUID());
    Process busy = null;
    try {
      List<String> command = new ArrayList<>(cgroup.launchPrefix());
      command.addAll(List.of("sh", "-c", "while :; do :; done"));
      busy = new ProcessBuilder(command).start();
      ProcessHandle handle = busy.toHandle();

      cgroup.limitCpu(0.02);
      Duration starved = cpuDuring(handle, WINDOW);
      cgroup.unlimitCpu();
      Duration free = cpuDuring(handle, WINDOW);

      // 2% of a CPU is 60 ms in the window; unlimited, a busy loop gets a good share of a core even
      // on a loaded machine. Generous bounds: the behaviour, not the timing, is under test.
      assertThat(starved).as("CPU time under a 0.02 CPU quota in %s", WINDOW).isLessThan(Duration.ofMillis(300));
      assertThat(free).as("CPU time with the quota lifted in %s", WINDOW).isGreaterThan(Duration.ofMillis(300));
    } finally {
      cgroup.close();
    }
    assertThat(busy.isAlive()).as("close kills what still runs in the node's cgroups").isFalse();
    assertThat(Files.exists(cgroup.path())).isFalse();
    assertThat(Files.exists(cgroup.cpuPath())).isFalse();
  }

  private static Duration cpuDuring(ProcessHandle handle, Duration window) throws InterruptedException {
    Duration before = handle.info().totalCpuDuration().orElseThrow();
    Thread.sleep(window.toMillis());
    return handle.info().totalCpuDuration().orElseThrow().minus(before);
  }
}
