package dev.baton.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo as a user runs it (without a terminal): agents start, fail over under chaos, and all stop. */
class DemoTest {
  @TempDir Path dir;

  @Test
  void theDemoShowsAFailoverUnderChaosAndLeavesNoProcessBehind() {
    Path home = dir.resolve("demo");
    LabCliTest.Result r = LabCliTest.run("demo", "--chaos", "--chaos-every", "6s", "--duration", "20s", "--dir", home.toString());

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("hello").contains("providing")
        .containsPattern("SIGKILL node-. \\(owner of hello, epoch 1\\)")
        .containsPattern("node-. provides epoch 2, \\d+\\.\\ds after the kill")
        .contains("Stopped; removed " + home);
    assertThat(home).doesNotExist();
    assertThat(ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().orElse("").contains(home.toString()))).isEmpty();
  }

  @Test
  void badDemoOptionsAreRejectedBeforeAnythingStarts() {
    LabCliTest.Result r = LabCliTest.run("demo", "--nodes", "12", "--dir", dir.resolve("x").toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--nodes 12 is out of range; expected 2 to 9");
    assertThat(dir.resolve("x")).doesNotExist();
  }
}
