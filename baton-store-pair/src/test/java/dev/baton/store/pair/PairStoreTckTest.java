package dev.baton.store.pair;

import dev.baton.core.GroupName;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import dev.baton.store.tck.StoreTck;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store TCK against a live pair member, each simulated node a client of it over the pair's
 * signed protocol: the contract of every call, as the live member applies it. (Two members, their
 * heartbeats and failover are proven with real agent processes in baton-it.)
 */
class PairStoreTckTest extends StoreTck {
  @TempDir
  static Path dir;
  private static Store live;
  private static String clientUrl;

  @BeforeAll
  static void startLiveMember() throws IOException {
    Path key = dir.resolve("pair.key");
    Files.writeString(key, "a shared key for the tck of the pair\n");
    int port = freePort();
    int absentPeer = freePort();
    String memberUrl = "pair://127.0.0.1:" + absentPeer + "?listen=127.0.0.1:" + port + "&interval=50ms&threshold=3"
        + "&key-file=" + key;
    live = Stores.open(new StoreOptions(memberUrl, GroupName.of("tck-live"), Duration.ofMillis(250),
        Duration.ofSeconds(1), Duration.ofSeconds(1), null));
    clientUrl = "pair://127.0.0.1:" + port + "?key-file=" + key;
  }

  @AfterAll
  static void stopLiveMember() {
    live.close();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  protected String storeUrl() {
    return clientUrl;
  }
}
