package dev.baton.store.postgresql;

import dev.baton.store.tck.StoreTck;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The store TCK on a real PostgreSQL server, in a database of this class's own. */
class PostgresStoreTest extends StoreTck {
  @RegisterExtension
  static final TestPostgres db = new TestPostgres();

  @Override
  protected String storeUrl() {
    return db.url();
  }
}
