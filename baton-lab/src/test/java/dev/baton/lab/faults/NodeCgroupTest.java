package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The node cgroups of the fault suite, on this machine's real cgroup-v1 hierarchies (root, as CI runs). */
class NodeCgroupTest {
  private static final Duration WINDOW = Duration.ofSeconds(3);

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
      Duration starved = cpuDuring(handle);
      cgroup.unlimitCpu();
      Duration free = cpuDuring(handle);

      // 2% of a CPU is 60 ms in the window; unlimited, a busy loop gets a good share of a core even
      // on a loaded machine. Generous bounds: the behaviour, not the timing, is under test.
      assertThat(starved).as("CPU time under a 0.02 CPU quota in %s", WINDOW).isLessThan(Duration.ofMillis(300));
      assertThat(free).as("CPU time with the quota lifted in %s", WINDOW).isGreaterThan(Duration.ofMillis(300));
    } finally {
      cgroup.close();
    }
    assertThat(busy.isAlive()).as("close kills what still runs in the node's cgroups").isFalse();
    assertThat(Files.exists(cgroup.path())).isFalse();
    assertThat(Files.exists(NodeCgroup.CPU_ROOT.resolve(cgroup.path().getFileName()))).isFalse();
  }

  private static Duration cpuDuring(ProcessHandle handle) throws InterruptedException {
    Duration before = handle.info().totalCpuDuration().orElseThrow();
    Thread.sleep(WINDOW.toMillis());
    return handle.info().totalCpuDuration().orElseThrow().minus(before);
  }
}
