package dev.baton.cli.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
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

  /** Prints its monotonic clock and the machine's uptime (read from /proc, which libfaketime leaves alone), in ms. */
  private static final String TICK = String.join("\n",
      "public class Tick {",
      "  public static void main(String[] a) throws Exception {",
      "    String up = java.nio.file.Files.readString(java.nio.file.Path.of(\"/proc/uptime\")).split(\" \")[0];",
      "    System.out.println(System.nanoTime() / 1_000_000 + \" \" + Math.round(Double.parseDouble(up) * 1000));",
      "  }",
      "}",
      "");

  @Test
  void processesStartedAtDifferentTimesUnderOneRateClockShareItAndItRunsAtThatRate() throws Exception {
    String reason = FakeClock.unavailableReason();
    assumeTrue(reason == null, reason);
    Path tick = Files.writeString(dir.resolve("Tick.java"), TICK);
    String java = ProcessHandle.current().info().command().orElse("java");
    // One shell on the clock starts a JVM, waits 2 s of real time, starts another: as a launcher starts
    // its guardian, which starts the agent later.
    String run = "'" + java + "' -Xshare:auto '" + tick + "'";
    ProcessBuilder pb = new ProcessBuilder(List.of("sh", "-c", run + "; env -u LD_PRELOAD sleep 2; " + run)).redirectErrorStream(true);
    pb.environment().putAll(FakeClock.rateEnvironment(2.0));
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the shell ended").isTrue();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.exitValue()).as(out).isZero();
    List<long[]> ticks = out.lines().map(l -> Arrays.stream(l.split(" ")).mapToLong(Long::parseLong).toArray()).toList();
    assertThat(ticks).as(out).hasSize(2);

    double fake = ticks.get(1)[0] - ticks.get(0)[0];
    double real = ticks.get(1)[1] - ticks.get(0)[1];
    // Each JVM on a clock of its own, started when it starts, would show about 1 here.
    assertThat(fake / real).as("fake ms per real ms between the two JVMs' readings (%s)", out).isBetween(1.9, 2.1);
  }
}
