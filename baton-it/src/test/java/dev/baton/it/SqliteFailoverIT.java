package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes on one SQLite file: the failover contract, and a service that dies by itself.
 */
class SqliteFailoverIT extends FailoverContract {
  @Override
  Group newGroup(Path dir) throws Exception {
    return Group.sqlite(dir);
  }

  @Test
  void aServiceProcessThatExitsByItselfIsRestartedInPlaceWithItsEpoch() throws Exception {
    EpochLog.Life before = group.epochLog().last();
    group.makeServiceExit();
    await("a new process provides the service").atMost(Duration.ofSeconds(10))
        .until(() -> group.epochLog().last().pid() != before.pid());
    EpochLog.Life after = group.epochLog().last();
    assertThat(after.node()).isEqualTo(before.node());
    assertThat(after.epoch()).isEqualTo(before.epoch());
    await("the whiteboard shows it provided").atMost(Duration.ofSeconds(5))
        .until(() -> group.service().map(s -> "provided".equals(s.state()) && before.node().equals(s.owner())).orElse(false));
  }
}
