package dev.baton.it;

import dev.baton.store.postgresql.LocalPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;

/** The network cuts on a private PostgreSQL server that listens also on the private network's store address. */
class PostgresNetworkCutIT extends NetworkCutContract {
  private static LocalPostgres postgres;

  @BeforeAll
  static void startPostgres() throws IOException {
    Path dir = buildTheNetwork("baton-it-netpg-");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    postgres = LocalPostgres.init(dir.resolve("postgres"));
    serverStarted(postgres);
    postgres.listenAlsoOn(net.storeAddress(), net.clientSubnet());
    postgres.start();
  }

  @Override
  String freshStoreUrl() {
    String db = "it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    postgres.createDatabase(db);
    return postgres.url(net.storeAddress(), db);
  }
}
