package dev.baton.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code pair:} section of a hot-backup pair member: the store URL and timing it makes, and bad input. */
class PairConfigTest {
  @TempDir Path dir;
  ConfigFiles files;

  @BeforeEach
  void setUp() throws IOException {
    files = new ConfigFiles(dir);
    Files.writeString(dir.resolve("pair.key"), "a key of more than sixteen bytes\n");
  }

  @Test
  void aPairSectionMakesTheMembersStoreUrlAndTiming() {
    AgentConfig config = files.load("""
        group: shop
        node: {name: node-a}
        store: pair://10.0.0.2:7400
        state-dir: %s
        pair:
          listen: 0.0.0.0:7400
          interval: 100ms
          threshold: 6
          key-file: pair.key
          witness: sqlite:%s
        """.formatted(dir.resolve("state"), dir.resolve("witness.db")));

    assertThat(config.store()).isEqualTo("pair://10.0.0.2:7400?listen=0.0.0.0:7400&interval=100ms&threshold=6"
        + "&key-file=" + dir.resolve("pair.key") + "&data=" + dir.resolve("state/pair-state.json")
        + "&witness=sqlite:" + dir.resolve("witness.db"));
    assertThat(config.timing()).isEqualTo(new Timing(Duration.ofMillis(100), Duration.ofMillis(600),
        Duration.ofMillis(200)));
    assertThat(config.pairBackup()).isFalse();
    assertThat(config.asPairBackup().pairBackup()).isTrue();
    assertThat(config.asPairBackup().store()).endsWith("witness.db&role=backup");
  }

  @Test
  void theDefaultsAreAHeartbeatEvery200msAndFiveMissedOnes() {
    AgentConfig config = files.load("""
        group: shop
        store: pair://10.0.0.2:7400
        pair: {listen: 0.0.0.0:7400, key-file: pair.key, role: backup}
        """);

    assertThat(config.timing().heartbeat()).isEqualTo(Duration.ofMillis(200));
    assertThat(config.timing().lease()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.pairBackup()).isTrue();
  }

  @Test
  void timingThatThePairSetsIsRefused() {
    assertThat(files.reject("""
        group: shop
        store: pair://10.0.0.2:7400
        pair: {listen: 0.0.0.0:7400, key-file: pair.key}
        timing: {lease: 3s}
        """)).hasMessageContaining(files.at("timing.lease")
        + "is set by the pair (heartbeat = pair.interval, lease = pair.interval x pair.threshold); remove it");
  }

  @Test
  void aMemberWithoutListenOrKeyIsToldWhatToSet() {
    ConfigException e = files.reject("""
        group: shop
        store: pair://10.0.0.2:7400
        pair: {threshold: 2}
        """);

    assertThat(e.getMessage())
        .contains(files.at("pair.listen") + "missing; expected HOST:PORT")
        .contains(files.at("pair.key-file") + "missing; expected a file holding the key both members share")
        .contains(files.at("pair.threshold") + "\"2\" is not a whole number from 3 to 100");
  }

  @Test
  void aPairSectionWithAnotherStoreIsRefused() {
    assertThat(files.reject("""
        group: shop
        store: sqlite:/tmp/x.db
        pair: {listen: 0.0.0.0:7400}
        """)).hasMessageContaining(files.at("pair") + "is only for a pair member");
  }

  @Test
  void startingAsTheBackupNeedsAPairStore() {
    AgentConfig config = files.load("group: shop\nstore: sqlite:" + dir.resolve("x.db") + "\n");

    assertThatThrownBy(config::asPairBackup).isInstanceOf(InvalidInputException.class)
        .hasMessageContaining("-b starts a member of a hot-backup pair as the backup");
  }
}
