package dev.baton.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store that cannot be silently replaced: a real node started again on its SQLite file emptied
 * (or restored from an older copy) refuses to start, exits 2 with the reason and the one command
 * that starts a new group on purpose, and runs no service; with that command it starts a new group.
 */
class StoreIdentityIT {
  private static final Duration START = Duration.ofSeconds(60);

  @TempDir Path dir;
  Group group;

  @AfterEach
  void stop() {
    if (group != null) {
      group.close();
    }
  }

  @Test
  void aNodeRefusesItsStoreFileEmptiedAndStartsANewGroupThereOnlyWhenTold() throws Exception {
    group = Group.sqlite(dir);
    Group.Node node = group.start("node-a");
    awaitProvidedAt(node, 1);
    stopGracefully(node);

    Path db = dir.resolve("group.db");
    Files.write(db, new byte[0]);
    deleteWal(db);
    long lives = group.epochLog().lives().size();
    group.start("node-a");

    assertThat(node.process.waitFor(START.toSeconds(), TimeUnit.SECONDS)).as("the node gave up").isTrue();
    assertThat(node.process.exitValue()).isEqualTo(2);
    assertThat(node.logText()).contains("refusing to start: group it does not exist in sqlite:" + db,
        "the store was emptied, replaced or recreated",
        "run: baton agent -c " + node.config + " --accept-new-store");
    assertThat(group.epochLog().lives()).as("no service ran").hasSize((int) lives);

    node.args = List.of("--accept-new-store");
    group.start("node-a");
    await("a new group, its service at epoch 1 again").atMost(START).until(() ->
        group.service().map(s -> "node-a".equals(s.owner()) && s.epoch() == 1).orElse(false));
  }

  @Test
  void aNodeRefusesItsStoreRestoredFromABackupWhoseEpochsWentBack() throws Exception {
    group = Group.sqlite(dir);
    Group.Node node = group.start("node-a");
    awaitProvidedAt(node, 1);
    stopGracefully(node);
    Path db = dir.resolve("group.db");
    Path backup = dir.resolve("backup.db");
    Files.copy(db, backup);

    group.start("node-a");
    awaitProvidedAt(node, 2);
    await("the node wrote down epoch 2").atMost(START).until(() ->
        Files.readString(node.stateDir().resolve("joined-group")).contains("epoch.svc=2"));
    stopGracefully(node);
    Files.copy(backup, db, StandardCopyOption.REPLACE_EXISTING);
    deleteWal(db);
    group.start("node-a");

    assertThat(node.process.waitFor(START.toSeconds(), TimeUnit.SECONDS)).as("the node gave up").isTrue();
    assertThat(node.process.exitValue()).isEqualTo(2);
    assertThat(node.logText()).contains("the epochs of group it in sqlite:" + db + " went back",
        "svc is at epoch 1 there but this node has seen epoch 2", "--accept-new-store");
  }

  private void awaitProvidedAt(Group.Node node, long epoch) {
    await("node-a provides the service at epoch " + epoch).atMost(START).until(() ->
        group.service().map(s -> "node-a".equals(s.owner()) && s.epoch() == epoch).orElse(false)
            && group.epochLog().lives().stream().anyMatch(l -> l.epoch() == epoch));
  }

  private static void stopGracefully(Group.Node node) throws InterruptedException {
    node.terminate();
    assertThat(node.process.waitFor(30, TimeUnit.SECONDS)).as("the node stopped").isTrue();
  }

  /** SQLite's side files of {@code db}: they belong to the file that was there before. */
  private static void deleteWal(Path db) throws IOException {
    Files.deleteIfExists(db.resolveSibling(db.getFileName() + "-wal"));
    Files.deleteIfExists(db.resolveSibling(db.getFileName() + "-shm"));
  }
}
