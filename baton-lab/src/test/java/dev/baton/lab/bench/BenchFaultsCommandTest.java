package dev.baton.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.cli.ExitCodes;
import dev.baton.lab.LabCliTest;
import dev.baton.lab.faults.Fault;
import dev.baton.lab.faults.Faults;
import dev.baton.lab.faults.Netns;
import dev.baton.lab.faults.NodeCgroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BenchFaultsCommandTest {

  private static List<Fault> kinds(String... names) {
    List<String> wanted = List.of(names);
    return Faults.all().stream().filter(f -> wanted.contains(f.kind())).toList();
  }

  @Test
  void kindsThatNeedNothingSetUpNothing() {
    assertThat(BenchFaultsCommand.setUp(kinds("node-crash", "agent-stop-2L", "service-crash"), "postgresql", true)).isEmpty();
  }

  @Test
  void theRunSetsUpWhatItsKindsNeedWhereTheyRunAndItCan() {
    assertThat(BenchFaultsCommand.setUp(kinds("store-cut", "node-crash"), "postgresql", true))
        .containsExactlyElementsOf(Netns.unavailableReason() == null ? List.of(Fault.Setup.NETWORK) : List.of());
    assertThat(BenchFaultsCommand.setUp(kinds("store-cut", "slow-link"), "sqlite", true)).isEmpty();
    assertThat(BenchFaultsCommand.setUp(kinds("store-clock-jump", "sqlite-disk-full"), "zookeeper", true)).isEmpty();
    assertThat(BenchFaultsCommand.setUp(kinds("node-freeze"), "zookeeper", false)).isEmpty();
    assertThat(BenchFaultsCommand.setUp(kinds("node-freeze", "move-frozen-owner"), "zookeeper", true))
        .containsExactlyElementsOf(NodeCgroup.unavailable(true) == null ? List.of(Fault.Setup.NODE_CGROUPS) : List.of());
  }

  @Test
  void aRunWhereNoAskedKindCanRunIsRefusedAndLeavesNoRunDirectory() throws IOException {
    Set<Path> before = runDirectories();

    LabCliTest.Result r = LabCliTest.run("bench", "faults", "--store", "sqlite", "--faults", "1", "--kinds", "store-cut");

    assertThat(r.code()).isEqualTo(ExitCodes.BAD_INPUT);
    assertThat(r.out()).contains("not run: store-cut: a SQLite file cannot be cut off by the network");
    assertThat(r.err()).contains("no fault kind can run with --store sqlite");
    assertThat(runDirectories()).isSubsetOf(before);
  }

  private static Set<Path> runDirectories() throws IOException {
    try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return s.filter(p -> p.getFileName().toString().startsWith("baton-faults-")).collect(Collectors.toSet());
    }
  }
}
