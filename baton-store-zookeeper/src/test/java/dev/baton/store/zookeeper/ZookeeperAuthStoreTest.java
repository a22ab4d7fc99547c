package dev.baton.store.zookeeper;

import dev.baton.store.tck.StoreTck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The store TCK once more, every store authenticating by digest and its group's znodes under ACLs. */
class ZookeeperAuthStoreTest extends StoreTck {
  @TempDir
  static Path dir;
  private static TestingCluster ensemble;
  private static Path credentials;

  @BeforeAll
  static void startEnsemble() throws Exception {
    credentials = Files.writeString(dir.resolve("zk-auth"), "baton:tck-secret\n");
    ensemble = Ensemble.start();
  }

  @AfterAll
  static void stopEnsemble() throws IOException {
    ensemble.close();
  }

  @Override
  protected String storeUrl() {
    return "zookeeper://" + ensemble.getConnectString() + "/baton-tck-auth";
  }

  @Override
  protected Path passwordFile() {
    return credentials;
  }

  @Override
  protected Duration lease() {
    return Duration.ofSeconds(2);
  }
}
