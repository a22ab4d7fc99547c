package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.api.ServiceStatus;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that comes back at once: started while its API port is still held (by its previous
 * incarnation, which has not let go yet) it does not give up: its guardian starts the agent again
 * with backoff until the port is free, and the node joins. And an agent whose guardian and
 * launcher were killed goes down with them at once.
 */
class FirstStartIT {
  @TempDir Path dir;
  Group group;

  @AfterEach
  void stop() {
    if (group != null) {
      group.close();
    }
  }

  @Test
  void aFirstStartThatFailsOnATakenPortIsTriedAgainUntilThePortIsFree() throws Exception {
    group = Group.sqlite(dir);
    int port = group.freePort();
    Group.Node node = group.nodes.computeIfAbsent("node-a", n -> group.new Node(n, port));
    try (ServerSocket held = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
      group.start("node-a");
      await("the agent failing on the taken port, twice").atMost(Duration.ofSeconds(60))
          .until(() -> node.logText().split("cannot listen on api.listen", -1).length > 2);
      assertThat(node.alive()).as("the node kept trying").isTrue();
    }

    await("the node joined once the port was free").atMost(Duration.ofSeconds(90))
        .until(() -> group.service().map(ServiceStatus::owner).orElse("").equals("node-a"));
    assertThat(Files.readString(node.log)).doesNotContain("giving up");
  }

  @Test
  void aNodeWhoseLauncherAndGuardianWereKilledComesBackWhenStartedAgainAtOnce() throws Exception {
    group = Group.sqlite(dir);
    Group.Node node = group.start("node-a");
    await("node-a provides the service").atMost(Duration.ofSeconds(60)).until(() ->
        group.service().map(ServiceStatus::owner).orElse("").equals("node-a") && node.agentPid() > 0
            && node.guardianPid() > 0);
    long oldAgent = node.agentPid();
    long oldEpoch = group.epochLog().last().epoch();

    Group.signal(node.guardianPid(), "KILL");
    Group.signal(node.process.pid(), "KILL");
    group.start("node-a");

    await("the old agent gone with its guardian").atMost(Duration.ofSeconds(20))
        .until(() -> !Processes.running(oldAgent));
    await("node-a back, providing the service at a higher epoch").atMost(Duration.ofSeconds(90)).until(() -> {
      EpochLog.Life last = group.epochLog().last();
      return last.epoch() > oldEpoch && last.node().equals("node-a")
          && group.service().map(ServiceStatus::owner).orElse("").equals("node-a");
    });
    assertThat(node.agentPid()).isNotEqualTo(oldAgent);
  }
}
