package dev.baton.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.lab.LabCliTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchScaleCommandTest {

  @Test
  void placesEveryServiceAndMovesEveryServiceOfTheCrashedNodeOnSqliteAndWritesItsSamples(@TempDir Path dir)
      throws Exception {
    Path csv = dir.resolve("scale.csv");
    LabCliTest.Result r = LabCliTest.run("bench", "scale", "--store", "sqlite", "--nodes", "5", "--services", "50",
        "--duration", "1s", "--heartbeat", "500ms", "--lease", "3s", "--samples", csv.toString());

    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("placed     all 50 services owned and running after");
    Matcher failover = Pattern.compile("failover   (node-\\d+) crashed owning (\\d+) services: all owned and running again")
        .matcher(r.out());
    assertThat(failover.find()).as(r.out()).isTrue();
    assertThat(Integer.parseInt(failover.group(2))).isPositive();
    assertThat(r.out()).contains("safety     0 time(s) a service started while another run of it was alive")
        .doesNotContain("FAILED").contains("samples: " + csv);
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines.get(0)).isEqualTo("series,trial,millis");
    assertThat(lines).hasSize(1 + Integer.parseInt(failover.group(2))); // one sample per service of the crashed node
    assertThat(lines.subList(1, lines.size())).allMatch(l -> l.matches("failover,\\d+,\\d+(\\.\\d+)?"));
  }

  @Test
  void runsTheNodesInChildJvmsAndJudgesSafetyAcrossThemAndLeavesNoChildBehind() {
    LabCliTest.Result r = LabCliTest.run("bench", "scale", "--store", "sqlite", "--nodes", "4", "--services", "20",
        "--jvms", "2", "--heartbeat", "200ms", "--lease", "1s", "--duration", "1s");

    assertThat(r.code()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).contains("bench scale: 4 nodes as 2 JVMs of 2 nodes, 20 services")
        .contains("placed     all 20 services owned and running after")
        .containsPattern("steady     [0-9.]+ store calls/s from all nodes")
        .containsPattern("failover   node-\\d+ crashed owning [1-9]\\d* services: all owned and running again after")
        .contains("safety     0 time(s) a service started while another run of it was alive")
        .contains("| sqlite | 4 (2 JVMs of 2 nodes) | 20 | 200ms / 1s |")
        .doesNotContain("FAILED");
    await().atMost(Duration.ofSeconds(15)).until(() -> ProcessHandle.current().descendants()
        .noneMatch(p -> p.info().commandLine().orElse("").contains(ScaleWorker.class.getName())));
  }

  @Test
  void refusesMoreJvmsThanNodesAndNoJvmWithExitCodeTwo() {
    LabCliTest.Result more = LabCliTest.run("bench", "scale", "--nodes", "3", "--jvms", "4");
    LabCliTest.Result none = LabCliTest.run("bench", "scale", "--nodes", "3", "--jvms", "0");

    assertThat(more.code()).isEqualTo(2);
    assertThat(more.err()).contains("--jvms 4: expected 1 to --nodes (3)");
    assertThat(none.code()).isEqualTo(2);
    assertThat(none.err()).contains("--jvms 0: expected 1 to --nodes (3)");
  }

  @Test
  void namesTheSplitOfNodesOverJvms() {
    assertThat(ChildJvmNodes.mode(10, 100)).isEqualTo("10 JVMs of 10 nodes");
    assertThat(ChildJvmNodes.mode(3, 10)).isEqualTo("3 JVMs of 3 to 4 nodes");
  }

  @Test
  void spreadsEachServiceOverDistinctProviderNodesEvenly() {
    Map<String, List<dev.baton.core.ServiceName>> spread = BenchScaleCommand.spread(10, 100, 3);

    assertThat(spread.values()).allSatisfy(services -> assertThat(services).hasSize(30));
    for (int s = 1; s <= 100; s++) {
      dev.baton.core.ServiceName name = BenchScaleCommand.serviceName(s);
      assertThat(spread.values().stream().filter(l -> l.contains(name)).count()).isEqualTo(3);
    }
  }

  @Test
  void refusesMoreProvidersThanNodesWithExitCodeTwo() {
    LabCliTest.Result r = LabCliTest.run("bench", "scale", "--nodes", "3", "--providers", "4");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--providers 4: expected 1 to --nodes (3)");
  }

  @Test
  void refusesABadDurationWithExitCodeTwo() {
    LabCliTest.Result r = LabCliTest.run("bench", "scale", "--lease", "soon");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("invalid duration \"soon\"");
  }
}
