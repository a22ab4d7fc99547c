package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The verbs that wait, {@code restart}, {@code events --type} and the node's {@code on:} commands,
 * on three real nodes sharing one SQLite file (heartbeat 500ms, lease 3s), driven by the real
 * {@code baton} command line, each command a JVM of its own with its own exit code. Every node runs
 * {@code on: node.lost} (a line in a file per node). After every test the epoch log must show no
 * two processes of the service at once.
 */
class WaitingVerbsIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  Group group;

  @BeforeEach
  void startThreeNodes() throws Exception {
    group = Group.sqlite(dir);
    group.topYaml = "on:\n  node.lost: [sh, -c, \"echo $BATON_EVENT_NODE $BATON_EVENT_SEQ >> " + dir.resolve("lost-")
        + "$BATON_NODE\"]";
    for (String n : new String[] {"node-a", "node-b", "node-c"}) {
      group.start(n);
    }
    awaitSettled();
  }

  @AfterEach
  void stopAllAndCheckTheHistory() {
    FailoverContract.closeAndCheckTheHistory(group);
  }

  private void awaitSettled() {
    await("the service provided by one node, three nodes alive").atMost(Duration.ofSeconds(60)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last != null && Processes.running(last.pid())
          && group.service().map(s -> last.node().equals(s.owner()) && s.epoch() == last.epoch() && s.moving() == null)
              .orElse(false)
          && group.status().map(s -> s.nodes().stream().filter(n -> n.state().equals("alive")).count()).orElse(0L) == 3;
    });
  }

  private Group.Node other(String... not) {
    return group.nodes.values().stream().filter(n -> !List.of(not).contains(n.name)).findFirst().orElseThrow();
  }

  record Cli(int code, String out, String err) {}

  /** The renewal counter of {@code node}'s session, as the store has it. */
  private long renewals(String node) {
    try (dev.baton.core.store.Store s = dev.baton.core.store.Stores.open(new dev.baton.core.store.StoreOptions(
        group.store, dev.baton.core.GroupName.of("it"), group.heartbeat, group.lease, Duration.ofSeconds(2), null))) {
      return s.snapshot().node(dev.baton.core.NodeName.of(node)).map(n -> n.renewals()).orElse(0L);
    }
  }

  /** Runs {@code baton ARGS} as its own JVM, as an operator would; waits for it (at most 2 minutes). */
  private Cli baton(String... args) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx64m",
        "-cp", System.getProperty("java.class.path"), "dev.baton.cli.Main"));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("baton " + String.join(" ", args) + " did not end within 2 minutes");
    }
    return new Cli(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  @Test
  void moveAndDrainWithWaitReturnOnceItHappenedAndAWaitThatTimesOutExits5() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node owner = group.nodes.get(before.node());
    Group.Node target = other(owner.name);

    Cli moved = baton("move", "svc", target.name, "--wait", "--api", other(owner.name, target.name).api());

    assertThat(moved.code()).as(moved.err()).isZero();
    assertThat(moved.out()).contains("done after").contains("svc runs on " + target.name);
    EpochLog.Life after = group.epochLog().last();
    assertThat(after.node()).isEqualTo(target.name);
    assertThat(after.epoch()).isEqualTo(before.epoch() + 1);
    assertThat(Processes.running(before.pid())).isFalse();

    Cli drained = baton("drain", target.name, "--wait=30s", "--json", "--api", owner.api());

    assertThat(drained.code()).as(drained.err()).isZero();
    JsonNode out = JSON.readTree(drained.out());
    assertThat(out.path("done").asBoolean()).isTrue();
    assertThat(out.path("answer").path("verb").asText()).isEqualTo("drain");
    assertThat(out.path("status").path("services").get(0).path("owner").asText()).isNotEqualTo(target.name);
    assertThat(group.service().orElseThrow().owner()).isNotEqualTo(target.name);
    Cli undrained = baton("undrain", target.name, "--wait", "--api", owner.api());
    assertThat(undrained.code()).as(undrained.err()).isZero();
    awaitSettled();

    // A move to a paused node cannot complete while it is paused: the wait runs out, says what is
    // still not true, and exits 5.
    EpochLog.Life now = group.epochLog().last();
    Group.Node stuck = other(now.node());
    long agent = stuck.agentPid();
    Group.signal(agent, "STOP");
    Cli timedOut;
    try {
      timedOut = baton("move", "svc", stuck.name, "--wait=2s", "--api", group.nodes.get(now.node()).api());
    } finally {
      Group.signal(agent, "CONT");
    }
    assertThat(timedOut.code()).as(timedOut.out() + timedOut.err()).isEqualTo(5);
    assertThat(timedOut.err()).startsWith("baton: timed out after 2s waiting until svc runs on " + stuck.name + ": ")
        .containsPattern("still owns svc|no node owns svc|its provider is");
    awaitSettled();
  }

  @Test
  void aRestartAskedOfANonOwnerRestartsTheServiceInPlaceWithTheSameEpochAndANewProcess() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    Group.Node via = other(before.node());

    Cli r = baton("restart", "svc", "--wait", "--json", "--api", via.api());

    assertThat(r.code()).as(r.err()).isZero();
    JsonNode out = JSON.readTree(r.out());
    assertThat(out.path("done").asBoolean()).isTrue();
    assertThat(out.path("answer").path("node").asText()).isEqualTo(before.node());
    assertThat(out.path("answer").path("epoch").asLong()).isEqualTo(before.epoch());
    List<EpochLog.Life> ofEpoch = group.epochLog().lives().stream().filter(l -> l.epoch() == before.epoch()).toList();
    assertThat(ofEpoch).as("two processes of the same epoch, on the owner, one after the other").hasSize(2)
        .allSatisfy(l -> assertThat(l.node()).isEqualTo(before.node()));
    assertThat(ofEpoch.get(1).pid()).isNotEqualTo(before.pid());
    assertThat(Processes.running(before.pid())).isFalse();
    assertThat(group.events()).anySatisfy(e -> {
      assertThat(e.type()).isEqualTo("operator.restart");
      assertThat(e.node().value()).isEqualTo(before.node());
      assertThat(e.detail()).contains("asked through " + via.name);
    });

    Cli unknown = baton("restart", "nope", "--api", via.api());
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("answered 404").contains("no service \"nope\"");
    Cli typed = baton("events", "--type", "operator.restart,service.started", "--json", "--api", via.api());
    assertThat(typed.code()).as(typed.err()).isZero();
    List<String> types = typed.out().lines().map(l -> {
      try {
        return JSON.readTree(l).path("type").asText();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }).toList();
    assertThat(types).contains("operator.restart", "service.started").containsOnly("operator.restart", "service.started");
    Cli badType = baton("events", "--type", "service.restart", "--api", via.api());
    assertThat(badType.code()).isEqualTo(2);
    assertThat(badType.err()).contains("unknown event type \"service.restart\"");
    awaitSettled();
  }

  @Test
  void aKilledNodeIsRecordedLostAndTheRecordingNodeRunsItsOnNodeLostCommand() throws Exception {
    Group.Node victim = group.nodes.get("node-b");
    // A node records a loss only of a session it has seen renewed (LostNodes): let node-b renew a
    // few times more while the others, the last of which may have only just joined, watch it.
    long renewals = renewals(victim.name);
    await("node-b renewing while its peers watch").atMost(Duration.ofSeconds(30))
        .until(() -> renewals(victim.name) >= renewals + 4);

    victim.kill();

    // node-a, the alive node with the lowest name, records the loss and runs its command once.
    Path file = dir.resolve("lost-node-a");
    try {
      await("node-a ran its on: node.lost command").atMost(Duration.ofSeconds(30)).until(() -> Files.exists(file));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      String log = group.nodes.get("node-a").logText();
      throw new AssertionError("no " + file + "; events: " + group.events().stream().map(x -> x.type() + " " + x.node()
          + " " + x.detail()).toList() + "\nnode-a's log:\n" + log.substring(Math.max(0, log.length() - 6000)), e);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> !Files.readString(file).isBlank());
    long seq = group.events().stream().filter(e -> e.type().equals("node.lost")).findFirst().orElseThrow().seq();
    assertThat(Files.readAllLines(file)).containsExactly("node-b " + seq);
    assertThat(dir.resolve("lost-node-c")).as("only the recording node runs it").doesNotExist();
    await().atMost(Duration.ofSeconds(10)).until(() -> group.events().stream()
        .anyMatch(e -> e.type().equals("action.run") && e.detail().startsWith("on node.lost")));
  }
}
