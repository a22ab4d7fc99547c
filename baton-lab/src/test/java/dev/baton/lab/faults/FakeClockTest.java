package dev.baton.lab.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
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

  private static final String JAVA = ProcessHandle.current().info().command().orElse("java");

  @BeforeEach
  void needLibfaketime() {
    String reason = FakeClock.unavailableReason();
    assumeTrue(reason == null, reason);
  }

  /** Runs {@code command} with {@code environment} added; returns its output once it exited 0. */
  private static String run(List<String> command, Map<String, String> environment) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().putAll(environment);
    Process p = pb.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s ended", command).isTrue();
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  @Test
  void aJvmOnTheFakeClockSeesTheJumpOnItsWallClockOnlyAndItsTimedWaitsLastAsLongAsAsked() throws Exception {
    Path probe = Files.writeString(dir.resolve("Probe.java"), PROBE);
    FakeClock clock = new FakeClock(dir.resolve("probe.clock"));
    clock.jump(Duration.ofHours(1));

    String out = run(List.of(JAVA, "-Xshare:auto", probe.toString()), clock.environment());
    long nanoNow = System.nanoTime();
    long wallNow = System.currentTimeMillis();
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
    Path tick = Files.writeString(dir.resolve("Tick.java"), TICK);
    // One shell on the clock starts a JVM, waits 2 s of real time, starts another: as a launcher starts
    // its guardian, which starts the agent later.
    String jvm = "'" + JAVA + "' -Xshare:auto '" + tick + "'";
    String out = run(List.of("sh", "-c", jvm + "; env -u LD_PRELOAD sleep 2; " + jvm), FakeClock.rateEnvironment(2.0));
    List<long[]> ticks = out.lines().map(l -> Arrays.stream(l.split(" ")).mapToLong(Long::parseLong).toArray()).toList();
    assertThat(ticks).as(out).hasSize(2);

    double fake = ticks.get(1)[0] - ticks.get(0)[0];
    double real = ticks.get(1)[1] - ticks.get(0)[1];
    // Each JVM on a clock of its own, started when it starts, would show about 1 here.
    assertThat(fake / real).as("fake ms per real ms between the two JVMs' readings (%s)", out).isBetween(1.9, 2.1);
  }
}
