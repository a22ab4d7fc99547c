package dev.baton.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.cli.ExitCodes;
import dev.baton.lab.LabCliTest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the benchmarks write beside their tables: percentiles, progress, samples as CSV, plots. */
class BenchOutputTest {
  @TempDir Path dir;

  @Test
  void percentilesComeFromTheHistogramWithinItsPrecision() {
    Stats s = new Stats();
    for (int i = 1; i <= 1000; i++) {
      s.add(i); // 1 ms .. 1000 ms
    }
    assertThat(s.count()).isEqualTo(1000);
    assertThat(s.percentile(50)).isBetween(499.5, 500.5);
    assertThat(s.percentile(99)).isBetween(989.0, 991.0);
    assertThat(s.max()).isBetween(999.0, 1001.0);
    assertThat(new Stats().percentile(50)).isNaN();
  }

  @Test
  void progressSaysHowFarHowLongAndAboutHowLongIsLeft() {
    Progress p = new Progress("bench faults", 60, null);
    for (int i = 0; i < 12; i++) {
      p.step();
    }
    assertThat(p.line(Duration.ofSeconds(185))).isEqualTo("[bench faults] 12/60 (20%), 185s elapsed, about 740s left");
  }

  @Test
  void aMeasuringWindowIsSleptThroughInTenthsEachShown() throws Exception {
    ByteArrayOutputStream shown = new ByteArrayOutputStream();
    long began = System.nanoTime();
    Progress.sleep(new Progress("bench load: measuring", 10, new PrintStream(shown, true, StandardCharsets.UTF_8)),
        Duration.ofMillis(300));
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    List<String> lines = shown.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(10);
    assertThat(lines.get(0)).startsWith("[bench load: measuring] 1/10 (10%), ");
    assertThat(lines.get(9)).startsWith("[bench load: measuring] 10/10 (100%), ").doesNotContain("left");
  }

  @Test
  void samplesAreWrittenAsCsvAndPlottedAsPng() throws Exception {
    Stats kill = new Stats();
    Arrays.asList(1020.5, 987.25, 1311.0).forEach(kill::add);
    Stats term = new Stats();
    term.add(12.0);
    Map<String, Stats> series = new java.util.LinkedHashMap<>();
    series.put("kill: fault -> new service running", kill);
    series.put("term, graceful", term);

    Samples.csv(dir.resolve("s.csv"), series);
    Samples.plot(dir.resolve("s.png"), "a title", series);

    assertThat(Files.readAllLines(dir.resolve("s.csv"))).containsExactly("series,trial,millis",
        "kill: fault -> new service running,1,1020.500", "kill: fault -> new service running,2,987.250",
        "kill: fault -> new service running,3,1311.000", "\"term, graceful\",1,12.000");
    byte[] png = Files.readAllBytes(dir.resolve("s.png"));
    assertThat(Arrays.copyOf(png, 4)).containsExactly(0x89, 'P', 'N', 'G');
  }

  @Test
  void benchFailoverRefusesATimingTheAgentsWouldRefuseBeforeStartingAnyAndTakesAFenceMargin() {
    LabCliTest.Result bad = LabCliTest.run("bench", "failover", "--trials", "1", "--faults", "kill",
        "--heartbeat", "100ms", "--lease", "300ms");
    assertThat(bad.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("the agents would refuse this timing", "timing.fence-margin", "--fence-margin");
    assertThat(bad.out()).doesNotContain("trial");

    LabCliTest.Result fast = LabCliTest.run("bench", "failover", "--trials", "1", "--nodes", "2", "--faults", "kill",
        "--heartbeat", "50ms", "--lease", "300ms", "--fence-margin", "200ms");
    assertThat(fast.code()).as(fast.out() + fast.err()).isZero();
    assertThat(fast.out()).contains("heartbeat 50ms, lease 300ms").contains("trial  1/1");
  }

  @Test
  void benchFailoverWritesItsSamplesAndPlotAndRefusesABadFileBeforeRunning() throws Exception {
    LabCliTest.Result bad = LabCliTest.run("bench", "failover", "--plot", dir.resolve("x.svg").toString());
    assertThat(bad.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(bad.err()).contains("--plot").contains("ending with .png");
    LabCliTest.Result noDir = LabCliTest.run("bench", "failover", "--samples", dir.resolve("none/x.csv").toString());
    assertThat(noDir.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(noDir.err()).contains("does not exist");

    Path csv = dir.resolve("failover.csv");
    Path png = dir.resolve("failover.png");
    LabCliTest.Result r = LabCliTest.run("bench", "failover", "--trials", "2", "--nodes", "2", "--faults", "kill",
        "--heartbeat", "200ms", "--lease", "1s", "--samples", csv.toString(), "--plot", png.toString());

    assertThat(r.code()).as(r.out() + r.err()).isZero();
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines.get(0)).isEqualTo("series,trial,millis");
    assertThat(lines).filteredOn(l -> l.startsWith("kill: fault -> new service running,")).hasSize(2);
    assertThat(r.out()).contains("samples: " + csv).contains("plot: " + png);
    assertThat(Files.size(png)).isPositive();
  }
}
