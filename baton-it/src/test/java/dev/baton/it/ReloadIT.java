package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ServiceStatus;
import dev.baton.api.StatusResponse;
import dev.baton.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Reload without a restart on two real nodes (launcher, guardian and agent processes; SQLite; heartbeat
 * 500ms, lease 3s), driven by the real CLI ({@code baton reload}) and by SIGHUP to the launcher and to
 * the agent. Both nodes provide {@code svc} (the epoch writer), owned by node-a; the reloads add and
 * remove {@code tree}, a shell that forks a worker. After every test the epoch log must show no two
 * processes of {@code svc} at once, and no process may be left behind.
 */
class ReloadIT {
  @TempDir Path dir;
  Group group;
  Group.Node a;
  Group.Node b;

  @BeforeEach
  void startTwoNodes() throws Exception {
    group = Group.sqlite(dir);
    Files.writeString(dir.resolve("tree.sh"), String.join("\n",
        "#!/bin/sh",
        "sh -c 'read -r p r < /proc/self/stat; echo \"$p\" > \"$WORKER_PID.tmp\"; mv \"$WORKER_PID.tmp\" \"$WORKER_PID\";"
            + " exec sleep 3600' &",
        "wait",
        ""));
    a = group.start("node-a");
    await("node-a runs svc").atMost(Duration.ofSeconds(60)).until(() -> group.providedWithNodesAlive(1));
    b = group.start("node-b");
    await("both nodes alive, both provide svc").atMost(Duration.ofSeconds(60)).until(() -> group.providedWithNodesAlive(2)
        && service("svc").map(s -> s.providers().size() == 2).orElse(false));
  }

  @AfterEach
  void stopAllAndCheckTheHistory() throws Exception {
    FailoverContract.closeAndCheckTheHistory(group);
    for (Group.Node n : new Group.Node[] {a, b}) {
      if (n != null && Files.exists(workerPidFile(n))) {
        long worker = Long.parseLong(Files.readString(workerPidFile(n)).trim());
        await("tree's worker on " + n.name + " gone with its node").atMost(Duration.ofSeconds(5))
            .until(() -> !Processes.running(worker));
      }
    }
  }

  private record Cli(int code, String out) {}

