package dev.baton.store.postgresql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.GroupName;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PostgresEventRetentionTest {
  @RegisterExtension static final TestPostgres db = new TestPostgres();

  @Test
  void theEventLogKeepsTheNewestEventsOfEachGroupOnly() {
    try (Store store = Stores.open(new StoreOptions(db.url(), GroupName.of("retention"), Duration.ofMillis(250),
        Duration.ofSeconds(1), Duration.ofSeconds(5), null))) {
      long total = PostgresStore.EVENT_RETENTION + 2 * PostgresStore.EVENT_PRUNE_EVERY;
      long last = 0;
      for (long i = 0; i < total; i++) {
        last = store.appendEvent(new EventDraft(Instant.now(), "test.event", null, null, null, "n" + i));
      }
      assertThat(last).isEqualTo(total);
      var kept = store.events(0, (int) total);
      assertThat(kept).hasSizeLessThanOrEqualTo((int) (PostgresStore.EVENT_RETENTION + PostgresStore.EVENT_PRUNE_EVERY));
      assertThat(kept.get(kept.size() - 1).seq()).isEqualTo(total);
      assertThat(kept.get(0).seq()).isGreaterThan(total - PostgresStore.EVENT_RETENTION - PostgresStore.EVENT_PRUNE_EVERY);
    }
  }
}
