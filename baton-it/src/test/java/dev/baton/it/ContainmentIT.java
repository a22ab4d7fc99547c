package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ServiceStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containment (docs/guardian.md): a service that forks, as real ones do, is gone whole before the
 * next owner starts it. The service here is a process tree: its main process, a worker child, and
 * a daemon that forks twice into a session of its own and ignores SIGTERM; every process of it
 * logs its lives with the service's epoch. Two real nodes on one SQLite file, lease 3 s; the owner
 * is killed whole (launcher, guardian and agent), runs without a guardian and is killed, or is
 * moved away. No process of an older epoch may write a line after the newer epoch's first line.
 */
class ContainmentIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  Group group;

  /** A tree's processes, from TREE_LOG: {@code epoch node pid role nanos} lines. */
  record TreeLine(long epoch, String node, long pid, String role, long nanos) {}

  List<TreeLine> tree() {
    try {
      Path log = dir.resolve("tree.log");
      return !Files.exists(log) ? List.of() : Files.readAllLines(log).stream()
          .map(l -> l.trim().split(" ")).filter(f -> f.length == 5)
          .map(f -> new TreeLine(Long.parseLong(f[0]), f[1], Long.parseLong(f[2]), f[3], Long.parseLong(f[4])))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Two nodes, {@code guardian} on or off; returns once one provides the whole tree. */
  EpochLog.Life startTwoNodes(boolean guardian) throws IOException {
    group = Group.sqlite(dir);
    for (String name : List.of("node-a", "node-b")) {
      Group.Node n = group.nodes.computeIfAbsent(name, x -> group.new Node(x, group.freePort()));
      n.guardian = guardian;
      group.start(name, null, Map.of("TREE_LOG", dir.resolve("tree.log").toString()));
    }
    await("the service provided, worker and daemon running").atMost(Duration.ofSeconds(40)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last != null && group.service().map(ServiceStatus::owner).orElse("").equals(last.node())
          && group.nodes.values().stream().allMatch(n -> n.status().map(st -> st.nodes().size() == 2).orElse(false))
          && tree().stream().filter(t -> t.epoch() == last.epoch()).map(TreeLine::role).distinct().count() == 2;
    });
    return group.epochLog().last();
  }

  /**
   * Waits until the next epoch's tree runs, then checks that nothing of {@code before}'s epoch
   * wrote after the next epoch's main process began, and that none of its processes is alive.
   */
  void assertOldTreeGoneBeforeTheNextEpochStarted(EpochLog.Life before) {
    await("a higher epoch running, its worker and daemon too").atMost(group.lease.plusSeconds(20)).until(() ->
        tree().stream().filter(t -> t.epoch() > before.epoch()).map(TreeLine::role).distinct().count() == 2);
    EpochLog.Life next = group.epochLog().firstAbove(before.epoch());
    List<TreeLine> old = tree().stream().filter(t -> t.epoch() == before.epoch()).toList();
    assertThat(old).extracting(TreeLine::role).contains("worker", "daemon");
    assertThat(old).as("lines of epoch %d's tree after epoch %d began", before.epoch(), next.epoch())
        .allSatisfy(t -> assertThat(t.nanos()).isLessThan(next.firstNanos()));
    assertThat(old.stream().map(TreeLine::pid).distinct().toList())
        .allSatisfy(pid -> assertThat(Processes.running(pid)).as("pid %d of epoch %d alive", pid, before.epoch()).isFalse());
  }

  @AfterEach
  void stopAll(TestInfo test) throws IOException {
    if (group == null) {
      return;
    }
    Path keep = Path.of("target", "it-logs", "ContainmentIT-" + test.getTestMethod().orElseThrow().getName());
    Files.createDirectories(keep);
    for (Group.Node n : group.nodes.values()) {
      if (Files.exists(n.log)) {
        Files.copy(n.log, keep.resolve(n.name + ".log"), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    group.close();
    List<Long> pids = tree().stream().map(TreeLine::pid).distinct().toList();
    await("no process of any tree left after the nodes").atMost(Duration.ofSeconds(10))
        .until(() -> pids.stream().noneMatch(Processes::running));
  }

  @Test
  void killingLauncherGuardianAndAgentTogetherLeavesNoProcessOfTheTreeWhenTheNextOwnerStarts() throws Exception {
    EpochLog.Life before = startTwoNodes(true);

    group.nodes.get(before.node()).killNode();

    assertOldTreeGoneBeforeTheNextEpochStarted(before);
  }

  @Test
  void withoutAGuardianKillingTheAgentLeavesNoProcessOfTheTreeWhenTheNextOwnerStarts() throws Exception {
    EpochLog.Life before = startTwoNodes(false);

    group.nodes.get(before.node()).killNode();

    assertOldTreeGoneBeforeTheNextEpochStarted(before);
  }

  @Test
  void aMoveReleasesTheServiceOnlyOnceItsWholeTreeIsGone() throws Exception {
    EpochLog.Life before = startTwoNodes(true);
    Group.Node other = group.nodes.values().stream().filter(n -> !n.name.equals(before.node())).findFirst().orElseThrow();

    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(other.api() + "/v1/services/" + Group.SERVICE
        + "/move")).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"to\": \"" + other.name + "\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);

    assertOldTreeGoneBeforeTheNextEpochStarted(before);
    assertThat(group.epochLog().firstAbove(before.epoch()).node()).isEqualTo(other.name);
  }
}
