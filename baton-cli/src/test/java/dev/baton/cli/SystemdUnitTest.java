package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The systemd unit shipped in packaging/ is one systemd accepts, and keeps the settings containment relies on. */
class SystemdUnitTest {
  static final Path UNIT = Path.of("..", "packaging", "baton-agent@.service");

  @TempDir Path dir;

  @Test
  void theUnitKillsItsWholeControlGroupAndRestartsOnFailure() throws Exception {
    String unit = Files.readString(UNIT);
    assertThat(unit).contains("\nKillMode=control-group\n", "\nRestart=on-failure\n", "\nKillSignal=SIGTERM\n",
        "\nExecStart=/opt/baton/bin/baton agent -c /etc/baton/%i.yaml\n");
  }

  @Test
  void systemdAnalyzeVerifiesTheUnit() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")), "systemd-analyze is not installed");
    // The unit names /opt/baton/bin/baton; verify it against this checkout's bin/baton instead.
    Path baton = Path.of("..", "bin", "baton").toAbsolutePath().normalize();
    Path copy = dir.resolve("baton-agent@test.service");
    Files.writeString(copy, Files.readString(UNIT).replace("/opt/baton/bin/baton", baton.toString()));

    Process verify = new ProcessBuilder("systemd-analyze", "verify", copy.toString()).redirectErrorStream(true).start();
    String out = new String(verify.getInputStream().readAllBytes());
    assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(verify.exitValue()).as(out).isZero();
    assertThat(out).doesNotContain("baton-agent@test.service");
  }
}
