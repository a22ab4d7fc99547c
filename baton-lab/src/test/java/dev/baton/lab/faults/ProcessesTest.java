package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcessesTest {
  /** To kill, 0 is the caller's own process group and -1 every process: a fault must never send those. */
  @Test
  void signalRefusesPidsThatKillWouldReadAsGroups() {
    assertThatThrownBy(() -> Processes.signal("KILL", List.of(0L))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Processes.signal("STOP", List.of(12345L, -1L))).isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A pid read from a file is trusted only while the process's command line names its owner; the
   * mark of a JVM (its config, after a classpath of many kilobytes) lies past the 4096 bytes that
   * ProcessHandle.Info keeps.
   */
  @Test
  void runningWithReadsTheWholeCommandLine() throws Exception {
    String padding = "x".repeat(6000);
    Process p = new ProcessBuilder("sh", "-c", "sleep 30; :", padding, "node-a.yaml").start();
    try {
      assertThat(Processes.runningWith(p.pid(), "node-a.yaml")).isTrue();
      assertThat(Processes.runningWith(p.pid(), "node-b.yaml")).isFalse();
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(Processes.runningWith(p.pid(), "node-a.yaml")).isFalse();
  }
}
