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
 * A node started while its API port is still held (a node restarted at once, whose previous
 * incarnation has not let go yet) does not give up: its guardian starts the agent again with
 * backoff until the port is free, and the node joins.
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
}
