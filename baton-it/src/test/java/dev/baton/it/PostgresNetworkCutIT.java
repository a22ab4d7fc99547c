package dev.baton.it;

import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The network cuts on a private PostgreSQL server that listens also on the private network's store address. */
class PostgresNetworkCutIT extends NetworkCutContract {
  private static Path serverDir;
  private static LocalPostgres postgres;
  private static Thread cleanUpOnExit;

  @BeforeAll
  static void buildTheNetworkAndStartPostgres() throws IOException {
    buildTheNetwork();
    serverDir = Files.createTempDirectory("baton-it-netpg-");
    Files.setPosixFilePermissions(serverDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    postgres = LocalPostgres.init(serverDir.resolve("postgres"));
    cleanUpOnExit = new Thread(() -> {
      postgres.close();
      net.close();
    }, "baton-it-net-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanUpOnExit);
    postgres.listenAlsoOn(net.storeAddress(), net.clientSubnet());
    postgres.start();
  }

  @AfterAll
  static void stopPostgresAndRemoveTheNetwork() throws IOException {
    if (cleanUpOnExit == null) {
      return;
    }
    try {
      postgres.close();
      net.close();
    } finally {
      Runtime.getRuntime().removeShutdownHook(cleanUpOnExit);
      PostgresFailoverIT.deleteTree(serverDir);
    }
  }

  @Override
  String freshStoreUrl() {
    String db = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    postgres.createDatabase(db);
    return postgres.url(net.storeAddress(), db);
  }
}