  private static Cli baton(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = Main.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));
    int code = cli.execute(args);
    return new Cli(code, out.toString());
  }

  private Optional<ServiceStatus> service(String name) {
    return group.status().flatMap(s -> s.services().stream().filter(x -> x.name().equals(name)).findFirst());
  }

  private Path workerPidFile(Group.Node node) {
    return dir.resolve("worker-" + node.name + ".pid");
  }

  private String treeYaml(Group.Node node) {
    return String.join("\n",
        "  tree:",
        "    command: [sh, '" + dir.resolve("tree.sh") + "']",
        "    env: {WORKER_PID: '" + workerPidFile(node) + "'}",
        "    stop-timeout: 2s",
        "");
  }

  /** The node's file with {@code tree} added at the end of its services. */
  private void addTree(Group.Node node) throws Exception {
    Files.writeString(node.config, Files.readString(node.config) + treeYaml(node));
  }

  private void removeTree(Group.Node node) throws Exception {
    Files.writeString(node.config, Files.readString(node.config).replace(treeYaml(node), ""));
  }

  private long events(String type, String node) {
    return group.events().stream().filter(e -> e.type().equals(type) && e.node().value().equals(node)).count();
  }

  @Test
  void servicesAddedAndRemovedByBatonReloadAndSighupMoveWhileTheUntouchedServiceKeepsItsPidAndEpoch() throws Exception {
    EpochLog.Life svc = group.epochLog().last();
    assertThat(svc.node()).isEqualTo("node-a");

    // baton reload: node-a provides tree from now on.
    addTree(a);
    Cli added = baton("reload", "--api", a.api());
    assertThat(added.code()).as(added.out()).isZero();
    assertThat(added.out()).contains("node-a reloaded " + a.config).containsPattern("added: +tree")
        .containsPattern("unchanged: +svc");
    await("node-a claims tree and runs it").atMost(Duration.ofSeconds(20)).until(() ->
        service("tree").map(s -> "node-a".equals(s.owner())).orElse(false) && Files.exists(workerPidFile(a)));
    long epochOnA = service("tree").orElseThrow().epoch();
    long worker = Long.parseLong(Files.readString(workerPidFile(a)).trim());
    assertThat(Processes.running(worker)).isTrue();

    // SIGHUP to node-b's launcher (passed on to its agent): node-b provides tree too.
    addTree(b);
    Group.signal(b.process.pid(), "HUP");
    await("node-b provides tree too").atMost(Duration.ofSeconds(20)).until(() ->
        service("tree").map(s -> s.providers().size() == 2).orElse(false));
    assertThat(b.alive()).as("SIGHUP did not end the node").isTrue();

    // SIGHUP to node-a's agent: node-a stops tree, wrapper and worker, releases it; node-b claims it.
    removeTree(a);
    Group.signal(a.agentPid(), "HUP");
    await("node-a's tree gone, worker included").atMost(Duration.ofSeconds(20)).until(() -> !Processes.running(worker));
    await("node-b claims tree with the next epoch").atMost(Duration.ofSeconds(20)).until(() -> service("tree")
        .map(s -> "node-b".equals(s.owner()) && s.epoch() == epochOnA + 1).orElse(false));
    assertThat(events("node.reloaded", "node-a")).isEqualTo(2);
    assertThat(events("node.reloaded", "node-b")).isEqualTo(1);

    // svc was never touched: the same process at the same epoch the whole time.
    EpochLog.Life now = group.epochLog().last();
    assertThat(now.pid()).isEqualTo(svc.pid());
    assertThat(now.epoch()).isEqualTo(svc.epoch());
    assertThat(group.epochLog().lives()).hasSize(1);
    assertThat(Processes.running(svc.pid())).isTrue();
  }

  @Test
  void aBrokenFileOrARestartOnlyChangeIsRefusedWithExitCode2AndNothingChanges() throws Exception {
    EpochLog.Life svc = group.epochLog().last();
    StatusResponse before = group.status().orElseThrow();
    String good = Files.readString(a.config);

    Files.writeString(a.config, good.replace("stop-timeout: 2s", "stop-timeout: 2 seconds") + "  extra:\n    comand: [x]\n");
    Cli broken = baton("reload", "--api", a.api());
    assertThat(broken.code()).as(broken.out()).isEqualTo(2);
    assertThat(broken.out()).contains("node node-a refused the reload of " + a.config + "; nothing changed:")
        .contains(a.config + ": services.svc.stop-timeout: ")
        .contains(a.config + ": services.extra.comand: ");

    Files.writeString(a.config, good.replace("lease: 3000ms", "lease: 4000ms"));
    Cli restartOnly = baton("reload", "--api", a.api());
    assertThat(restartOnly.code()).as(restartOnly.out()).isEqualTo(2);
    assertThat(restartOnly.out()).contains(a.config + ": timing.lease: changed from \"3s\" to \"4s\"; timing.lease cannot"
        + " change while the agent runs. Restart the agent to apply it");

    Files.writeString(a.config, "group: it\nservices: [unclosed\n");
    Group.signal(a.agentPid(), "HUP");
    await("the SIGHUP's refusal recorded").atMost(Duration.ofSeconds(20)).until(() -> events("node.reload-refused", "node-a") == 3);

    assertThat(events("node.reloaded", "node-a")).isZero();
    StatusResponse after = group.status().orElseThrow();
    assertThat(after.services()).isEqualTo(before.services());
    EpochLog.Life now = group.epochLog().last();
    assertThat(now.pid()).isEqualTo(svc.pid());
    assertThat(now.epoch()).isEqualTo(svc.epoch());
    assertThat(group.epochLog().lives()).hasSize(1);
    assertThat(a.alive()).isTrue();
  }
}
