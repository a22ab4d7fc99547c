package dev.baton.lab.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.core.GroupName;
import dev.baton.core.store.EventDraft;
import dev.baton.core.store.Store;
import dev.baton.core.store.StoreOptions;
import dev.baton.core.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreDumpTest {
  @TempDir Path dir;

  @Test
  void aDumpHoldsTheSnapshotAndEveryEventAsJson() throws Exception {
    String url = "sqlite:" + dir.resolve("group.db");
    try (Store store = Stores.open(new StoreOptions(url, GroupName.of("faults"), Duration.ofMillis(500), Duration.ofSeconds(3),
        Duration.ofSeconds(5), null))) {
      for (int i = 0; i < 1500; i++) {
        store.appendEvent(new EventDraft(Instant.now(), "test.event", null, null, (long) i, "number " + i));
      }
    }

    StoreDump.write(url, "faults", Duration.ofMillis(500), Duration.ofSeconds(3), dir.resolve("dump.json"));

    String json = Files.readString(dir.resolve("dump.json"));
    assertThat(json).contains("\"snapshot\"", "\"events\"", "number 0", "number 1499").doesNotContain("\"error\"");
  }
}
