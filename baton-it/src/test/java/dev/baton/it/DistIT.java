package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive as an operator installs it: unpacked in a directory of its own, run with a PATH on
 * which {@code mvn} is a trap that records any call; a three-node group started from its
 * {@code bin/baton}, failed over by a SIGKILL of the owner node, and stopped with {@code baton stop}.
 */
class DistIT {
  @TempDir Path dir;
  Group group;

  @AfterEach
  void checkTheHistory() {
    if (group != null) {
      FailoverContract.closeAndCheckTheHistory(group);
    }
  }

  record Run(int code, String out) {}

  static Run run(Map<String, String> env, List<String> command) throws Exception {
    ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
    b.environment().putAll(env);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void anUnpackedArchiveRunsAGroupThroughAFailoverAndAStopWithoutMaven() throws Exception {
    Path archive = Path.of(System.getProperty("baton.dist", "../baton-lab/target/baton-0.1.0-SNAPSHOT.tar.gz"));
    assertThat(archive).as("mvn package builds the archive").exists();
    Path install = Files.createDirectories(dir.resolve("opt"));
    assertThat(run(Map.of(), List.of("tar", "-xzf", archive.toString(), "-C", install.toString())).code()).isZero();
    Path home;
    try (var entries = Files.list(install)) {
      home = entries.findFirst().orElseThrow();
    }
    Path baton = home.resolve("bin/baton");
    assertThat(home.resolve("lib")).isNotEmptyDirectory();
    assertThat(home.resolve("systemd/baton-agent@.service")).exists();
    assertThat(home.resolve("etc/node.example.yaml")).exists();
    assertThat(home.resolve("LICENSE")).content().contains("Apache License");
    assertThat(home.resolve("completion/baton.bash")).content().contains("baton").contains("failback");

    // A machine without Maven: an `mvn` that only leaves a trace, first on the PATH.
    Path trap = Files.createDirectories(dir.resolve("trap"));
    Files.writeString(trap.resolve("mvn"), "#!/bin/sh\ntouch " + dir.resolve("mvn-was-run") + "\nexit 1\n");
    Files.setPosixFilePermissions(trap.resolve("mvn"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> env = Map.of("PATH", trap + ":" + System.getenv("PATH"));

    Run version = run(env, List.of(baton.toString(), "--version"));
    assertThat(version.code()).as(version.out()).isZero();
    assertThat(version.out()).startsWith("baton 0.1.0");

    group = Group.sqlite(Files.createDirectories(dir.resolve("group")));
    group.launcher = List.of(baton.toString());
    for (String n : List.of("node-a", "node-b", "node-c")) {
      group.start(n, null, env);
    }
    await("three nodes from the archive, the service provided").atMost(Duration.ofSeconds(90))
        .until(() -> group.providedWithNodesAlive(3));
    // Each agent publishes the version of its jars; the whiteboard shows them.
    assertThat(group.status().orElseThrow().version()).isEqualTo(version.out().trim().substring("baton ".length()));
    assertThat(group.status().orElseThrow().nodes()).allSatisfy(n -> assertThat(n.version()).startsWith("0.1.0"));
    EpochLog.Life before = group.epochLog().last();
    group.nodes.get(before.node()).killNode();
    await("taken over with a higher epoch").atMost(Duration.ofSeconds(30)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last.epoch() > before.epoch() && group.providedWithNodesAlive(2);
    });

    List<Group.Node> left = new ArrayList<>(group.nodes.values().stream().filter(Group.Node::alive).toList());
    for (Group.Node n : left) {
      Run stop = run(env, List.of(baton.toString(), "stop", "--api", n.api()));
      assertThat(stop.code()).as(stop.out()).isZero();
    }
    for (Group.Node n : left) {
      assertThat(n.process.waitFor(60, TimeUnit.SECONDS)).as(n.name + " stopped").isTrue();
      assertThat(n.process.exitValue()).as(n.name + "'s exit code").isZero();
    }
    assertThat(dir.resolve("mvn-was-run")).as("nothing ran Maven").doesNotExist();
  }
}
