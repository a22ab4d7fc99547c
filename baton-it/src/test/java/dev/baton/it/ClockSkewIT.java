package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.baton.cli.Main;
import dev.baton.lab.faults.FakeClock;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * Clock rate skew (docs/reliability.md, "Clock rate skew", gives the ratio Baton
 * tolerates, r_owner / r_claimant > 1 - M/(2L), 5/6 with the default fence margin): two nodes on a
 * SQLite file, where nothing but the claimant's own clock decides when it may claim, and node-b's
 * clocks, wall and monotonic, run 1.15 times fast (libfaketime, {@code bench faults --clock-rate}).
 * The owner's agent is paused past its fence point again and again; whenever node-b is the one
 * that takes over, it waits a lease on its fast clock, 13% short of a real one, and the paused
 * owner's guardian must still have killed the old service first (checks 3 and 4 of the audit).
 * The default timing (heartbeat 500 ms, lease 3 s) leaves room to tell: the same run with the
 * clock at 1.5 times, beyond the tolerated ratio, fails check 4 at node-b's first takeover, while at the CI
 * lease of 1 s the new service's start-up hides the difference.
 */
class ClockSkewIT {

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void aClaimantWhoseClockRunsFastWithinTheToleratedRatioNeverStartsBeforeThePausedOwnersServiceEnded() {
    String reason = FakeClock.unavailableReason();
    assumeTrue(reason == null, reason);
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));

    int code = cli.execute("bench", "faults", "--store", "sqlite", "--nodes", "2", "--clock-rate", "1.15",
        "--kinds", "agent-stop-1.1L,agent-stop-2L", "--faults", "6", "--seed", "5", "--mode", "audit");

    System.out.println(out);
    assertThat(code).as("exit code of the fault suite; its output:%n%s", out).isZero();
    assertThat(out.toString()).contains("the clocks of node-b run at 1.15 x real time").doesNotContain("FAIL", "VIOLATION");
    assertThat(out.toString()).as("node-b, the fast clock, took a service over from the paused owner at least once")
        .containsPattern("node-a@\\d+ -> node-b@\\d+");
    assertThat(out.toString().lines().filter(l -> l.matches("  [1-8]-[a-z-]+ +ok"))).hasSize(8);
  }
}
