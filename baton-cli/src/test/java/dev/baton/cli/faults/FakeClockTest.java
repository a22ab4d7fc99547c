package dev.baton.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FakeClockTest {
  @TempDir Path dir;

  /** A JVM on the fake clock: its wall clock, its monotonic clock, and how long its timed waits last. */
  private static final String PROBE = String.join("\n",
      "public class Probe {",
      "  public static void main(String[] a) throws Exception {",
      "    long t0 = System.nanoTime();",
      "    java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L);",
      "    long t1 = System.nanoTime();",
      "    Object o = new Object();",
      "    synchronized (o) { o.wait(300); }",
      "    long t2 = System.nanoTime();",
      "    System.out.println(System.currentTimeMillis() + \" \" + System.nanoTime() + \" \" + (t1 - t0) / 1_000_000",
      "        + \" \" + (t2 - t1) / 1_000_000);",
      "  }",
      "}",
      "");

  @Test
  void aJvmOnTheFakeClockSeesTheJumpOnItsWallClockOnlyAndItsTimedWaitsLastAsLongAsAsked() throws Exception {
    String reason = FakeClock.unavailableReason();
    assumeTrue(reason == null, reason);
    Path probe = Files.writeString(dir.resolve("Probe.java"), PROBE);
    FakeClock clock = new FakeClock(dir.resolve("probe.clock"));
    clock.jump(Duration.ofHours(1));

    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xshare:auto", probe.toString())).redirectErrorStream(true);
    pb.environment().putAll(clock.environment());
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the probe ended").isTrue();
    long nanoNow = System.nanoTime();
    long wallNow = System.currentTimeMillis();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.exitValue()).as(out).isZero();
    String[] f = out.lines().reduce((x, y) -> y).orElseThrow().split(" ");

    assertThat(Long.parseLong(f[0]) - wallNow).as("the probe's wall clock minus ours, ms")
        .isBetween(Duration.ofMinutes(59).toMillis(), Duration.ofMinutes(61).toMillis());
    assertThat(nanoNow - Long.parseLong(f[1])).as("our monotonic clock minus the probe's, ns")
        .isBetween(0L, TimeUnit.SECONDS.toNanos(60));
    assertThat(Long.parseLong(f[2])).as("parkNanos(300 ms) lasted, ms").isGreaterThanOrEqualTo(290);
    assertThat(Long.parseLong(f[3])).as("Object.wait(300) lasted, ms").isGreaterThanOrEqualTo(290);
  }
}
