package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The CI size of the fault suite (docs/reliability.md): {@code baton bench faults} in this JVM,
 * 15 faults from a fixed seed on a fresh SQLite file, three real nodes with their guardians, every
 * service process reporting to the fencing checker. Its schedule draws the five fault kinds in
 * shuffled rounds, so 15 faults hold each kind three times.
 */
class FaultSuiteIT {
  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void fifteenSeededFaultsOfEveryKindLeaveNoFencingViolation() {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));

    int code = cli.execute("bench", "faults", "--store", "sqlite", "--faults", "15", "--seed", "20261125", "--nodes", "3");

    System.out.println(out);
    assertThat(code).as("exit code of the fault suite; its output:%n%s", out).isZero();
    assertThat(out.toString())
        .contains("seed 20261125", "0 = never interrupted")
        .containsPattern("node-crash +3\\n")
        .containsPattern("agent-crash +3\\n")
        .containsPattern("service-crash +3\\n")
        .containsPattern("agent-stop-short +3\\n")
        .containsPattern("agent-stop-long +3\\n")
        .doesNotContain("FAIL", "VIOLATION");
    assertThat(out.toString().lines().filter(l -> l.matches("  [1-6]-[a-z-]+ +ok"))).hasSize(6);
  }
}
