package dev.baton.store.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.core.GroupName;
import dev.baton.core.InvalidInputException;
import dev.baton.core.store.StoreOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.zookeeper.server.auth.DigestAuthenticationProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ZooKeeper credentials file: one line user:password, and every other content refused by name. */
class ZookeeperCredentialsTest {
  @TempDir
  Path dir;

  @Test
  void oneLineUserColonPasswordGivesTheDigestIdentity() throws Exception {
    Path file = Files.writeString(dir.resolve("zk-auth"), "baton:s3cret:with:colons\n");

    ZookeeperCredentials credentials = ZookeeperCredentials.read(file);

    assertThat(credentials.user()).isEqualTo("baton");
    assertThat(new String(credentials.authBytes(), StandardCharsets.UTF_8)).isEqualTo("baton:s3cret:with:colons");
    assertThat(credentials.id().getScheme()).isEqualTo("digest");
    assertThat(credentials.id().getId())
        .isEqualTo(DigestAuthenticationProvider.generateDigest("baton:s3cret:with:colons"));
    assertThat(credentials.toString()).contains("baton").doesNotContain("s3cret");
  }

  @ParameterizedTest
  @ValueSource(strings = {"baton", ":hunter2", "baton:", "baton:hunter2\nother:hunter2", " baton:hunter2"})
  void aMalformedFileIsRefusedNamingItWithoutShowingItsContent(String content) throws IOException {
    Path file = Files.writeString(dir.resolve("zk-auth"), content);

    assertThatThrownBy(() -> ZookeeperCredentials.read(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("malformed; expected one line user:password")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  @Test
  void anEmptyFileIsRefused() throws IOException {
    Path file = Files.writeString(dir.resolve("zk-auth"), "\n");

    assertThatThrownBy(() -> ZookeeperCredentials.read(file))
        .isInstanceOf(InvalidInputException.class)
        .hasMessageContaining(file + " is empty");
  }

  @Test
  void aMissingOrUnreadableFileIsRefusedBeforeAnyConnectionIsMade() throws IOException {
    Path missing = dir.resolve("no-such-file");
    Path directory = Files.createDirectory(dir.resolve("a-directory"));
    ZookeeperStoreProvider provider = new ZookeeperStoreProvider();

    for (Path file : new Path[] {missing, directory}) {
      StoreOptions options = new StoreOptions("zookeeper://zk1:2181/baton", GroupName.of("billing"),
          Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(1), file);
      assertThatThrownBy(() -> provider.open(options))
          .isInstanceOf(InvalidInputException.class)
          .hasMessageContaining("cannot read the ZooKeeper credentials file " + file);
    }
  }
}
